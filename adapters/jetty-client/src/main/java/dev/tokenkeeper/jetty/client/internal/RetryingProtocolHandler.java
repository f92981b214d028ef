package dev.tokenkeeper.jetty.client.internal;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.TokenManager;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.client.ProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpConversation;
import org.eclipse.jetty.client.transport.HttpRequest;
import org.eclipse.jetty.client.transport.ResponseListeners;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.content.ByteBufferContentSource;

/**
 * Takes the place of Jetty's {@code WWWAuthenticationProtocolHandler} (under its name, so that it
 * is asked about a 401 first) and delegates to it every response to a request that carried no
 * token of ours. A response to one that did is never handed to Jetty's handler, which would turn a
 * 401 without a configured authentication into a failure or an empty body: it is either retried
 * here, once, or handed to the caller as received. Thread-safe.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class RetryingProtocolHandler implements ProtocolHandler {
  /** The largest body of a 400/401/403 kept to hand on to the caller. */
  private static final int MAX_KEPT_BODY = 4 * 1024 * 1024;

  private final ProtocolHandler jettys;
  private final TokenManager manager;
  private final String key;
  private final BearerPolicy policy;

  public RetryingProtocolHandler(ProtocolHandler jettys, TokenManager manager, String key,
      BearerPolicy policy) {
    this.jettys = jettys;
    this.manager = manager;
    this.key = key;
    this.policy = policy;
  }

  @Override
  public String getName() {
    return jettys.getName();
  }

  /**
   * Jetty asks as the response begins, knowing its status but not yet its headers: a 400, 401 or
   * 403 (the statuses of RFC 6750, section 3.1) to a request that carried our token is taken in,
   * and the listener decides on the complete response whether to send it again.
   */
  @Override
  public boolean accept(Request request, Response response) {
    Exchange exchange = Exchange.of(request);
    if (exchange == null || exchange.sent() == null) {
      return jettys.accept(request, response);
    }
    int status = response.getStatus();
    return !exchange.retried() && (status == 401 || status == 400 || status == 403);
  }

  @Override
  public Response.Listener getResponseListener() {
    return new Dispatch(jettys.getResponseListener());
  }

  /**
   * On the complete response: sends the request once more with a new token when it rejected the
   * token and the body can be sent again, else hands the caller the response as received.
   */
  private void complete(Result result, byte[] content) {
    HttpRequest request = (HttpRequest) result.getRequest();
    HttpConversation conversation = request.getConversation();
    if (result.isFailed()) {
      forwardFailure(conversation, result);
      return;
    }
    Response response = result.getResponse();
    Exchange exchange = Exchange.of(request);
    AccessToken sent = exchange.sent();
    String key = exchange.key();
    if (!BearerPolicy.rejectsToken(response.getStatus(),
        response.getHeaders().getValuesList(HttpHeader.WWW_AUTHENTICATE))) {
      forward(conversation, result, content);
      return;
    }
    Request.Content body = request.getBody();
    if (body != null && !policy.replayable(body.getLength())) {
      manager.rejected(key, sent); // not sent again: the next request gets a new token
      forward(conversation, result, content);
      return;
    }
    manager.rejected(key, sent).whenComplete((renewed, failure) -> {
      if (failure != null) {
        forwardFailure(conversation, new Result(request, null, response, Futures.cause(failure)));
        return;
      }
      // Handed on as it is when the manager kept the token (no refresh now), or the body
      // cannot be rewound.
      if (renewed.value().equals(sent.value()) || (body != null && !body.rewind())) {
        forward(conversation, result, content);
        return;
      }
      Exchange.of(request).retryWith(renewed);
      HttpRequest again = request.copy(request.getURI());
      // copy() leaves the caller's Cookie header behind; the retry goes to the same origin.
      HttpField cookie = request.getHeaders().getField(HttpHeader.COOKIE);
      if (cookie != null) {
        again.headers(h -> h.put(cookie));
      }
      again.send(r -> { });
    });
  }

  /** Hands the caller's listeners the response as it was received, body included. */
  private static void forward(HttpConversation conversation, Result result, byte[] content) {
    conversation.updateResponseListeners(null);
    ResponseListeners listeners = conversation.getResponseListeners();
    Response response = result.getResponse();
    listeners.notifyBegin(response);
    for (HttpField field : response.getHeaders()) {
      listeners.notifyHeader(response, field);
    }
    listeners.notifyHeaders(response);
    if (content.length > 0) {
      listeners.notifyContentSource(response,
          new ByteBufferContentSource(ByteBuffer.wrap(content)));
    }
    listeners.emitSuccessComplete(new Result(result.getRequest(), response));
  }

  private static void forwardFailure(HttpConversation conversation, Result result) {
    conversation.updateResponseListeners(null);
    conversation.getResponseListeners().emitFailureComplete(result);
  }

  /**
   * The listener for an accepted response: ours (discard the 401, then retry) for a request that
   * carried our token, Jetty's for any other.
   */
  private final class Dispatch implements Response.Listener {
    private final Response.Listener jettys;
    private final ByteArrayOutputStream content = new ByteArrayOutputStream();

    Dispatch(Response.Listener jettys) {
      this.jettys = jettys;
    }

    private boolean ours(Response response) {
      Exchange exchange = Exchange.of(response.getRequest());
      return exchange != null && exchange.sent() != null;
    }

    @Override
    public void onBegin(Response response) {
      if (!ours(response)) {
        jettys.onBegin(response);
      }
    }

    @Override
    public boolean onHeader(Response response, HttpField field) {
      return ours(response) || jettys.onHeader(response, field);
    }

    @Override
    public void onHeaders(Response response) {
      if (!ours(response)) {
        jettys.onHeaders(response);
      }
    }

    @Override
    public void onContent(Response response, ByteBuffer chunk) {
      if (!ours(response)) {
        jettys.onContent(response, chunk);
        return;
      }
      if (content.size() + (long) chunk.remaining() > MAX_KEPT_BODY) {
        response.abort(new IllegalStateException("the body of the " + response.getStatus()
            + " response is larger than " + MAX_KEPT_BODY + " bytes"));
        return;
      }
      byte[] bytes = new byte[chunk.remaining()];
      chunk.get(bytes);
      content.write(bytes, 0, bytes.length);
    }

    @Override
    public void onSuccess(Response response) {
      if (!ours(response)) {
        jettys.onSuccess(response);
      }
    }

    @Override
    public void onFailure(Response response, Throwable failure) {
      if (!ours(response)) {
        jettys.onFailure(response, failure);
      }
    }

    @Override
    public void onComplete(Result result) {
      if (ours(result.getResponse())) {
        complete(result, content.toByteArray());
      } else {
        jettys.onComplete(result);
      }
    }
  }
}

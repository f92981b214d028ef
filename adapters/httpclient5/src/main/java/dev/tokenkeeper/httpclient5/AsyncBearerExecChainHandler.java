package dev.tokenkeeper.httpclient5;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.httpclient5.internal.Futures;
import dev.tokenkeeper.httpclient5.internal.HeldBody;
import dev.tokenkeeper.httpclient5.internal.Hops;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;

/**
 * {@link BearerExecChainHandler} for Apache HttpClient 5's async client: the same contract,
 * without blocking an I/O thread. An execution whose context has a
 * {@link BearerExecChainHandler#KEY_ATTRIBUTE} carries the token of that key. The request waits for the token through
 * {@link TokenManager#tokenAsync}; after a rejection the request is sent again once the refresh
 * completes, and the 401's body is dropped, or handed to the caller as it arrives when the
 * manager keeps the rejected token (while the manager decides, no more than the connection's
 * initial window, 64 KiB by default, is read ahead). The entity producer is sent again when it is
 * {@linkplain AsyncEntityProducer#isRepeatable() repeatable} and its length is known and at most
 * {@link BearerPolicy#maxReplayBytes()}.
 *
 * <pre>{@code
 * CloseableHttpAsyncClient client = AsyncBearerExecChainHandler
 *     .of(manager, "alice", BearerPolicy.allowedOrigins(api))
 *     .install(HttpAsyncClients.custom())
 *     .build();
 * }</pre>
 *
 * <p>A token failure fails the request's future with the manager's exception
 * ({@code ReauthenticationRequiredException}, {@code TokenEndpointException}).
 *
 * <p>Immutable and thread-safe: one instance serves any number of clients and requests.
 */
public final class AsyncBearerExecChainHandler implements AsyncExecChainHandler {
  /** The name of this handler in the exec chain. */
  public static final String NAME = "tokenkeeper-bearer";

  private final TokenManager manager;
  private final String key;
  private final BearerPolicy policy;

  private AsyncBearerExecChainHandler(TokenManager manager, String key, BearerPolicy policy) {
    this.manager = Objects.requireNonNull(manager, "manager is required");
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key (the key whose token to send) is required");
    }
    this.key = key;
    this.policy = Objects.requireNonNull(policy, "policy is required: BearerPolicy.allowedOrigins("
        + "URI.create(\"https://api.example.com\"))");
  }

  /** A handler that sends the token of {@code key} to the origins {@code policy} allows. */
  public static AsyncBearerExecChainHandler of(TokenManager manager, String key,
      BearerPolicy policy) {
    return new AsyncBearerExecChainHandler(manager, key, policy);
  }

  /**
   * Adds this handler to the builder's exec chain, before the protocol handler.
   *
   * @return {@code builder}
   */
  public HttpAsyncClientBuilder install(HttpAsyncClientBuilder builder) {
    return builder.addExecInterceptorBefore(ChainElement.PROTOCOL.name(), NAME, this);
  }

  @Override
  public void execute(HttpRequest request, AsyncEntityProducer entityProducer,
      AsyncExecChain.Scope scope, AsyncExecChain chain, AsyncExecCallback callback)
      throws HttpException, IOException {
    URI hop = Hops.uri(request, scope.route);
    if (Hops.crossedOrigin(hop, scope.clientContext, scope.exchangeId)) {
      HttpRequest stripped = BasicRequestBuilder.copy(request).build();
      Hops.stripCredentials(stripped);
      chain.proceed(stripped, entityProducer, scope, callback);
      return;
    }
    if (!policy.allows(hop)) {
      chain.proceed(request, entityProducer, scope, callback);
      return;
    }
    String key = Hops.key(scope.clientContext, this.key);
    manager.tokenAsync(key).whenComplete((token, failure) -> {
      if (failure != null) {
        callback.failed(Futures.cause(failure));
      } else {
        send(new Attempt(key, request, entityProducer, scope, chain, callback), token, false);
      }
    });
  }

  /** What every attempt of one hop shares. */
  private record Attempt(String key, HttpRequest request, AsyncEntityProducer producer,
      AsyncExecChain.Scope scope, AsyncExecChain chain, AsyncExecCallback callback) {}

  private void send(Attempt a, AccessToken token, boolean retried) {
    HttpRequest authorized = BasicRequestBuilder.copy(a.request()).build();
    authorized.setHeader("Authorization", token.authorizationHeader());
    try {
      a.chain().proceed(authorized, a.producer(), a.scope(), new Sent(a, token, retried));
    } catch (HttpException | IOException | RuntimeException e) {
      a.callback().failed(e);
    }
  }

  /**
   * One attempt's exchange: passes the response to the caller, or, for a rejection it may send
   * again, holds the 401 until the manager answers: sent again with the new token, or handed to
   * the caller after all when the manager keeps the rejected token.
   */
  private final class Sent implements AsyncExecCallback {
    private final Attempt a;
    private final AccessToken token;
    private final boolean retried;
    private volatile CompletableFuture<AccessToken> renewal;
    private volatile HttpResponse rejection;
    private volatile HeldBody held;
    /** Completes when the held body's fate is settled, with the failure of handing it on. */
    private volatile CompletableFuture<Exception> settled;
    private volatile boolean failed;

    Sent(Attempt a, AccessToken token, boolean retried) {
      this.a = a;
      this.token = token;
      this.retried = retried;
    }

    @Override
    public AsyncDataConsumer handleResponse(HttpResponse response, EntityDetails details)
        throws HttpException, IOException {
      if (!retried && Hops.rejects(response)) {
        CompletableFuture<AccessToken> next = manager.rejected(a.key(), token);
        // Not sent again when the body cannot be, or when the manager kept the token (no
        // refresh now): the next request gets the new token.
        if (replayable(a.producer()) && !keptAlready(next, token)) {
          renewal = next;
          rejection = response;
          if (details == null) {
            return null;
          }
          // Held until the manager answers: dropped for a retry, handed on as it arrives if the
          // manager keeps the token after all (a refresh that brought the same token back).
          HeldBody body = new HeldBody(details);
          held = body;
          settled = next.handle((renewed, failure) -> settle(body, response, details,
              failure == null && renewed.value().equals(token.value())));
          return body;
        }
      }
      return a.callback().handleResponse(response, details);
    }

    private Exception settle(HeldBody body, HttpResponse response, EntityDetails details,
        boolean handOn) {
      try {
        AsyncDataConsumer consumer = handOn && !failed
            ? a.callback().handleResponse(response, details) : null;
        if (consumer != null) {
          body.handOn(consumer);
        } else {
          body.drop();
        }
        return null;
      } catch (HttpException | IOException | RuntimeException e) {
        try {
          body.drop();
        } catch (IOException | RuntimeException ignored) {
          // the exchange fails with e either way
        }
        return e;
      }
    }

    @Override
    public void handleInformationResponse(HttpResponse response)
        throws HttpException, IOException {
      a.callback().handleInformationResponse(response);
    }

    @Override
    public void completed() {
      CompletableFuture<AccessToken> next = renewal;
      if (next == null) {
        a.callback().completed();
        return;
      }
      if (a.producer() != null) {
        a.producer().releaseResources();
      }
      CompletableFuture<Exception> body = settled;
      (body != null ? body : CompletableFuture.<Exception>completedFuture(null))
          .thenCombine(next.handle((renewed, failure) -> failure), (handOnFailure, failure) -> {
            if (handOnFailure != null) {
              a.callback().failed(handOnFailure);
            } else if (failure != null) {
              a.callback().failed(Futures.cause(failure));
            } else if (next.join().value().equals(token.value())) {
              if (body == null) {
                passOn(rejection, a.callback()); // the manager kept the token; no body
              } else {
                a.callback().completed(); // the body went to the caller as it arrived
              }
            } else {
              send(a, next.join(), true);
            }
            return null;
          });
    }

    @Override
    public void failed(Exception cause) {
      failed = true;
      a.callback().failed(cause);
    }
  }

  /** Hands the caller a body-less rejection after the manager kept its token. */
  private static void passOn(HttpResponse rejection, AsyncExecCallback callback) {
    try {
      callback.handleResponse(rejection, null);
      callback.completed();
    } catch (HttpException | IOException | RuntimeException e) {
      callback.failed(e);
    }
  }

  /** Whether the manager has already answered with the token it was told was rejected. */
  private static boolean keptAlready(CompletableFuture<AccessToken> next, AccessToken token) {
    if (!next.isDone() || next.isCompletedExceptionally()) {
      return false;
    }
    return next.join().value().equals(token.value());
  }

  private boolean replayable(AsyncEntityProducer producer) {
    return producer == null
        || (producer.isRepeatable() && policy.replayable(producer.getContentLength()));
  }

  @Override
  public String toString() {
    return "AsyncBearerExecChainHandler[key=" + key + ", " + policy + "]";
  }
}

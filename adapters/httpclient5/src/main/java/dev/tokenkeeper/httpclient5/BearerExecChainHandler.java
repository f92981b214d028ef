package dev.tokenkeeper.httpclient5;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.httpclient5.internal.Futures;
import dev.tokenkeeper.httpclient5.internal.Hops;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * Sends the access token of one key of a {@link TokenManager} with Apache HttpClient 5's classic
 * (blocking) client as {@code Authorization: Bearer} (RFC 6750, section 2.1), with the same
 * contract as core's {@code BearerHttpClient}. It is an exec-chain handler; {@link #install} puts
 * it after the redirect and retry handlers and before the protocol handler, so that it sees every
 * hop of a redirect chain:
 *
 * <pre>{@code
 * CloseableHttpClient client = BearerExecChainHandler
 *     .of(manager, "alice", BearerPolicy.allowedOrigins(api))
 *     .install(HttpClients.custom())
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>One key per handler, or per execution.</b> An execution whose context has a
 *       {@link #KEY_ATTRIBUTE} carries the token of that key instead.
 *   <li><b>Allowed origins only.</b> The token goes only to hops whose origin the
 *       {@link BearerPolicy} allows, replacing an {@code Authorization} header of the caller's.
 *   <li><b>One retry after a rejection.</b> When the response {@linkplain
 *       BearerPolicy#rejectsToken rejects the token}, the handler reports it through
 *       {@link TokenManager#rejected} (one refresh however many requests report the same token)
 *       and sends a fresh copy of the request once more (a copy, so the protocol handler adds
 *       {@code Content-Length} once). The entity is sent again when it is
 *       {@linkplain HttpEntity#isRepeatable() repeatable} and its length is known and at most
 *       {@link BearerPolicy#maxReplayBytes()}; otherwise the rejection is returned (and the token
 *       still reported, so the next request carries a new one).
 *   <li><b>Redirects</b> are followed by the client as configured. From the first hop to another
 *       origin on, no {@code Authorization}, {@code Proxy-Authorization} or caller's
 *       {@code Cookie} header is sent (the cookie store's cookies for the new host still are).
 * </ul>
 *
 * <p>Token failures ({@code ReauthenticationRequiredException}, {@code TokenEndpointException})
 * reach the caller of {@code execute} unchanged.
 *
 * <p>Immutable and thread-safe: one instance serves any number of clients and requests.
 */
public final class BearerExecChainHandler implements ExecChainHandler {
  /** The name of this handler in the exec chain. */
  public static final String NAME = "tokenkeeper-bearer";

  /**
   * The {@code HttpContext} attribute that names the key whose token to send with one execution,
   * in place of the handler's: {@code context.setAttribute(KEY_ATTRIBUTE, "alice@example.com")}.
   */
  public static final String KEY_ATTRIBUTE = "dev.tokenkeeper.key";

  private final TokenManager manager;
  private final String key;
  private final BearerPolicy policy;

  private BearerExecChainHandler(TokenManager manager, String key, BearerPolicy policy) {
    this.manager = Objects.requireNonNull(manager, "manager is required");
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key (the key whose token to send) is required");
    }
    this.key = key;
    this.policy = Objects.requireNonNull(policy, "policy is required: BearerPolicy.allowedOrigins("
        + "URI.create(\"https://api.example.com\"))");
  }

  /** A handler that sends the token of {@code key} to the origins {@code policy} allows. */
  public static BearerExecChainHandler of(TokenManager manager, String key, BearerPolicy policy) {
    return new BearerExecChainHandler(manager, key, policy);
  }

  /**
   * Adds this handler to the builder's exec chain, before the protocol handler.
   *
   * @return {@code builder}
   */
  public HttpClientBuilder install(HttpClientBuilder builder) {
    return builder.addExecInterceptorBefore(ChainElement.PROTOCOL.name(), NAME, this);
  }

  @Override
  public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope,
      ExecChain chain) throws IOException, HttpException {
    URI hop = Hops.uri(request, scope.route);
    if (Hops.crossedOrigin(hop, scope.clientContext, scope.exchangeId)) {
      ClassicHttpRequest stripped = ClassicRequestBuilder.copy(request).build();
      Hops.stripCredentials(stripped);
      return chain.proceed(stripped, scope);
    }
    if (!policy.allows(hop)) {
      return chain.proceed(request, scope);
    }
    String key = Hops.key(scope.clientContext, this.key);
    AccessToken token = manager.token(key);
    ClassicHttpResponse response = chain.proceed(authorized(request, token), scope);
    if (!Hops.rejects(response)) {
      return response;
    }
    if (!replayable(request.getEntity())) {
      manager.rejected(key, token); // not sent again: the next request gets a new token
      return response;
    }
    AccessToken renewed;
    try {
      renewed = BearerPolicy.awaitRenewal(manager.rejected(key, token));
    } catch (IOException | RuntimeException | Error e) {
      response.close();
      throw e;
    }
    if (renewed.value().equals(token.value())) {
      return response; // the manager kept the token (no refresh now): sending it again won't help
    }
    EntityUtils.consume(response.getEntity());
    response.close();
    return chain.proceed(authorized(request, renewed), scope);
  }

  /** A fresh copy per attempt: the protocol handler adds Content-Length to what it is given. */
  private static ClassicHttpRequest authorized(ClassicHttpRequest request, AccessToken token) {
    ClassicHttpRequest copy = ClassicRequestBuilder.copy(request).build();
    copy.setHeader("Authorization", token.authorizationHeader());
    return copy;
  }

  private boolean replayable(HttpEntity entity) {
    return entity == null
        || (entity.isRepeatable() && policy.replayable(entity.getContentLength()));
  }

  @Override
  public String toString() {
    return "BearerExecChainHandler[key=" + key + ", " + policy + "]";
  }
}

package dev.tokenkeeper.servlet;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerHttpClient;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.internal.BearerClients;
import jakarta.servlet.ServletRequest;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The tokens of one request's key, bound by {@link TokenFilter} to the request as attribute
 * {@value #ATTRIBUTE}: the current access token, a {@link BearerHttpClient} that attaches it, and
 * the provider session's timeouts.
 *
 * <p>Thread-safe, and it holds no reference to the request or the response: work started with
 * {@code request.startAsync()} or on any other thread may keep it and use it after the filter has
 * returned. Every call asks the shared {@link TokenManager}, so a token refreshed meanwhile (ahead
 * of expiry, or after a 401) is what the next call gets; keep the context, not the token.
 * {@code toString()} never shows a token.
 */
public final class TokenContext {

  /** The request attribute that holds the request's {@code TokenContext}. */
  public static final String ATTRIBUTE = "dev.tokenkeeper.TokenContext";

  /** The request attribute holding the {@link SessionTimeouts} as of the filter's pass. */
  public static final String SESSION_TIMEOUTS_ATTRIBUTE = "dev.tokenkeeper.SessionTimeouts";

  /** The request attribute holding {@code session_id} ({@code String}), when known. */
  public static final String SESSION_ID_ATTRIBUTE = "dev.tokenkeeper.session.id";

  /** The request attribute holding {@code session_idle_timeout} in seconds ({@code Long}), when enforced. */
  public static final String IDLE_TIMEOUT_ATTRIBUTE = "dev.tokenkeeper.session.idleTimeout";

  /** The request attribute holding the idle deadline ({@code java.time.Instant}), when enforced. */
  public static final String IDLE_DEADLINE_ATTRIBUTE = "dev.tokenkeeper.session.idleDeadline";

  /** The request attribute holding the session's absolute end ({@code java.time.Instant}), when enforced. */
  public static final String EXPIRES_AT_ATTRIBUTE = "dev.tokenkeeper.session.expiresAt";

  private final TokenManager manager;
  private final String endpointId;
  private final BearerClients clients;
  private final Function<String, Map<String, Object>> verifiedClaims;
  private volatile BearerHttpClient httpClient;

  TokenContext(TokenManager manager, String endpointId, BearerClients clients) {
    this(manager, endpointId, clients, NO_CLAIMS);
  }

  TokenContext(TokenManager manager, String endpointId, BearerClients clients,
      Function<String, Map<String, Object>> verifiedClaims) {
    this.manager = Objects.requireNonNull(manager, "manager");
    this.endpointId = Objects.requireNonNull(endpointId, "endpointId");
    this.clients = Objects.requireNonNull(clients, "clients");
    this.verifiedClaims = verifiedClaims;
  }

  private static final Function<String, Map<String, Object>> NO_CLAIMS = key -> Map.of();

  /**
   * The context {@link TokenFilter} bound to {@code request}.
   *
   * @throws IllegalStateException the filter did not handle this request: map it to the URL
   *     (and to the {@code ASYNC}, {@code FORWARD} or {@code INCLUDE} dispatches you use), or the
   *     request has no key and the session-ended policy is {@code pass-through}
   */
  public static TokenContext from(ServletRequest request) {
    return find(request).orElseThrow(() -> new IllegalStateException(
        "no TokenContext on this request (attribute " + ATTRIBUTE + "): map TokenFilter to this"
            + " URL and dispatcher type; under the pass-through policy a request without an"
            + " endpoint id has none"));
  }

  /** The context bound to {@code request}, or empty. */
  public static Optional<TokenContext> find(ServletRequest request) {
    Object value = request.getAttribute(ATTRIBUTE);
    return value instanceof TokenContext context ? Optional.of(context) : Optional.empty();
  }

  /** The request's key, the {@code endpoint_id} its tokens are requested for. */
  public String endpointId() {
    return endpointId;
  }

  /**
   * The key's current access token (see {@link TokenManager#token}): at once when cached.
   *
   * @throws dev.tokenkeeper.ReauthenticationRequiredException the user must sign in again
   * @throws dev.tokenkeeper.TokenEndpointException the token endpoint failed
   */
  public AccessToken token() {
    return manager.token(endpointId);
  }

  /** {@link #token()} without blocking. */
  public CompletableFuture<AccessToken> tokenAsync() {
    return manager.tokenAsync(endpointId);
  }

  /**
   * An {@code HttpClient} that sends this key's token to the configured allowed origins and
   * retries once with a refreshed token after a 401. Created on first use, then the same.
   *
   * @throws IllegalStateException no allowed origins are configured (init-param
   *     {@code allowed-origins})
   */
  public BearerHttpClient httpClient() {
    BearerHttpClient client = httpClient;
    if (client == null) {
      // A race creates two equivalent clients; both are correct, one is kept.
      client = clients.forKey(endpointId);
      httpClient = client;
    }
    return client;
  }

  /** The provider session's timeouts now (the idle deadline moves with every use of the token). */
  public SessionTimeouts sessionTimeouts() {
    return manager.session(endpointId);
  }

  /**
   * The claims of the user's <em>verified</em> ID token (OpenID Connect Core 1.0, 3.1.3.7: its
   * signature checked against the provider's keys, and {@code iss}, {@code aud}, {@code exp},
   * {@code nonce}), as JSON values; empty when the key was not signed in by
   * {@code LoginFilter} or the provider sent no ID token. Unlike
   * {@code TokenResponse.idTokenClaims()}, which only decodes, these may be trusted.
   */
  public Map<String, Object> claims() {
    Map<String, Object> claims = verifiedClaims.apply(endpointId);
    return claims == null ? Map.of() : claims;
  }

  /** The verified ID token's {@code sub}: the user at the provider; empty without one. */
  public Optional<String> subject() {
    return claims().get("sub") instanceof String sub ? Optional.of(sub) : Optional.empty();
  }

  /** The shared manager, e.g. to {@code revoke} the key's tokens at sign-out. */
  public TokenManager tokenManager() {
    return manager;
  }

  @Override
  public String toString() {
    return "TokenContext[endpointId=" + endpointId + "]";
  }
}

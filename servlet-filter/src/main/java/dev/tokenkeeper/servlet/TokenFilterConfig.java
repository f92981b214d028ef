package dev.tokenkeeper.servlet;

import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.internal.Origins;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * How a {@link TokenFilter} built in code behaves: the programmatic twin of the {@code web.xml}
 * init-params (see {@code CONFIGURATION.md}), for {@code ServletContext.addFilter} and frameworks.
 *
 * <p>Immutable and thread-safe. The {@link TokenManager} is yours: the filter uses it and never
 * closes it.
 *
 * <pre>{@code
 * TokenFilterConfig config = TokenFilterConfig
 *     .builder(manager, EndpointIdResolver.sessionAttribute("endpointId"))
 *     .allowedOrigins(URI.create("https://api.example.com"))
 *     .exposeHeaders(true)
 *     .sessionEndedPolicy(SessionEndedPolicy.redirect("/login"))
 *     .build();
 * servletContext.addFilter("tokenkeeper", new TokenFilter(config));
 * }</pre>
 */
public final class TokenFilterConfig {
  private final TokenManager tokenManager;
  private final EndpointIdResolver endpointIdResolver;
  private final List<URI> allowedOrigins;
  private final boolean exposeHeaders;
  private final boolean alignSessionTimeout;
  private final SessionEndedPolicy sessionEndedPolicy;
  private final HttpClient httpClient;
  private final Function<String, Map<String, Object>> verifiedClaims;

  private TokenFilterConfig(Builder b) {
    this.tokenManager = b.tokenManager;
    this.endpointIdResolver = b.endpointIdResolver;
    this.allowedOrigins = List.copyOf(b.allowedOrigins);
    this.exposeHeaders = b.exposeHeaders;
    this.alignSessionTimeout = b.alignSessionTimeout;
    this.sessionEndedPolicy = b.sessionEndedPolicy;
    this.httpClient = b.httpClient;
    this.verifiedClaims = b.verifiedClaims;
  }

  /** A builder with the defaults: no allowed origins, no headers, no alignment, policy {@code 401}. */
  public static Builder builder(TokenManager tokenManager, EndpointIdResolver endpointIdResolver) {
    return new Builder(tokenManager, endpointIdResolver);
  }

  /** The manager that holds the tokens. */
  public TokenManager tokenManager() {
    return tokenManager;
  }

  /** How a request's key is found. */
  public EndpointIdResolver endpointIdResolver() {
    return endpointIdResolver;
  }

  /** The origins the request's {@code BearerHttpClient} may send tokens to; may be empty. */
  public List<URI> allowedOrigins() {
    return allowedOrigins;
  }

  /** Whether the session timeouts go out as {@code TokenKeeper-Session-*} response headers. */
  public boolean exposeHeaders() {
    return exposeHeaders;
  }

  /** Whether an existing {@code HttpSession}'s max inactive interval follows {@code session_idle_timeout}. */
  public boolean alignSessionTimeout() {
    return alignSessionTimeout;
  }

  /** How a request is answered when its provider session has ended. */
  public SessionEndedPolicy sessionEndedPolicy() {
    return sessionEndedPolicy;
  }

  /** The {@code HttpClient} the per-request {@code BearerHttpClient}s delegate to, if set. */
  public Optional<HttpClient> httpClient() {
    return Optional.ofNullable(httpClient);
  }

  /**
   * Where {@link TokenContext#claims()} comes from: the verified ID token claims of a key
   * (the login filter sets it); by default every key has none.
   */
  public Function<String, Map<String, Object>> verifiedClaims() {
    return verifiedClaims;
  }

  @Override
  public String toString() {
    return "TokenFilterConfig[endpointId=" + endpointIdResolver + ", allowedOrigins="
        + allowedOrigins + ", exposeHeaders=" + exposeHeaders + ", alignSessionTimeout="
        + alignSessionTimeout + ", sessionEnded=" + sessionEndedPolicy + "]";
  }

  /** Builds a {@link TokenFilterConfig}; not thread-safe. */
  public static final class Builder {
    private final TokenManager tokenManager;
    private final EndpointIdResolver endpointIdResolver;
    private final List<URI> allowedOrigins = new ArrayList<>();
    private boolean exposeHeaders;
    private boolean alignSessionTimeout;
    private SessionEndedPolicy sessionEndedPolicy = SessionEndedPolicy.unauthorized();
    private HttpClient httpClient;
    private Function<String, Map<String, Object>> verifiedClaims = key -> Map.of();

    private Builder(TokenManager tokenManager, EndpointIdResolver endpointIdResolver) {
      this.tokenManager = Objects.requireNonNull(tokenManager, "tokenManager");
      this.endpointIdResolver = Objects.requireNonNull(endpointIdResolver, "endpointIdResolver");
    }

    /**
     * Adds origins ({@code scheme://host[:port]}) the request's {@code BearerHttpClient} may send
     * tokens to.
     *
     * @throws IllegalArgumentException an origin is not an absolute http(s) URI without path,
     *     query, fragment or user info
     */
    public Builder allowedOrigins(URI... origins) {
      return allowedOrigins(Arrays.asList(origins));
    }

    /** @see #allowedOrigins(URI...) */
    public Builder allowedOrigins(Collection<URI> origins) {
      for (URI origin : origins) {
        allowedOrigins.add(Origins.check(origin));
      }
      return this;
    }

    /** Whether to add the session timeout response headers; default {@code false}. */
    public Builder exposeHeaders(boolean exposeHeaders) {
      this.exposeHeaders = exposeHeaders;
      return this;
    }

    /**
     * Whether to set an existing {@code HttpSession}'s max inactive interval to the provider's
     * idle timeout; default {@code false}.
     */
    public Builder alignSessionTimeout(boolean alignSessionTimeout) {
      this.alignSessionTimeout = alignSessionTimeout;
      return this;
    }

    /**
     * How to answer when the provider session has ended; default
     * {@link SessionEndedPolicy#unauthorized()}.
     */
    public Builder sessionEndedPolicy(SessionEndedPolicy sessionEndedPolicy) {
      this.sessionEndedPolicy = Objects.requireNonNull(sessionEndedPolicy, "sessionEndedPolicy");
      return this;
    }

    /**
     * The {@code HttpClient} the request's {@code BearerHttpClient} sends API calls with (e.g.
     * with your {@code SSLContext} or proxy); it must be built with
     * {@code followRedirects(HttpClient.Redirect.NEVER)}, or {@code TokenContext.httpClient()}
     * throws, because it would carry the token to any origin. Default: one plain client per filter.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /**
     * The verified ID token claims of a key, for {@link TokenContext#claims()} and
     * {@link TokenContext#subject()}; must be thread-safe and never return {@code null}. Set by
     * {@code dev.tokenkeeper.servlet.login.LoginFilter}; set it yourself only with claims you
     * have verified.
     */
    public Builder verifiedClaims(Function<String, Map<String, Object>> claimsByKey) {
      this.verifiedClaims = Objects.requireNonNull(claimsByKey, "claimsByKey");
      return this;
    }

    /** The configuration. */
    public TokenFilterConfig build() {
      return new TokenFilterConfig(this);
    }
  }
}

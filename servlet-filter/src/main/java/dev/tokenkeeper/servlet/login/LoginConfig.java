package dev.tokenkeeper.servlet.login;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.login.internal.LoginSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How a {@link LoginFilter} signs users in: the provider (an issuer whose metadata is discovered,
 * and/or endpoints given one by one), the client, the redirect URI and the paths the filter
 * answers. The programmatic twin of the filter's {@code web.xml} init-params (CONFIGURATION.md,
 * "Sign users in").
 *
 * <p>Immutable and thread-safe; build it with {@link #builder}.
 */
public final class LoginConfig {
  final LoginSettings settings;

  private LoginConfig(Builder b) {
    settings = new LoginSettings(b.issuer,
        b.discovery != null ? b.discovery : b.authorizationEndpoint == null || b.tokenEndpoint == null,
        b.authorizationEndpoint, b.tokenEndpoint, b.jwksUri, b.revocationEndpoint,
        b.endSessionEndpoint, b.parEndpoint, b.usePar, b.clientAuthentication, b.redirectUri,
        b.scope, b.loginPath, b.callbackPath, b.logoutPath, b.backChannelLogoutPath,
        b.sessionPath, b.defaultReturnTo, b.postLogoutRedirect, b.postLogoutRedirectUri,
        b.stateLifetime, b.clockSkew, b.allowInsecureHttp, List.copyOf(b.allowedOrigins),
        b.exposeHeaders, b.alignSessionTimeout, b.refreshWindow, b.maximumSize,
        List.copyOf(b.listeners), b.managerAttribute, b.clock, b.httpClient,
        b.tokenEndpointOptions, b.tokenManagerOptions);
  }

  /**
   * A builder.
   *
   * @param issuer the provider's issuer identifier ({@code https://id.example.com}); its metadata
   *     is discovered at {@code init} unless the authorization and token endpoints are given.
   *     May be {@code null} only when every endpoint is given and no ID token is expected
   * @param clientAuthentication the client and how it authenticates at the token endpoint
   *     ({@code ClientAuthentication.none(id)} for a public client: PKCE protects the code)
   * @param redirectUri the absolute callback URL registered with the provider, e.g.
   *     {@code https://app.example.com/oauth/callback}
   */
  public static Builder builder(URI issuer, ClientAuthentication clientAuthentication,
      URI redirectUri) {
    return new Builder(issuer, clientAuthentication, redirectUri);
  }

  public Optional<URI> issuer() {
    return Optional.ofNullable(settings.issuer());
  }

  public String clientId() {
    return settings.clientAuthentication().clientId();
  }

  public URI redirectUri() {
    return settings.redirectUri();
  }

  public String scope() {
    return settings.scope();
  }

  public String loginPath() {
    return settings.loginPath();
  }

  public String callbackPath() {
    return settings.callbackPath();
  }

  public String logoutPath() {
    return settings.logoutPath();
  }

  public String backChannelLogoutPath() {
    return settings.backChannelLogoutPath();
  }

  public String sessionPath() {
    return settings.sessionPath();
  }

  @Override
  public String toString() {
    return "LoginConfig[issuer=" + settings.issuer() + ", clientId=" + clientId()
        + ", redirectUri=" + settings.redirectUri() + ", scope=" + settings.scope()
        + ", discovery=" + settings.discovery() + ", par=" + settings.usePar() + "]";
  }

  /** Builds a {@link LoginConfig}; not thread-safe. */
  public static final class Builder {
    private final URI issuer;
    private final ClientAuthentication clientAuthentication;
    private final URI redirectUri;
    private Boolean discovery;
    private URI authorizationEndpoint;
    private URI tokenEndpoint;
    private URI jwksUri;
    private URI revocationEndpoint;
    private URI endSessionEndpoint;
    private URI parEndpoint;
    private boolean usePar = true;
    private String scope = "openid";
    private String loginPath = "/oauth/login";
    private String callbackPath = "/oauth/callback";
    private String logoutPath = "/oauth/logout";
    private String backChannelLogoutPath = "/oauth/backchannel-logout";
    private String sessionPath = "/oauth/session";
    private String defaultReturnTo = "/";
    private String postLogoutRedirect = "/";
    private URI postLogoutRedirectUri;
    private Duration stateLifetime = Duration.ofMinutes(5);
    private Duration clockSkew = Duration.ofSeconds(60);
    private boolean allowInsecureHttp;
    private final List<URI> allowedOrigins = new ArrayList<>();
    private boolean exposeHeaders;
    private boolean alignSessionTimeout = true;
    private Duration refreshWindow;
    private long maximumSize = 10_000;
    private final List<TokenListener> listeners = new ArrayList<>();
    private String managerAttribute = "dev.tokenkeeper.TokenManager";
    private Clock clock = Clock.systemUTC();
    private HttpClient httpClient;
    private Consumer<TokenEndpoint.Builder> tokenEndpointOptions = b -> { };
    private Consumer<TokenManager.Builder> tokenManagerOptions = b -> { };

    private Builder(URI issuer, ClientAuthentication clientAuthentication, URI redirectUri) {
      this.issuer = issuer;
      this.clientAuthentication = Objects.requireNonNull(clientAuthentication,
          "clientAuthentication");
      this.redirectUri = Objects.requireNonNull(redirectUri, "redirectUri");
      if (!redirectUri.isAbsolute() || redirectUri.getRawFragment() != null) {
        throw new IllegalArgumentException("the redirect URI must be an absolute URL without a"
            + " fragment (RFC 6749, section 3.1.2); got " + redirectUri);
      }
    }

    /** Whether to fetch the issuer's metadata; default: only when an endpoint is missing. */
    public Builder discovery(boolean discovery) {
      this.discovery = discovery;
      return this;
    }

    public Builder authorizationEndpoint(URI uri) {
      this.authorizationEndpoint = uri;
      return this;
    }

    public Builder tokenEndpoint(URI uri) {
      this.tokenEndpoint = uri;
      return this;
    }

    public Builder jwksUri(URI uri) {
      this.jwksUri = uri;
      return this;
    }

    public Builder revocationEndpoint(URI uri) {
      this.revocationEndpoint = uri;
      return this;
    }

    public Builder endSessionEndpoint(URI uri) {
      this.endSessionEndpoint = uri;
      return this;
    }

    /** The RFC 9126 pushed authorization request endpoint, when the metadata does not name it. */
    public Builder parEndpoint(URI uri) {
      this.parEndpoint = uri;
      return this;
    }

    /** Whether to push authorization requests when a PAR endpoint is known; default true. */
    public Builder usePar(boolean usePar) {
      this.usePar = usePar;
      return this;
    }

    /** Space-separated scopes; default {@code openid} (an ID token is then required). */
    public Builder scope(String scope) {
      this.scope = Objects.requireNonNull(scope, "scope").strip();
      return this;
    }

    public Builder loginPath(String path) {
      this.loginPath = path(path, "loginPath");
      return this;
    }

    public Builder callbackPath(String path) {
      this.callbackPath = path(path, "callbackPath");
      return this;
    }

    public Builder logoutPath(String path) {
      this.logoutPath = path(path, "logoutPath");
      return this;
    }

    public Builder backChannelLogoutPath(String path) {
      this.backChannelLogoutPath = path(path, "backChannelLogoutPath");
      return this;
    }

    /** The JSON "who is signed in" path (also hands out the logout CSRF token). */
    public Builder sessionPath(String path) {
      this.sessionPath = path(path, "sessionPath");
      return this;
    }

    /** Where the callback sends the user when the login did not name a page; default {@code /}. */
    public Builder defaultReturnTo(String path) {
      this.defaultReturnTo = path(path, "defaultReturnTo");
      return this;
    }

    /** The page after logout when the provider has no end-session endpoint; default {@code /}. */
    public Builder postLogoutRedirect(String path) {
      this.postLogoutRedirect = path(path, "postLogoutRedirect");
      return this;
    }

    /**
     * The absolute {@code post_logout_redirect_uri} sent to the provider's end-session endpoint
     * (registered with the provider); default none.
     */
    public Builder postLogoutRedirectUri(URI uri) {
      this.postLogoutRedirectUri = uri;
      return this;
    }

    /** How long an authorization request may take (state validity); default 5 minutes. */
    public Builder stateLifetime(Duration d) {
      this.stateLifetime = positive(d, "stateLifetime");
      return this;
    }

    /** Clock skew allowed on {@code exp} and {@code iat}; default 60 seconds. */
    public Builder clockSkew(Duration d) {
      this.clockSkew = Objects.requireNonNull(d, "clockSkew");
      return this;
    }

    public Builder allowInsecureHttp(boolean allow) {
      this.allowInsecureHttp = allow;
      return this;
    }

    /** Origins the request's {@code BearerHttpClient} may send the user's token to. */
    public Builder allowedOrigins(List<URI> origins) {
      this.allowedOrigins.addAll(origins);
      return this;
    }

    public Builder exposeHeaders(boolean expose) {
      this.exposeHeaders = expose;
      return this;
    }

    /** Whether the HttpSession's max inactive interval follows {@code session_idle_timeout}; default true. */
    public Builder alignSessionTimeout(boolean align) {
      this.alignSessionTimeout = align;
      return this;
    }

    public Builder refreshWindow(Duration window) {
      this.refreshWindow = window;
      return this;
    }

    /** The most signed-in sessions (keys) kept; default 10,000. */
    public Builder maximumSize(long size) {
      if (size <= 0) {
        throw new IllegalArgumentException("maximumSize must be positive; got " + size);
      }
      this.maximumSize = size;
      return this;
    }

    public Builder listener(TokenListener listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The ServletContext attribute the filter publishes its TokenManager under. */
    public Builder managerAttribute(String name) {
      this.managerAttribute = Objects.requireNonNull(name, "managerAttribute");
      return this;
    }

    /** For tests: the clock of state expiry and ID token checks. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The client for discovery, JWKS and PAR requests; must not follow redirects. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = client;
      return this;
    }

    /**
     * Further options of the {@link TokenEndpoint} the filter builds for the provider's token
     * endpoint, such as {@code connectTimeout}, {@code requestTimeout},
     * {@code maxResponseBytes} or {@code budget}: {@code options} is called once, at
     * {@code init}, after the filter set the endpoint, the client authentication and
     * {@code allowInsecureHttp}, and must not keep the builder. In {@code web.xml}: the
     * init-params {@code connect-timeout}, {@code request-timeout}, {@code max-response-bytes}
     * and {@code default-expires-in}. Default: none.
     */
    public Builder tokenEndpointOptions(Consumer<TokenEndpoint.Builder> options) {
      this.tokenEndpointOptions = Objects.requireNonNull(options, "tokenEndpointOptions");
      return this;
    }

    /**
     * Further options of the {@link TokenManager} that holds the signed-in users' tokens, such
     * as {@code retryPolicy}, {@code failureCoolDown}, {@code rejectionInterval} or
     * {@code expiryMargin}: {@code options} is called once, at {@code init}, after
     * {@link #refreshWindow}, {@link #maximumSize} and the {@linkplain #listener listeners} were
     * applied, and must not keep the builder. In {@code web.xml}: the init-params
     * {@code retry-*}, {@code failure-cool-down}, {@code rejection-interval},
     * {@code expiry-margin}, {@code session-ending-warning} and {@code record-stats}. Default:
     * none.
     */
    public Builder tokenManagerOptions(Consumer<TokenManager.Builder> options) {
      this.tokenManagerOptions = Objects.requireNonNull(options, "tokenManagerOptions");
      return this;
    }

    public LoginConfig build() {
      if (issuer == null && (authorizationEndpoint == null || tokenEndpoint == null)) {
        throw new IllegalStateException("give the issuer (its metadata is discovered) or both"
            + " the authorization and the token endpoint");
      }
      if (Boolean.TRUE.equals(discovery) && issuer == null) {
        throw new IllegalStateException("discovery needs the issuer");
      }
      return new LoginConfig(this);
    }

    private static String path(String p, String what) {
      Objects.requireNonNull(p, what);
      if (!p.startsWith("/") || p.startsWith("//") || p.contains("\\")) {
        throw new IllegalArgumentException(what + " must be a path inside the web app starting"
            + " with one '/'; got \"" + p + "\"");
      }
      return p;
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive; got " + d);
      }
      return d;
    }
  }
}

package dev.tokenkeeper.servlet.login;

import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.EndpointIdResolver;
import dev.tokenkeeper.servlet.TokenFilter;
import dev.tokenkeeper.servlet.TokenFilterConfig;
import dev.tokenkeeper.servlet.internal.WebXmlHints;
import dev.tokenkeeper.servlet.login.internal.AuthorizationRedirect;
import dev.tokenkeeper.servlet.login.internal.BrowserSession;
import dev.tokenkeeper.servlet.login.internal.Callback;
import dev.tokenkeeper.servlet.login.internal.LoginParams;
import dev.tokenkeeper.servlet.login.internal.LoginRequired;
import dev.tokenkeeper.servlet.login.internal.LoginRuntime;
import dev.tokenkeeper.servlet.login.internal.SessionInfo;
import dev.tokenkeeper.servlet.logout.internal.BackChannelLogout;
import dev.tokenkeeper.servlet.logout.internal.Logout;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Signs users in with the provider (OAuth 2.0 authorization code with PKCE, OpenID Connect) and
 * gives every request of a signed-in browser session that user's tokens: one filter for a web app
 * whose users each have their own tokens.
 *
 * <p>Thread-safe: the container calls one instance from all request threads. Configure it with
 * {@code web.xml} init-params (the no-arg constructor; CONFIGURATION.md, "Sign users in") or in
 * code with {@link #LoginFilter(LoginConfig)}. Map it to the login paths and to every URL that
 * needs the user's token. It answers
 *
 * <ul>
 *   <li>{@code GET /oauth/login[?return_to=/page]}: redirects to the provider's authorization
 *       endpoint with a single-use {@code state}, a {@code nonce} (when {@code openid} is asked
 *       for) and a PKCE S256 challenge, or pushes the request first (RFC 9126) when the provider
 *       has a PAR endpoint;
 *   <li>{@code GET /oauth/callback}: checks {@code state} (bound to the browser session, single
 *       use, a few minutes), exchanges the code with the {@code code_verifier}, verifies the ID
 *       token against the provider's JWK Set, stores the tokens under a fresh key the server made
 *       (sent as {@code endpoint_id}), changes the session id and redirects to the page first
 *       asked for (paths inside the app only);
 *   <li>{@code POST /oauth/logout} (with the CSRF token of {@code /oauth/session}): revokes both
 *       tokens, invalidates the session and goes to the provider's end-session endpoint;
 *   <li>{@code POST /oauth/backchannel-logout}: the provider's logout token ends the sessions of
 *       its {@code sid} or {@code sub};
 *   <li>{@code GET /oauth/session}: JSON on who is signed in, with the logout CSRF token.
 * </ul>
 *
 * <p>Every other request is handled as {@link TokenFilter} does, with the key taken from the
 * {@code HttpSession} (which holds only that key, never a token): a {@link
 * dev.tokenkeeper.servlet.TokenContext} with the user's token and verified claims; when the user
 * is not signed in or the provider session has ended, a browser navigation is redirected to the
 * login (which brings it back) and a script's request gets {@code 401} with a JSON body.
 */
public final class LoginFilter implements Filter {
  /** Request attribute (and the session's value) of the logout CSRF token, on signed-in requests. */
  public static final String CSRF_ATTRIBUTE = BrowserSession.CSRF_ATTRIBUTE;
  /** Request attribute: the {@link SignedInUser} of the request, on signed-in requests. */
  public static final String USER_ATTRIBUTE = "dev.tokenkeeper.login.user";

  private static final System.Logger LOG = System.getLogger(LoginFilter.class.getName());

  private final Function<String, String> environment;
  private final Function<String, String> systemProperties;
  private volatile LoginConfig config;
  private volatile LoginRuntime runtime;
  private volatile AuthorizationRedirect login;
  private volatile Callback callback;
  private volatile SessionInfo sessionInfo;
  private volatile Logout logout;
  private volatile BackChannelLogout backChannel;
  private volatile TokenFilter tokens;
  private volatile ServletContext context;

  /** For {@code web.xml}: configured by the init-params at {@link #init}. */
  public LoginFilter() {
    this(null, System::getenv, System::getProperty);
  }

  /** For code: configured by {@code config}; init-params are ignored. */
  public LoginFilter(LoginConfig config) {
    this(Objects.requireNonNull(config, "config"), System::getenv, System::getProperty);
  }

  LoginFilter(LoginConfig config, Function<String, String> environment,
      Function<String, String> systemProperties) {
    this.config = config;
    this.environment = environment;
    this.systemProperties = systemProperties;
  }

  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    boolean fromWebXml = config == null;
    LoginConfig c = fromWebXml
        ? LoginParams.parse(filterConfig, environment, systemProperties) : config;
    String name = "LoginFilter '" + filterConfig.getFilterName() + "'";
    LoginRuntime r;
    try {
      r = new LoginRuntime(c.settings);
    } catch (IOException e) {
      throw new ServletException(name + ": the provider's metadata or endpoints are not usable"
          + " (init-params issuer, authorization-endpoint, token-endpoint, jwks-uri): "
          + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new ServletException(name + ": " + (fromWebXml
          ? WebXmlHints.forWebXml(e.getMessage()) : e.getMessage()), e);
    }
    ServletContext ctx = filterConfig.getServletContext();
    String expected = ctx.getContextPath() + c.settings.callbackPath();
    if (!expected.equals(c.settings.redirectUri().getPath())) {
      // Behind a proxy that rewrites paths this can be right; otherwise no callback will arrive.
      LOG.log(Level.WARNING, "{0}: redirect-uri {1} does not end in this app''s callback path {2};"
          + " the provider will send users where this filter does not answer, unless a proxy"
          + " rewrites the path", name, c.settings.redirectUri(), expected);
    }
    String attribute = c.settings.managerAttribute();
    Object previous = ctx.getAttribute(attribute);
    if (previous != null) {
      r.close();
      throw new ServletException(name + ": init-param manager-attribute names the"
          + " ServletContext attribute " + attribute + ", which already holds "
          + previous.getClass().getName() + "; give each filter its own");
    }
    ctx.setAttribute(attribute, r.manager());
    EndpointIdResolver sessionKey = new EndpointIdResolver() {
      @Override public String resolve(HttpServletRequest request) {
        return BrowserSession.key(request.getSession(false));
      }

      @Override public String toString() {
        return "the signed-in session";
      }
    };
    TokenFilter t = new TokenFilter(TokenFilterConfig.builder(r.manager(), sessionKey)
        .allowedOrigins(c.settings.allowedOrigins())
        .exposeHeaders(c.settings.exposeHeaders())
        .alignSessionTimeout(c.settings.alignSessionTimeout())
        .sessionEndedPolicy(new LoginRequired(c.settings.loginPath()))
        .verifiedClaims(r::claims)
        .build());
    t.init(filterConfig);
    this.config = c;
    this.runtime = r;
    this.context = ctx;
    this.login = new AuthorizationRedirect(r);
    this.callback = new Callback(r,
        fromWebXml ? WebXmlHints::forWebXml : UnaryOperator.identity());
    this.sessionInfo = new SessionInfo(r);
    this.logout = new Logout(r);
    this.backChannel = new BackChannelLogout(r);
    this.tokens = t;
    LOG.log(Level.INFO, "{0} ready: {1}, provider {2}", name, c, r.metadata().issuer());
  }

  /** The manager holding every signed-in user's tokens. */
  public TokenManager tokenManager() {
    LoginRuntime r = runtime;
    if (r == null) {
      throw new IllegalStateException("LoginFilter is not initialised");
    }
    return r.manager();
  }

  /** The signed-in user of {@code request}'s session, if any. */
  public Optional<SignedInUser> user(HttpServletRequest request) {
    String key = BrowserSession.key(request.getSession(false));
    return key == null ? Optional.empty() : runtime.user(key);
  }

  /** The user signed in under {@code key}, if any (for tests). */
  Optional<SignedInUser> signedIn(String key) {
    return runtime.user(key);
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)) {
      chain.doFilter(req, res);
      return;
    }
    LoginConfig c = config;
    String path = request.getServletPath()
        + (request.getPathInfo() == null ? "" : request.getPathInfo());
    var s = c.settings;
    if (path.equals(s.loginPath())) {
      login.handle(request, response);
    } else if (path.equals(s.callbackPath())) {
      callback.handle(request, response);
    } else if (path.equals(s.logoutPath())) {
      logout.handle(request, response);
    } else if (path.equals(s.backChannelLogoutPath())) {
      backChannel.handle(request, response);
    } else if (path.equals(s.sessionPath())) {
      sessionInfo.handle(request, response);
    } else {
      HttpSession session = request.getSession(false);
      String key = BrowserSession.key(session);
      if (key != null) {
        request.setAttribute(CSRF_ATTRIBUTE, BrowserSession.csrfToken(session));
        runtime.user(key).ifPresent(u -> request.setAttribute(USER_ATTRIBUTE, u));
      }
      tokens.doFilter(request, response, chain);
    }
  }

  /** Closes the manager and endpoint the filter built; signed-in users' tokens are forgotten. */
  @Override
  public void destroy() {
    TokenFilter t = tokens;
    if (t != null) {
      t.destroy();
    }
    LoginRuntime r = runtime;
    if (r != null) {
      runtime = null;
      if (context.getAttribute(config.settings.managerAttribute()) == r.manager()) {
        context.removeAttribute(config.settings.managerAttribute());
      }
      r.close();
    }
  }
}

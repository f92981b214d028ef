package dev.tokenkeeper.servlet;

import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.internal.BearerClients;
import dev.tokenkeeper.servlet.internal.HttpDates;
import dev.tokenkeeper.servlet.internal.InitParams;
import dev.tokenkeeper.servlet.internal.Resolvers;
import dev.tokenkeeper.servlet.internal.Responses;
import dev.tokenkeeper.servlet.internal.WebXmlHints;
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
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A Jakarta Servlet 6.0 filter that gives every request it handles the access token of the
 * request's key, a {@link dev.tokenkeeper.BearerHttpClient} for it, and the
 * provider session's timeouts, through a {@link TokenContext} bound to the request.
 *
 * <p>Thread-safe: the container calls one instance from all request threads. Async-safe: mark the
 * filter {@code <async-supported>true</async-supported>}; the {@code TokenContext} stays usable
 * from {@code AsyncContext} work after {@link #doFilter} has returned.
 *
 * <p>Configure it entirely with {@code web.xml} init-params (the no-arg constructor; every
 * init-param is described in {@code CONFIGURATION.md}), or in code with
 * {@link #TokenFilter(TokenFilterConfig)}. An init-param value may contain {@code ${name}} or
 * {@code ${name:default}}, filled in at {@link #init} from the context-param, the Java system
 * property or the environment variable {@code name} (in that order), so that one {@code web.xml}
 * serves several environments; a value that comes out empty counts as absent. The
 * {@code listener} init-param also takes {@code attribute:NAME}: a {@link
 * dev.tokenkeeper.TokenListener} instance the application put in a {@code ServletContext}
 * attribute before filters start. For each request the filter
 *
 * <ol>
 *   <li>resolves the key with the {@link EndpointIdResolver}; a request without one is answered by
 *       the {@link SessionEndedPolicy}, and one whose key breaks the key rule of
 *       {@link TokenManager} (1 to {@value TokenManager#MAX_KEY_LENGTH} characters, no control
 *       characters) gets {@code 400} and causes no token request. Whether the key is sent to
 *       the provider as {@code endpoint_id}, and how, is the {@code dialect} init-param's choice
 *       ({@link dev.tokenkeeper.Dialect}), as for the manager;
 *   <li>binds the {@link TokenContext} as attribute {@value TokenContext#ATTRIBUTE};
 *   <li>gets the key's token from the {@link TokenManager} (cached: no I/O on the hot path), so
 *       that an ended provider session is answered by the policy before the servlet runs;
 *   <li>exposes the {@link SessionTimeouts}: request attributes (names on {@link TokenContext}),
 *       optionally the response headers {@value #IDLE_TIMEOUT_HEADER},
 *       {@value #IDLE_DEADLINE_HEADER} and {@value #EXPIRES_HEADER}, and optionally the
 *       {@code HttpSession}'s max inactive interval.
 * </ol>
 *
 * <p>Token endpoint failures before the servlet runs are answered {@code 503} (transient, with
 * {@code Retry-After} when the provider sent one) or {@code 502}, with a JSON body; a request the
 * token budget could not send in time ({@code token-budget}) is answered {@code 503} with
 * {@code "error":"token_budget_exhausted"} and {@code Retry-After} set to when a slot frees.
 */
public final class TokenFilter implements Filter {

  /** Response header: {@code session_idle_timeout} in whole seconds. */
  public static final String IDLE_TIMEOUT_HEADER = "TokenKeeper-Session-Idle-Timeout";

  /** Response header: last use of the token plus the idle timeout, as an HTTP-date (RFC 9110, 5.6.7). */
  public static final String IDLE_DEADLINE_HEADER = "TokenKeeper-Session-Idle-Deadline";

  /** Response header: the absolute end of the provider session, as an HTTP-date. */
  public static final String EXPIRES_HEADER = "TokenKeeper-Session-Expires";

  private static final System.Logger LOG = System.getLogger(TokenFilter.class.getName());

  private final Function<String, String> environment;
  private final Function<String, String> systemProperties;
  private volatile TokenFilterConfig config;
  private volatile BearerClients clients;
  // Set only when the filter built the manager from init-params: then it is ours to close.
  private volatile InitParams.Parsed owned;
  private volatile ServletContext servletContext;
  // Per-filter caches of the values exposeTimeouts derives; each racy but safe (immutable values).
  private final HttpDates.Cache idleDeadlineDates = new HttpDates.Cache();
  private final HttpDates.Cache expiresDates = new HttpDates.Cache();
  private volatile IdleTimeout lastIdleTimeout;

  /** For {@code web.xml}: configured by the init-params at {@link #init}. */
  public TokenFilter() {
    this(null, System::getenv, System::getProperty);
  }

  /** For code: configured by {@code config}; init-params are ignored. */
  public TokenFilter(TokenFilterConfig config) {
    this(java.util.Objects.requireNonNull(config, "config"), System::getenv, System::getProperty);
  }

  TokenFilter(TokenFilterConfig config, Function<String, String> environment) {
    this(config, environment, System::getProperty);
  }

  TokenFilter(TokenFilterConfig config, Function<String, String> environment,
      Function<String, String> systemProperties) {
    this.config = config;
    this.environment = environment;
    this.systemProperties = systemProperties;
    if (config != null) {
      this.clients = clientsFor(config);
    }
  }

  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    if (config != null) {
      warnIfKeysComeFromClientInput(filterConfig.getFilterName(), config);
      return;
    }
    InitParams.Parsed parsed = InitParams.parse(filterConfig, environment, systemProperties);
    ServletContext context = filterConfig.getServletContext();
    Object previous = context.getAttribute(parsed.managerAttribute());
    if (previous != null) {
      parsed.close();
      throw new ServletException("TokenFilter '" + filterConfig.getFilterName()
          + "': init-param manager-attribute names the ServletContext attribute "
          + parsed.managerAttribute() + ", which already holds " + previous.getClass().getName()
          + "; expected an unused attribute name (give each TokenFilter its own)");
    }
    context.setAttribute(parsed.managerAttribute(), parsed.manager());
    this.owned = parsed;
    this.servletContext = context;
    this.clients = clientsFor(parsed.config());
    this.config = parsed.config();
    warnIfKeysComeFromClientInput(filterConfig.getFilterName(), config);
    LOG.log(Level.INFO, "TokenFilter ''{0}'' ready: {1}", filterConfig.getFilterName(), config);
  }

  private static void warnIfKeysComeFromClientInput(String filterName, TokenFilterConfig c) {
    if (Resolvers.readsClientInput(c.endpointIdResolver())) {
      LOG.log(Level.WARNING, "TokenFilter ''{0}'': endpoint-id is {1}: each request''s key, and"
          + " so whose token it gets, is taken from a request header. This is safe only behind a"
          + " gateway that sets that header itself and strips it from every client request;"
          + " otherwise any client can act with another user''s token and make the server"
          + " request a token for every value it invents. Bind keys to the user with"
          + " session:ATTRIBUTE, principal or class:FQCN unless such a gateway is in place.",
          filterName, c.endpointIdResolver());
    }
  }

  private static BearerClients clientsFor(TokenFilterConfig config) {
    return new BearerClients(
        config.tokenManager(), config.allowedOrigins(), config.httpClient().orElse(null));
  }

  /**
   * The manager this filter uses.
   *
   * @throws IllegalStateException the filter was built for {@code web.xml} and {@link #init} has
   *     not run
   */
  public TokenManager tokenManager() {
    return requireConfig().tokenManager();
  }

  private TokenFilterConfig requireConfig() {
    TokenFilterConfig c = config;
    if (c == null) {
      throw new IllegalStateException("TokenFilter is not initialised: init(FilterConfig) has not"
          + " run, or it failed");
    }
    return c;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)
        || req.getAttribute(TokenContext.ATTRIBUTE) != null) {
      // Not HTTP, or a second pass over the same request (ASYNC / FORWARD dispatch): already bound.
      chain.doFilter(req, res);
      return;
    }
    TokenFilterConfig c = requireConfig();
    String key = c.endpointIdResolver().resolve(request);
    if (key == null) {
      if (c.sessionEndedPolicy().handle(request, response, null)) {
        chain.doFilter(request, response);
      }
      return;
    }
    if (!isValidKey(key)) {
      invalidEndpointId(c, response, key);
      return;
    }
    TokenManager manager = c.tokenManager();
    request.setAttribute(TokenContext.ATTRIBUTE,
        new TokenContext(manager, key, clients, c.verifiedClaims()));
    try {
      manager.token(key);
    } catch (RuntimeException e) {
      ReauthenticationRequiredException ended = find(e, ReauthenticationRequiredException.class);
      if (ended != null) {
        exposeTimeouts(c, request, response, manager.session(key));
        if (c.sessionEndedPolicy().handle(request, response, key)) {
          chain.doFilter(request, response);
        }
        return;
      }
      TokenEndpointException failed = find(e, TokenEndpointException.class);
      if (failed != null) {
        tokenEndpointFailed(response, key, failed, owned != null);
        return;
      }
      throw e;
    }
    exposeTimeouts(c, request, response, manager.session(key));
    try {
      chain.doFilter(request, response);
    } catch (IOException | ServletException | RuntimeException e) {
      // The session ended while the servlet ran (e.g. the refresh after a 401 met invalid_grant).
      if (find(e, ReauthenticationRequiredException.class) != null && !response.isCommitted()
          && !c.sessionEndedPolicy().handle(request, response, key)) {
        return;
      }
      throw e;
    }
  }

  /** The key rule of {@link TokenManager}, checked before the manager sees the key. */
  static boolean isValidKey(String key) {
    return Resolvers.isValidKey(key);
  }

  private static void invalidEndpointId(
      TokenFilterConfig c, HttpServletResponse response, String key) throws IOException {
    // The value is not echoed: it is whatever the client sent, and it may be long or hostile.
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", "invalid_endpoint_id");
    body.put("error_description", "The endpoint id taken from " + c.endpointIdResolver()
        + " must be 1 to " + TokenManager.MAX_KEY_LENGTH + " characters without control"
        + " characters; it has " + key.length() + " characters and does not.");
    Responses.json(response, HttpServletResponse.SC_BAD_REQUEST, body);
  }

  private static void tokenEndpointFailed(HttpServletResponse response, String key,
      TokenEndpointException e, boolean fromWebXml) throws IOException {
    // Configured in web.xml, the advice names the init-param to change, not a builder method.
    String message = fromWebXml ? WebXmlHints.forWebXml(e.getMessage()) : e.getMessage();
    LOG.log(Level.WARNING, "no token for endpoint id " + key + ": " + message, e);
    Map<String, Object> body = new LinkedHashMap<>();
    int status;
    if (e instanceof TokenBudgetExceededException) {
      // Nothing was sent: TokenKeeper's own budget (init-param token-budget) had no free slot.
      status = HttpServletResponse.SC_SERVICE_UNAVAILABLE;
      body.put("error", "token_budget_exhausted");
      body.put("error_description", "Too many token requests are waiting for the token"
          + " endpoint's rate limit; try again later.");
      e.retryAfter().ifPresent(
          d -> response.setHeader("Retry-After", Long.toString(Math.max(1, d.toSeconds()))));
    } else if (e.isTransient()) {
      status = HttpServletResponse.SC_SERVICE_UNAVAILABLE;
      body.put("error", "token_endpoint_unavailable");
      body.put("error_description", "The token endpoint could not give a token now; try again later.");
      e.retryAfter().ifPresent(
          d -> response.setHeader("Retry-After", Long.toString(Math.max(1, d.toSeconds()))));
    } else {
      status = HttpServletResponse.SC_BAD_GATEWAY;
      body.put("error", "token_endpoint_error");
      body.put("error_description", "The token endpoint refused to give a token.");
    }
    // Only a code in RFC 6749's character set (section 5.2) is passed on; the parser masks an
    // echoed secret with a character outside it, so a masked code is left out entirely.
    e.error().filter(TokenFilter::isOauthErrorCode)
        .ifPresent(code -> body.put("provider_error", code));
    Responses.json(response, status, body);
  }

  private static boolean isOauthErrorCode(String code) {
    if (code.isEmpty() || code.length() > 128) {
      return false;
    }
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  private void exposeTimeouts(TokenFilterConfig c, HttpServletRequest request,
      HttpServletResponse response, SessionTimeouts st) {
    String sessionId = st.sessionId();
    Duration timeout = st.idleTimeout();
    Instant idleDeadline = st.idleDeadline();
    Instant expires = st.absoluteDeadline();
    request.setAttribute(TokenContext.SESSION_TIMEOUTS_ATTRIBUTE, st);
    if (sessionId != null) {
      request.setAttribute(TokenContext.SESSION_ID_ATTRIBUTE, sessionId);
    }
    IdleTimeout idle = timeout == null ? null : idleTimeout(timeout);
    if (idle != null) {
      request.setAttribute(TokenContext.IDLE_TIMEOUT_ATTRIBUTE, idle.seconds);
    }
    if (idleDeadline != null) {
      request.setAttribute(TokenContext.IDLE_DEADLINE_ATTRIBUTE, idleDeadline);
    }
    if (expires != null) {
      request.setAttribute(TokenContext.EXPIRES_AT_ATTRIBUTE, expires);
    }
    if (c.exposeHeaders()) {
      if (idle != null) {
        response.setHeader(IDLE_TIMEOUT_HEADER, idle.text);
      }
      if (idleDeadline != null) {
        response.setHeader(IDLE_DEADLINE_HEADER, idleDeadlineDates.format(idleDeadline));
      }
      if (expires != null) {
        response.setHeader(EXPIRES_HEADER, expiresDates.format(expires));
      }
    }
    if (c.alignSessionTimeout() && idle != null) {
      HttpSession session = request.getSession(false);
      long seconds = idle.seconds;
      if (session != null && seconds > 0) {
        int interval = (int) Math.min(Integer.MAX_VALUE, seconds);
        if (session.getMaxInactiveInterval() != interval) {
          session.setMaxInactiveInterval(interval);
        }
      }
    }
  }

  /**
   * The idle timeout's attribute and header values, boxed and written once per distinct timeout
   * rather than per request: the provider's {@code session_idle_timeout} rarely changes.
   */
  private IdleTimeout idleTimeout(Duration timeout) {
    IdleTimeout idle = lastIdleTimeout;
    if (idle == null || !idle.timeout.equals(timeout)) {
      idle = new IdleTimeout(timeout);
      lastIdleTimeout = idle;
    }
    return idle;
  }

  /** Immutable; published through a volatile field, so a racing reader sees it whole. */
  private static final class IdleTimeout {
    final Duration timeout;
    final Long seconds;
    final String text;

    IdleTimeout(Duration timeout) {
      this.timeout = timeout;
      long s = timeout.toSeconds();
      this.seconds = s;
      this.text = Long.toString(s);
    }
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /**
   * Releases what the filter built, so that a stopped web application leaves no TokenKeeper
   * thread behind: the per-request clients' default delegate {@code HttpClient} and, when the
   * filter was configured by init-params, its {@link TokenManager} and
   * {@link dev.tokenkeeper.TokenEndpoint} (their {@code tokenkeeper-*} threads end; the manager
   * is removed from its {@code ServletContext} attribute). A manager or {@code HttpClient} given
   * in a {@link TokenFilterConfig} is the application's, and left open.
   */
  @Override
  public void destroy() {
    BearerClients c = clients;
    if (c != null) {
      c.close();
    }
    InitParams.Parsed parsed = owned;
    if (parsed != null) {
      owned = null;
      config = null;
      ServletContext context = servletContext;
      if (context.getAttribute(parsed.managerAttribute()) == parsed.manager()) {
        context.removeAttribute(parsed.managerAttribute());
      }
      parsed.close();
    }
  }
}

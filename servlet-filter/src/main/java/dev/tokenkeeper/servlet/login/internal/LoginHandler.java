package dev.tokenkeeper.servlet.login.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.Pkce;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenResponse;
import dev.tokenkeeper.servlet.internal.Responses;
import dev.tokenkeeper.servlet.login.SignedInUser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The login's two legs: the redirect to the provider's authorization endpoint (RFC 6749, 4.1.1,
 * with PKCE, RFC 7636, a {@code nonce} for OpenID Connect, and RFC 9126 PAR when the provider
 * has it) and the callback (RFC 6749, 4.1.2) that checks {@code state}, exchanges the code,
 * verifies the ID token, stores the tokens under a server-made key and changes the session id.
 * Also the JSON session view. Thread-safe.
 */
public final class LoginHandler {
  private static final System.Logger LOG = System.getLogger(LoginHandler.class.getName());

  /** HttpSession attribute: the server-made key ({@link SessionKey}). */
  public static final String KEY_ATTRIBUTE = "dev.tokenkeeper.login.key";
  /** HttpSession attribute: the random value that binds pending logins to this browser. */
  public static final String BINDING_ATTRIBUTE = "dev.tokenkeeper.login.binding";
  /** HttpSession attribute and request attribute: the logout CSRF token. */
  public static final String CSRF_ATTRIBUTE = "dev.tokenkeeper.login.csrf";

  private final LoginRuntime runtime;
  private final LoginSettings settings;

  public LoginHandler(LoginRuntime runtime) {
    this.runtime = runtime;
    this.settings = runtime.settings();
  }

  // ---- leg 1: to the provider -------------------------------------------------------------

  public void login(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String requested = request.getParameter("return_to");
    String returnTo = requested == null ? settings.defaultReturnTo()
        : ReturnTargets.safe(requested);
    if (returnTo == null) {
      Pages.error(request, response, 400, "invalid_return_to", "Sign-in refused",
          "The page to return to after sign-in must be a path inside this application (such as"
              + " /orders?id=7): absolute, scheme-relative (//host), backslash and encoded"
              + " variants are refused.", null);
      return;
    }
    HttpSession session = request.getSession(true);
    String binding = binding(session);
    Pkce pkce = Pkce.generate();
    String nonce = settings.openid() ? Secrets.random(32) : null;
    PendingLogins.Pending p = runtime.pending().start(binding, nonce, pkce.verifier(), returnTo);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("response_type", "code");
    params.put("client_id", settings.clientAuthentication().clientId());
    params.put("redirect_uri", settings.redirectUri().toString());
    if (!settings.scope().isEmpty()) {
      params.put("scope", settings.scope());
    }
    params.put("state", p.state());
    if (nonce != null) {
      params.put("nonce", nonce);
    }
    params.putAll(pkce.authorizationParameters());
    ProviderMetadata m = runtime.metadata();
    URI location;
    if (settings.usePar() && m.parEndpoint() != null) {
      String requestUri;
      try {
        requestUri = push(m.parEndpoint(), params);
      } catch (IOException e) {
        LOG.log(Level.WARNING, "pushed authorization request failed: " + e.getMessage());
        runtime.refreshMetadataAfterFailure();
        Pages.error(request, response, 502, "par_failed", "Sign-in is unavailable",
            "The provider did not accept the sign-in request: " + e.getMessage(),
            request.getContextPath() + settings.loginPath());
        return;
      }
      Map<String, String> pushed = new LinkedHashMap<>();
      pushed.put("client_id", settings.clientAuthentication().clientId());
      pushed.put("request_uri", requestUri);
      location = withQuery(m.authorizationEndpoint(), pushed);
    } else {
      location = withQuery(m.authorizationEndpoint(), params);
    }
    Pages.redirect(response, HttpServletResponse.SC_FOUND, location.toString());
  }

  /** RFC 9126, section 2: POST the request, authenticated like a token request; the request_uri. */
  private String push(URI parEndpoint, Map<String, String> params) throws IOException {
    Map<String, String> form = new LinkedHashMap<>(params);
    form.putAll(runtime.authenticator().formParameters(parEndpoint));
    StringJoiner body = new StringJoiner("&");
    form.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest.Builder b = HttpRequest.newBuilder(parEndpoint).timeout(LoginRuntime.TIMEOUT)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    runtime.authenticator().authorizationHeader().ifPresent(h -> b.header("Authorization", h));
    HttpResponse<String> r;
    try {
      r = runtime.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    Map<String, Object> json;
    try {
      json = JSONObjectUtils.parse(r.body());
    } catch (ParseException e) {
      throw new IOException("the PAR endpoint answered " + r.statusCode() + " without JSON");
    }
    if (r.statusCode() != 201 && r.statusCode() != 200) {
      throw new IOException("the PAR endpoint answered " + r.statusCode() + " "
          + json.getOrDefault("error", "") + " " + json.getOrDefault("error_description", ""));
    }
    Object requestUri = json.get("request_uri");
    if (!(requestUri instanceof String s) || s.isBlank()) {
      throw new IOException("the PAR endpoint's answer has no request_uri");
    }
    return s;
  }

  // ---- leg 2: back from the provider ------------------------------------------------------

  public void callback(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String retry = request.getContextPath() + settings.loginPath();
    HttpSession session = request.getSession(false);
    String binding = session == null ? null : (String) session.getAttribute(BINDING_ATTRIBUTE);
    PendingLogins.Taken taken = runtime.pending().take(request.getParameter("state"), binding);
    if (taken.pending() == null) {
      String why = switch (taken.refusal()) {
        case MISSING -> "The answer from the provider has no state parameter.";
        case UNKNOWN -> "The state parameter does not belong to a sign-in started here, or it"
            + " was used already.";
        case OTHER_SESSION -> "The sign-in was started in another browser session.";
        case EXPIRED -> "The sign-in took longer than " + settings.stateLifetime().toMinutes()
            + " minutes.";
      };
      Pages.error(request, response, 400, "invalid_state", "Sign-in failed",
          why + " Start the sign-in again.", retry);
      return;
    }
    PendingLogins.Pending p = taken.pending();
    String retryHere = retry + "?return_to=" + URLEncoder.encode(p.returnTo(),
        StandardCharsets.UTF_8);
    String error = request.getParameter("error");
    if (error != null) {
      String description = request.getParameter("error_description");
      if (error.equals("access_denied")) {
        Pages.error(request, response, 403, "access_denied", "Sign-in cancelled",
            "You did not allow this application to sign you in with the provider"
                + (description == null ? "." : ": " + description), retryHere);
      } else {
        int status = error.equals("temporarily_unavailable") || error.equals("server_error")
            ? 503 : 400;
        Pages.error(request, response, status, error, "Sign-in failed",
            "The provider could not sign you in (" + error + ")"
                + (description == null ? "." : ": " + description), retryHere);
      }
      return;
    }
    String code = request.getParameter("code");
    if (code == null || code.isEmpty()) {
      Pages.error(request, response, 400, "invalid_request", "Sign-in failed",
          "The answer from the provider has neither code nor error.", retryHere);
      return;
    }

    // A fresh key for this browser session, sent as endpoint_id; never taken from the request.
    String key = "tk" + Secrets.random(24);
    TokenRequest tokenRequest = TokenRequest.builder(
            Grant.authorizationCode(code, settings.redirectUri().toString(),
                Pkce.ofVerifier(p.verifier())))
        .endpointId(key)
        .build();
    TokenResponse tokens;
    try {
      tokens = runtime.endpoint().request(tokenRequest);
    } catch (TokenEndpointException e) {
      LOG.log(Level.WARNING, "authorization code exchange failed: " + e.getMessage());
      Pages.error(request, response, 502, "token_request_failed", "Sign-in failed",
          "The provider did not exchange the authorization code"
              + e.error().map(c -> " (" + c + ")").orElse("") + ".", retryHere);
      return;
    }

    SignedInUser user;
    try {
      user = user(key, tokens, p.nonce());
    } catch (JwtChecks.Invalid e) {
      LOG.log(Level.WARNING, "sign-in refused: " + e.getMessage());
      revokeQuietly(tokens);
      if (e.getCause() != null) {
        runtime.refreshMetadataAfterFailure();
      }
      Pages.error(request, response, 502, "invalid_id_token", "Sign-in failed",
          "The provider's ID token was refused: " + e.getMessage() + ".", retryHere);
      return;
    }

    // Any previous sign-in of this browser session ends now.
    Object previous = session.getAttribute(KEY_ATTRIBUTE);
    if (previous instanceof SessionKey old) {
      session.removeAttribute(KEY_ATTRIBUTE); // its unbinding forgets the old key
      runtime.forget(old.key());
    }
    try {
      runtime.users().add(user);
    } catch (IllegalStateException e) {
      revokeQuietly(tokens);
      Pages.error(request, response, 503, "too_many_sessions", "Sign-in unavailable",
          "Too many users are signed in right now; try again later.", retryHere);
      return;
    }
    runtime.manager().put(key, tokens, tokenRequest);
    // Against session fixation: the signed-in session gets a new id (OWASP, Session Management).
    request.changeSessionId();
    session.removeAttribute(CSRF_ATTRIBUTE);
    session.setAttribute(KEY_ATTRIBUTE, new SessionKey(key, runtime::forget));
    if (settings.alignSessionTimeout()) {
      tokens.sessionIdleTimeout().ifPresent(t -> {
        long s = t.toSeconds();
        if (s > 0) {
          session.setMaxInactiveInterval((int) Math.min(Integer.MAX_VALUE, s));
        }
      });
    }
    Pages.redirect(response, HttpServletResponse.SC_SEE_OTHER,
        request.getContextPath() + p.returnTo());
  }

  private SignedInUser user(String key, TokenResponse tokens, String nonce)
      throws JwtChecks.Invalid {
    Instant now = settings.clock().instant();
    if (tokens.idToken().isPresent()) {
      JWTClaimsSet claims = runtime.checks().idToken(tokens.idToken().get(), nonce);
      return new SignedInUser(key, claims.getSubject(), claims.toJSONObject(), now);
    }
    if (settings.openid()) {
      throw new JwtChecks.Invalid("the token response has no id_token although the scope asks"
          + " for openid");
    }
    return new SignedInUser(key, tokens.ownerId().orElse(key), Map.of(), now);
  }

  /** Revokes the tokens of a refused login (RFC 7009), the refresh token first; waits briefly. */
  private void revokeQuietly(TokenResponse tokens) {
    if (!runtime.endpoint().supportsRevocation()) {
      return;
    }
    try {
      CompletableFuture<Void> done = tokens.refreshToken()
          .map(rt -> runtime.endpoint().revokeAsync(rt, "refresh_token")
              .exceptionally(e -> null))
          .orElse(CompletableFuture.completedFuture(null))
          .thenCompose(v -> runtime.endpoint().revokeAsync(tokens.accessToken().value(),
              "access_token"));
      done.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.log(Level.WARNING, "revocation of the refused login's tokens failed: " + e);
    }
  }

  // ---- who is signed in ---------------------------------------------------------------------

  /** {@code GET sessionPath}: JSON about the browser session, with the logout CSRF token. */
  public void session(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    HttpSession session = request.getSession(false);
    String key = key(session);
    SignedInUser user = key == null ? null : runtime.users().get(key);
    body.put("signed_in", user != null);
    body.put("login", request.getContextPath() + settings.loginPath());
    if (user != null) {
      body.put("subject", user.subject());
      user.displayName().ifPresent(n -> body.put("name", n));
      body.put("logout", request.getContextPath() + settings.logoutPath());
      body.put("csrf_token", csrfToken(session));
      SessionTimeouts t = runtime.manager().session(key);
      if (t.idleDeadline() != null) {
        body.put("idle_deadline", t.idleDeadline().toString());
      }
      if (t.absoluteDeadline() != null) {
        body.put("expires_at", t.absoluteDeadline().toString());
      }
    }
    Responses.json(response, 200, body);
  }

  /** The key of a signed-in session, or {@code null}. */
  public static String key(HttpSession session) {
    if (session == null) {
      return null;
    }
    try {
      return session.getAttribute(KEY_ATTRIBUTE) instanceof SessionKey k ? k.key() : null;
    } catch (IllegalStateException invalidated) {
      return null;
    }
  }

  /** The session's logout CSRF token, made on first use. */
  public static String csrfToken(HttpSession session) {
    Object token = session.getAttribute(CSRF_ATTRIBUTE);
    if (token instanceof String s) {
      return s;
    }
    String fresh = Secrets.random(32);
    session.setAttribute(CSRF_ATTRIBUTE, fresh);
    return fresh;
  }

  private static String binding(HttpSession session) {
    Object b = session.getAttribute(BINDING_ATTRIBUTE);
    if (b instanceof String s) {
      return s;
    }
    String fresh = Secrets.random(32);
    session.setAttribute(BINDING_ATTRIBUTE, fresh);
    return fresh;
  }

  static URI withQuery(URI base, Map<String, String> params) {
    StringBuilder out = new StringBuilder(base.toString());
    char sep = base.getRawQuery() == null ? '?' : '&';
    for (Map.Entry<String, String> e : params.entrySet()) {
      out.append(sep).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    return URI.create(out.toString());
  }
}

package dev.tokenkeeper.servlet.login.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.Pkce;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The login's first leg: the redirect to the provider's authorization endpoint (RFC 6749,
 * 4.1.1) with {@code state}, PKCE S256 (RFC 7636) and, for OpenID Connect, a {@code nonce}; or,
 * when the provider has a PAR endpoint, the request pushed first (RFC 9126) and only
 * {@code request_uri} through the browser. Thread-safe.
 */
public final class AuthorizationRedirect {
  private static final System.Logger LOG = System.getLogger(AuthorizationRedirect.class.getName());

  private final LoginRuntime runtime;
  private final LoginSettings settings;

  public AuthorizationRedirect(LoginRuntime runtime) {
    this.runtime = runtime;
    this.settings = runtime.settings();
  }

  public void handle(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
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
    String binding = BrowserSession.binding(session);
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
      location = BrowserSession.withQuery(m.authorizationEndpoint(), pushed);
    } else {
      location = BrowserSession.withQuery(m.authorizationEndpoint(), params);
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

}

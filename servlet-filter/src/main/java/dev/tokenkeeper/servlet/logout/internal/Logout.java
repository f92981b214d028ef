package dev.tokenkeeper.servlet.logout.internal;

import dev.tokenkeeper.servlet.internal.Responses;
import dev.tokenkeeper.servlet.login.SignedInUser;
import dev.tokenkeeper.servlet.login.internal.BrowserSession;
import dev.tokenkeeper.servlet.login.internal.LoginRuntime;
import dev.tokenkeeper.servlet.login.internal.LoginSettings;
import dev.tokenkeeper.servlet.login.internal.Pages;
import dev.tokenkeeper.servlet.login.internal.Secrets;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * RP-initiated logout: {@code POST} only, with the session's CSRF token (form field
 * {@code csrf} or header {@code X-CSRF-Token}); revokes the refresh and the access token (RFC
 * 7009), forgets the key, invalidates the {@code HttpSession} and sends the browser to the
 * provider's {@code end_session_endpoint} (OpenID Connect RP-Initiated Logout 1.0) or to the
 * configured page. Thread-safe.
 */
public final class Logout {
  private static final System.Logger LOG = System.getLogger(Logout.class.getName());
  /** How long the logout waits for the revocation requests before it answers anyway. */
  private static final long REVOCATION_WAIT_SECONDS = 5;

  private final LoginRuntime runtime;
  private final LoginSettings settings;

  public Logout(LoginRuntime runtime) {
    this.runtime = runtime;
    this.settings = runtime.settings();
  }

  public void handle(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (!"POST".equals(request.getMethod())) {
      response.setHeader("Allow", "POST");
      Pages.error(request, response, 405, "method_not_allowed", "Sign out with POST",
          "Sign out with a POST form carrying the csrf token (GET links could sign you out from"
              + " another site).", null);
      return;
    }
    HttpSession session = request.getSession(false);
    String key = BrowserSession.key(session);
    if (key != null) {
      Object expected = session.getAttribute(BrowserSession.CSRF_ATTRIBUTE);
      String given = request.getHeader("X-CSRF-Token");
      if (given == null) {
        given = request.getParameter("csrf");
      }
      if (!(expected instanceof String e) || !Secrets.equal(e, given)) {
        Pages.error(request, response, 403, "invalid_csrf_token", "Sign-out refused",
            "The sign-out request does not carry this session's CSRF token (form field csrf or"
                + " header X-CSRF-Token).", null);
        return;
      }
    }
    SignedInUser user = null;
    if (key != null) {
      user = runtime.users().remove(key);
      try {
        runtime.manager().revoke(key).get(REVOCATION_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        LOG.log(Level.WARNING, "revocation at sign-out failed: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (session != null) {
      try {
        session.invalidate();
      } catch (IllegalStateException alreadyInvalid) {
        // fine
      }
    }
    String location = location(request, user);
    if (Pages.isApiRequest(request) && request.getHeader("X-Requested-With") != null) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("signed_out", true);
      body.put("location", location);
      Responses.json(response, 200, body);
      return;
    }
    Pages.redirect(response, HttpServletResponse.SC_SEE_OTHER, location);
  }

  private String location(HttpServletRequest request, SignedInUser user) {
    URI endSession = runtime.metadata().endSessionEndpoint();
    if (endSession == null) {
      return request.getContextPath() + settings.postLogoutRedirect();
    }
    StringBuilder out = new StringBuilder(endSession.toString());
    char sep = endSession.getRawQuery() == null ? '?' : '&';
    out.append(sep).append("client_id=").append(enc(settings.clientAuthentication().clientId()));
    if (settings.postLogoutRedirectUri() != null) {
      out.append("&post_logout_redirect_uri=")
          .append(enc(settings.postLogoutRedirectUri().toString()));
    }
    if (user != null && user.claims().get("sid") instanceof String sid) {
      out.append("&logout_hint=").append(enc(sid));
    }
    return out.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}

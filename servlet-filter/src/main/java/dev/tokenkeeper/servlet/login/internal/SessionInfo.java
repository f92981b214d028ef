package dev.tokenkeeper.servlet.login.internal;

import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.servlet.internal.Responses;
import dev.tokenkeeper.servlet.login.SignedInUser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /oauth/session}: who is signed in, as JSON, with the logout CSRF token. Thread-safe. */
public final class SessionInfo {
  private final LoginRuntime runtime;
  private final LoginSettings settings;

  public SessionInfo(LoginRuntime runtime) {
    this.runtime = runtime;
    this.settings = runtime.settings();
  }

  /** {@code GET sessionPath}: JSON about the browser session, with the logout CSRF token. */
  public void handle(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    HttpSession session = request.getSession(false);
    String key = BrowserSession.key(session);
    SignedInUser user = key == null ? null : runtime.users().get(key);
    body.put("signed_in", user != null);
    body.put("login", request.getContextPath() + settings.loginPath());
    if (user != null) {
      body.put("subject", user.subject());
      user.displayName().ifPresent(n -> body.put("name", n));
      body.put("logout", request.getContextPath() + settings.logoutPath());
      body.put("csrf_token", BrowserSession.csrfToken(session));
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
}

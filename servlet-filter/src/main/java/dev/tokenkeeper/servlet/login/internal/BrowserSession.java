package dev.tokenkeeper.servlet.login.internal;

import jakarta.servlet.http.HttpSession;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the login keeps in the {@code HttpSession}: the server-made key ({@link SessionKey}), a
 * random value that binds pending logins to this browser, and the logout CSRF token. Never a
 * token, verifier or nonce. Stateless helpers.
 */
public final class BrowserSession {
  /** HttpSession attribute: the server-made key ({@link SessionKey}). */
  public static final String KEY_ATTRIBUTE = "dev.tokenkeeper.login.key";
  /** HttpSession attribute: the random value that binds pending logins to this browser. */
  public static final String BINDING_ATTRIBUTE = "dev.tokenkeeper.login.binding";
  /** HttpSession attribute and request attribute: the logout CSRF token. */
  public static final String CSRF_ATTRIBUTE = "dev.tokenkeeper.login.csrf";

  private BrowserSession() {}

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

  static String binding(HttpSession session) {
    Object b = session.getAttribute(BINDING_ATTRIBUTE);
    if (b instanceof String s) {
      return s;
    }
    String fresh = Secrets.random(32);
    session.setAttribute(BINDING_ATTRIBUTE, fresh);
    return fresh;
  }

  /** {@code base} with {@code params} added to its query, form-encoded. */
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

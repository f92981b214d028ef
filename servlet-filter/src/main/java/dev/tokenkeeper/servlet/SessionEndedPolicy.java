package dev.tokenkeeper.servlet;

import dev.tokenkeeper.servlet.internal.Policies;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * What {@link TokenFilter} answers when a request's provider session has ended and cannot be
 * renewed without the user signing in again ({@link dev.tokenkeeper.ReauthenticationRequiredException}),
 * or when the request has no key at all.
 *
 * <p>Implementations must be thread-safe; the built-ins are immutable. In {@code web.xml} the
 * init-param {@code session-ended} selects one: {@code 401} ({@link #unauthorized()}),
 * {@code redirect:URL} ({@link #redirect}) or {@code pass-through} ({@link #passThrough()}).
 */
@FunctionalInterface
public interface SessionEndedPolicy {

  /** The request attribute set to {@code Boolean.TRUE} by {@link #passThrough()}. */
  String ENDED_ATTRIBUTE = "dev.tokenkeeper.session.ended";

  /**
   * Answers the request, or lets it go on.
   *
   * @param endpointId the request's key, or {@code null} when it has none
   * @return {@code true} to let the request go on down the filter chain; {@code false} when this
   *     policy has written the response
   */
  boolean handle(HttpServletRequest request, HttpServletResponse response, String endpointId)
      throws IOException;

  /**
   * {@code 401 Unauthorized} with {@code WWW-Authenticate: Bearer realm="tokenkeeper",
   * error="invalid_token", …} (RFC 6750, section 3), {@code Cache-Control: no-store} and a JSON
   * body {@code {"error":"session_ended","error_description":"…"}}.
   */
  static SessionEndedPolicy unauthorized() {
    return Policies.unauthorized();
  }

  /**
   * {@code 302 Found} to {@code location}: an absolute URL, or a path starting with {@code /}
   * that is taken relative to the context path (your login page).
   */
  static SessionEndedPolicy redirect(String location) {
    return Policies.redirect(location);
  }

  /** Let the request go on with {@link #ENDED_ATTRIBUTE} = {@code Boolean.TRUE}. */
  static SessionEndedPolicy passThrough() {
    return Policies.passThrough();
  }
}

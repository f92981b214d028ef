package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.servlet.SessionEndedPolicy;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The built-in {@link SessionEndedPolicy}s; immutable. */
public final class Policies {
  private Policies() {}

  static final String DESCRIPTION = "The provider session has ended; sign in again";
  static final String WWW_AUTHENTICATE = "Bearer realm=\"tokenkeeper\", error=\"invalid_token\","
      + " error_description=\"" + DESCRIPTION + "\"";

  public static SessionEndedPolicy unauthorized() {
    return Unauthorized.INSTANCE;
  }

  public static SessionEndedPolicy redirect(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException(
          "the redirect location must be an absolute URL or a path starting with '/'");
    }
    try {
      URI uri = new URI(location);
      if (!uri.isAbsolute() && !location.startsWith("/")) {
        throw new IllegalArgumentException("the redirect location must be an absolute URL or a"
            + " path starting with '/'; got \"" + location + "\"");
      }
      if (uri.isAbsolute() && !"http".equalsIgnoreCase(uri.getScheme())
          && !"https".equalsIgnoreCase(uri.getScheme())) {
        throw new IllegalArgumentException(
            "the redirect location must be an http(s) URL; got scheme " + uri.getScheme());
      }
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "the redirect location is not a valid URI: " + e.getMessage(), e);
    }
    return new Redirect(location);
  }

  public static SessionEndedPolicy passThrough() {
    return PassThrough.INSTANCE;
  }

  enum Unauthorized implements SessionEndedPolicy {
    INSTANCE;

    @Override
    public boolean handle(HttpServletRequest request, HttpServletResponse response, String key)
        throws IOException {
      response.setHeader("WWW-Authenticate", WWW_AUTHENTICATE);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", "session_ended");
      body.put("error_description", DESCRIPTION);
      Responses.json(response, HttpServletResponse.SC_UNAUTHORIZED, body);
      return false;
    }

    @Override public String toString() {
      return "401";
    }
  }

  record Redirect(String location) implements SessionEndedPolicy {
    @Override
    public boolean handle(HttpServletRequest request, HttpServletResponse response, String key)
        throws IOException {
      String target = location.startsWith("/") ? request.getContextPath() + location : location;
      response.setHeader("Cache-Control", "no-store");
      response.sendRedirect(response.encodeRedirectURL(target));
      return false;
    }

    @Override public String toString() {
      return "redirect:" + location;
    }
  }

  enum PassThrough implements SessionEndedPolicy {
    INSTANCE;

    @Override
    public boolean handle(HttpServletRequest request, HttpServletResponse response, String key) {
      request.setAttribute(ENDED_ATTRIBUTE, Boolean.TRUE);
      return true;
    }

    @Override public String toString() {
      return "pass-through";
    }
  }
}

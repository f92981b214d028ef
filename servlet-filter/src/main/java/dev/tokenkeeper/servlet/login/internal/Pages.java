package dev.tokenkeeper.servlet.login.internal;

import dev.tokenkeeper.servlet.internal.Responses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The answers the login and logout write themselves: a small HTML page, or JSON for API calls. */
public final class Pages {
  private Pages() {}

  /**
   * Whether the request comes from script rather than a browser navigation: it asks for JSON and
   * not HTML, carries {@code X-Requested-With}, or is not a GET/HEAD.
   */
  public static boolean isApiRequest(HttpServletRequest request) {
    if (request.getHeader("X-Requested-With") != null) {
      return true;
    }
    String method = request.getMethod();
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      return true;
    }
    String accept = request.getHeader("Accept");
    if (accept == null) {
      return false;
    }
    String a = accept.toLowerCase(Locale.ROOT);
    return a.contains("application/json") && !a.contains("text/html");
  }

  /** An error answer: JSON {@code {"error","error_description"}} or a page saying the same. */
  public static void error(HttpServletRequest request, HttpServletResponse response, int status,
      String error, String title, String description, String retryHref) throws IOException {
    if (isApiRequest(request)) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", error);
      body.put("error_description", description);
      Responses.json(response, status, body);
      return;
    }
    String retry = retryHref == null ? ""
        : "<p><a href=\"" + html(retryHref) + "\">Try again</a></p>";
    html(response, status, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<title>" + html(title) + "</title></head><body><main><h1>" + html(title) + "</h1>"
        + "<p id=\"error\" data-error=\"" + html(error) + "\">" + html(description) + "</p>"
        + retry + "</main></body></html>");
  }

  public static void html(HttpServletResponse response, int status, String page)
      throws IOException {
    response.resetBuffer();
    response.setStatus(status);
    response.setHeader("Cache-Control", "no-store");
    response.setHeader("Content-Security-Policy", "default-src 'none'");
    response.setContentType("text/html");
    response.setCharacterEncoding("UTF-8");
    byte[] bytes = page.getBytes(StandardCharsets.UTF_8);
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
    response.flushBuffer();
  }

  public static String html(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** A redirect the browser must not cache. */
  public static void redirect(HttpServletResponse response, int status, String location) {
    response.setHeader("Cache-Control", "no-store");
    response.setStatus(status);
    response.setHeader("Location", location);
  }
}

package dev.tokenkeeper.example;

import com.nimbusds.jose.util.JSONObjectUtils;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Small HTTP helpers shared by the example's servlets. Stateless and thread-safe. */
public final class Web {
  private Web() {}

  /** Writes {@code json} with the given status and headers, uncached. */
  public static void writeJson(
      HttpServletResponse response, int status, Map<String, String> headers, Map<String, ?> json)
      throws IOException {
    byte[] body = JSONObjectUtils.toJSONString(json).getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setHeader("Cache-Control", "no-store");
    headers.forEach(response::setHeader);
    response.setContentType("application/json;charset=UTF-8");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /** Writes {@code json} with status 200. */
  public static void writeJson(HttpServletResponse response, Map<String, ?> json)
      throws IOException {
    writeJson(response, 200, Map.of(), json);
  }

  /** Writes a small HTML page. */
  public static void writeHtml(HttpServletResponse response, int status, String html)
      throws IOException {
    byte[] body = html.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setHeader("Cache-Control", "no-store");
    response.setContentType("text/html;charset=UTF-8");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /** Escapes text for HTML element content and double-quoted attribute values. */
  public static String html(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}

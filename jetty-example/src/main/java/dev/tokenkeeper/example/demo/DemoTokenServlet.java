package dev.tokenkeeper.example.demo;

import dev.tokenkeeper.example.Web;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The demo provider's token endpoint: {@code POST} a form, get a {@code TokenInfo} (RingCentral's token response). */
final class DemoTokenServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient DemoProvider provider;

  DemoTokenServlet(DemoProvider provider) {
    this.provider = provider;
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String contentType = request.getContentType();
    if (contentType == null
        || !contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      Web.writeJson(response, 400, Map.of(), error(
          "Send the token request as application/x-www-form-urlencoded (RFC 6749 section 3.2)"));
      return;
    }
    if (request.getQueryString() != null) {
      // Credentials in a URL end up in logs; the parameters belong in the body.
      Web.writeJson(response, 400, Map.of(), error(
          "Send the token request parameters in the body, not in the query string"));
      return;
    }
    DemoProvider.Reply reply =
        provider.token(request.getParameterMap(), request.getHeader("Authorization"));
    Web.writeJson(response, reply.status(), reply.headers(), reply.json());
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    response.setHeader("Allow", "POST");
    Web.writeJson(response, 405, Map.of("Allow", "POST"),
        error("The token endpoint accepts POST only"));
  }

  private static Map<String, Object> error(String description) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("error", "invalid_request");
    json.put("error_description", description);
    return json;
  }
}

package dev.tokenkeeper.example.demo;

import dev.tokenkeeper.example.Web;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The demo provider's knobs, for the status page's buttons and for tests.
 *
 * <ul>
 *   <li>{@code POST /control/reject[?endpoint_id=ID]}: the API rejects the current tokens (401);
 *   <li>{@code POST /control/fail?seconds=N}: the token endpoint answers 503 with
 *       {@code Retry-After} for N seconds (0 stops it);
 *   <li>{@code POST /control/end-session}: ends the demo user's signed-in sessions at the
 *       provider, as an administrator would, and tells the client over its back channel;
 *   <li>{@code GET /stats.json}: the counters.
 * </ul>
 */
final class DemoControlServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final long MAX_FAIL_SECONDS = 600;

  private final transient DemoProvider provider;
  private final transient DemoBackChannel backChannel;

  DemoControlServlet(DemoProvider provider, DemoBackChannel backChannel) {
    this.provider = provider;
    this.backChannel = backChannel;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if ("/stats.json".equals(request.getServletPath())) {
      Web.writeJson(response, provider.stats());
    } else {
      Web.writeJson(response, 404, Map.of(), Map.of("error", "not found"));
    }
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getPathInfo() == null ? "" : request.getPathInfo();
    Map<String, Object> json = new LinkedHashMap<>();
    switch (path) {
      case "/reject" -> {
        String endpointId = request.getParameter("endpoint_id");
        json.put("revoked", provider.rejectCurrentTokens(
            endpointId == null || endpointId.isBlank() ? null : endpointId));
      }
      case "/fail" -> {
        long seconds;
        try {
          seconds = Long.parseLong(request.getParameter("seconds"));
        } catch (NumberFormatException e) {
          Web.writeJson(response, 400, Map.of(), Map.of("error",
              "seconds must be an integer from 0 to " + MAX_FAIL_SECONDS));
          return;
        }
        if (seconds < 0 || seconds > MAX_FAIL_SECONDS) {
          Web.writeJson(response, 400, Map.of(), Map.of("error",
              "seconds must be an integer from 0 to " + MAX_FAIL_SECONDS));
          return;
        }
        provider.failTokenEndpointFor(Duration.ofSeconds(seconds));
        json.put("failing_seconds", seconds);
      }
      case "/end-session" -> {
        json.put("ended", provider.endSignedInSessions(null));
        json.put("back_channel_delivered", backChannel.deliver());
      }
      default -> {
        Web.writeJson(response, 404, Map.of(), Map.of("error", "unknown control " + path));
        return;
      }
    }
    json.put("stats", provider.stats());
    Web.writeJson(response, json);
  }
}

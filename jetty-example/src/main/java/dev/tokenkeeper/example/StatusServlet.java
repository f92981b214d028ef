package dev.tokenkeeper.example;

import dev.tokenkeeper.BudgetStatus;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.example.demo.DemoProvider;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /status.json}: what the status page shows, as JSON. Not behind the filter on purpose:
 * polling the page must not count as a use of the token, or the provider session would never go
 * idle.
 *
 * <p>Thread-safe: it has no state of its own and reads the thread-safe {@link StatusBoard} and
 * the context's attributes on each request.
 */
public final class StatusServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** Context attribute: the {@link DemoProvider}, when the demo provider runs. */
  public static final String DEMO_ATTRIBUTE = "dev.tokenkeeper.example.DemoProvider";

  /** Context attribute: a {@code Map<String, Object>} describing the configuration. */
  public static final String INFO_ATTRIBUTE = "dev.tokenkeeper.example.info";

  /** Where the filter publishes its manager (its {@code manager-attribute} default). */
  static final String MANAGER_ATTRIBUTE = "dev.tokenkeeper.TokenManager";

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    StatusBoard board = StatusBoard.of(getServletContext());
    Map<String, Object> library = null;
    if (getServletContext().getAttribute(MANAGER_ATTRIBUTE) instanceof TokenManager manager) {
      // session(key) reads; it does not count as a use of the token.
      for (String key : board.keys()) {
        board.session(key, manager.session(key));
      }
      TokenManager.Stats stats = manager.stats();
      library = new LinkedHashMap<>();
      library.put("requests", stats.requests());
      library.put("refreshes", stats.refreshes());
      library.put("acquisitions", stats.acquisitions());
      library.put("waits", stats.waits());
      library.put("failures", stats.failures());
      library.put("rejections", stats.rejections());
      library.put("keys", stats.size());
      library.put("budget", manager.budgetStatus().map(StatusServlet::budget).orElse(null));
    }
    Map<String, Object> json = new LinkedHashMap<>(board.snapshot());
    // This browser's devices (name -> endpoint id); the page drives only these. Never creates a
    // session: watching the page is not a sign-in.
    json.put("devices", SessionDevices.of(getServletContext(), request.getSession(false)));
    json.put("library", library);
    Object info = getServletContext().getAttribute(INFO_ATTRIBUTE);
    json.put("config", info instanceof Map<?, ?> ? info : Map.of());
    Object demo = getServletContext().getAttribute(DEMO_ATTRIBUTE);
    if (demo instanceof DemoProvider provider) {
      Map<String, Object> stats = new LinkedHashMap<>(provider.stats());
      stats.put("requests", provider.requestLog());
      json.put("demo", stats);
    } else {
      json.put("demo", null);
    }
    Web.writeJson(response, json);
  }

  /** The budget as the page shows it: instants are epoch milliseconds. */
  static Map<String, Object> budget(BudgetStatus b) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("rate", b.budget().rate());
    json.put("describe", b.budget().describe());
    json.put("limit", b.budget().requests());
    json.put("used", b.used());
    json.put("paused_until", b.pause().map(Instant::toEpochMilli).orElse(null));
    json.put("next_slot", b.nextSlot().toEpochMilli());
    json.put("queued", b.queued());
    json.put("waiting", b.waiting());
    json.put("sent", b.sent());
    json.put("queued_total", b.queuedTotal());
    json.put("deferred", b.deferred());
    json.put("refused", b.refused());
    return json;
  }
}

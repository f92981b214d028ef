package dev.tokenkeeper.example;

import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.micrometer.TokenManagerMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /metrics}: the token manager's meters (and the JVM's) in Prometheus' text format.
 * {@link StatusWiring} builds the registry and the {@link TokenManagerMetrics} listener, which the
 * filter takes with {@code listener=attribute:}{@value #METRICS_ATTRIBUTE}; here the metrics are
 * pointed at the manager the filter published, for the gauges that read it. Thread-safe.
 */
public final class MetricsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** Where {@link StatusWiring} publishes the {@link TokenManagerMetrics}. */
  public static final String METRICS_ATTRIBUTE = "dev.tokenkeeper.example.TokenManagerMetrics";

  /** Where {@link StatusWiring} publishes the {@link PrometheusMeterRegistry}. */
  public static final String REGISTRY_ATTRIBUTE = "dev.tokenkeeper.example.PrometheusMeterRegistry";

  /** The filter's default {@code manager-attribute}. */
  private static final String MANAGER_ATTRIBUTE = "dev.tokenkeeper.TokenManager";

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    PrometheusMeterRegistry registry =
        (PrometheusMeterRegistry) getServletContext().getAttribute(REGISTRY_ATTRIBUTE);
    TokenManagerMetrics metrics =
        (TokenManagerMetrics) getServletContext().getAttribute(METRICS_ATTRIBUTE);
    if (registry == null || metrics == null) {
      response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "metrics are not set up");
      return;
    }
    if (getServletContext().getAttribute(MANAGER_ATTRIBUTE) instanceof TokenManager manager) {
      metrics.monitor(manager); // idempotent: the filter's one manager
    }
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType("text/plain; version=0.0.4; charset=utf-8");
    response.setHeader("Cache-Control", "no-store");
    response.getOutputStream().write(registry.scrape().getBytes(StandardCharsets.UTF_8));
  }
}

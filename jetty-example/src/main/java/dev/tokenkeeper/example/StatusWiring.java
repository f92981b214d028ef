package dev.tokenkeeper.example;

import dev.tokenkeeper.micrometer.TokenManagerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.time.Clock;

/**
 * Gives the web application its {@link StatusBoard} and the {@link StatusListener} that feeds it,
 * as {@code ServletContext} attributes. Declared in {@code web.xml}: the container runs it before
 * it initialises filters, so {@code TokenFilter} finds the listener through its init-param
 * {@code listener} = {@code attribute:}{@value StatusListener#ATTRIBUTE}, and the servlets find
 * the board under {@value StatusBoard#ATTRIBUTE}. It also builds the Prometheus registry and the
 * {@link TokenManagerMetrics} listener that {@link MetricsServlet} serves at {@code /metrics}. One
 * board and one registry per web application, no JVM-wide state.
 *
 * <p>Thread-safe: stateless; the container calls it once as the application starts and once as
 * it stops.
 */
public final class StatusWiring implements ServletContextListener {
  @Override
  public void contextInitialized(ServletContextEvent event) {
    ServletContext context = event.getServletContext();
    StatusBoard board = new StatusBoard(Clock.systemUTC());
    context.setAttribute(StatusBoard.ATTRIBUTE, board);
    context.setAttribute(StatusListener.ATTRIBUTE, new StatusListener(board));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    TokenManagerMetrics metrics = TokenManagerMetrics.builder().tags("manager", "example").build();
    metrics.bindTo(registry);
    context.setAttribute(MetricsServlet.REGISTRY_ATTRIBUTE, registry);
    context.setAttribute(MetricsServlet.METRICS_ATTRIBUTE, metrics);
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    event.getServletContext().removeAttribute(StatusListener.ATTRIBUTE);
    event.getServletContext().removeAttribute(StatusBoard.ATTRIBUTE);
    event.getServletContext().removeAttribute(MetricsServlet.METRICS_ATTRIBUTE);
    Object registry = event.getServletContext().getAttribute(MetricsServlet.REGISTRY_ATTRIBUTE);
    event.getServletContext().removeAttribute(MetricsServlet.REGISTRY_ATTRIBUTE);
    if (registry instanceof PrometheusMeterRegistry r) {
      r.close();
    }
  }
}

package dev.tokenkeeper.servlet.it;

import dev.tokenkeeper.TokenManager;
import jakarta.servlet.ServletContext;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real web app on Jetty 12 ee10, port 0: a directory with a generated {@code WEB-INF/web.xml}
 * ({@link WebXml}) that maps TokenFilter (with the given init-params) and the test servlets to
 * {@code /app/*}.
 */
public final class TestWebApp implements AutoCloseable {
  private final Server server;
  private final WebAppContext context;
  private final URI base;

  private TestWebApp(Server server, WebAppContext context, URI base) {
    this.server = server;
    this.context = context;
    this.base = base;
  }

  /** Starts the app; a failing filter init fails {@code start} with the ServletException. */
  public static TestWebApp start(Path dir, String contextPath, Map<String, String> filterParams,
      URI api) throws Exception {
    return start(dir, contextPath, WebXml.of(filterParams, api, ""));
  }

  public static TestWebApp start(Path dir, String contextPath, String webXml) throws Exception {
    return start(dir, contextPath, port -> webXml);
  }

  /**
   * As {@link #start(Path, String, String)}, with a web.xml that names the app's own port (a
   * login's redirect URI): the connector binds a free port first, then the web.xml is written.
   */
  public static TestWebApp start(Path dir, String contextPath,
      java.util.function.IntFunction<String> webXmlForPort) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    connector.open();
    WebXml.write(dir, webXmlForPort.apply(connector.getLocalPort()));
    WebAppContext context = new WebAppContext(dir.toString(), contextPath);
    // The filter and the test servlets come from the test class path, as a container's lib/ would.
    context.setParentLoaderPriority(true);
    context.setThrowUnavailableOnStartupException(true);
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort()
        + ("/".equals(contextPath) ? "" : contextPath));
    return new TestWebApp(server, context, base);
  }

  public URI uri(String path) {
    return URI.create(base + path);
  }

  public ServletContext servletContext() {
    return context.getServletContext();
  }

  public TokenManager manager() {
    return manager("dev.tokenkeeper.TokenManager");
  }

  public TokenManager manager(String attribute) {
    return (TokenManager) servletContext().getAttribute(attribute);
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}

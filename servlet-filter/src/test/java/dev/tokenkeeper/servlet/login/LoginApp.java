package dev.tokenkeeper.servlet.login;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.servlet.TokenContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A signed-in web app on real Jetty 12, port 0: {@link LoginFilter} on {@code /oauth/*},
 * {@code /app/*} and {@code /api/*}, a page at {@code /app/*} that shows the request's key,
 * subject and token, and an unfiltered {@code /public}.
 */
public final class LoginApp implements AutoCloseable {
  public final Server server;
  public final LoginFilter filter;
  public final URI base;

  public LoginApp(OidcProvider provider, Consumer<LoginConfig.Builder> customize)
      throws Exception {
    this(provider, customize, context -> { });
  }

  /** With more servlets, added by {@code extra} before the server starts. */
  public LoginApp(OidcProvider provider, Consumer<LoginConfig.Builder> customize,
      Consumer<ServletContextHandler> extra) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    connector.open();
    base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    LoginConfig.Builder b = LoginConfig.builder(provider.issuer(),
        ClientAuthentication.basic(OidcProvider.CLIENT_ID, OidcProvider.CLIENT_SECRET),
        URI.create(base + "/oauth/callback"));
    customize.accept(b);
    filter = new LoginFilter(b.build());
    ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.SESSIONS);
    FilterHolder holder = new FilterHolder(filter);
    holder.setAsyncSupported(true);
    for (String path : new String[] {"/oauth/*", "/app/*", "/api/*"}) {
      context.addFilter(holder, path, EnumSet.of(DispatcherType.REQUEST));
    }
    context.addServlet(new ServletHolder(new Page()), "/app/*");
    context.addServlet(new ServletHolder(new Public()), "/public");
    extra.accept(context);
    server.setHandler(context);
    server.start();
  }

  public URI uri(String path) {
    return URI.create(base + path);
  }

  /** Shows what the request's TokenContext holds, one name=value per line. */
  public static final class Page extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override protected void service(HttpServletRequest req, HttpServletResponse resp)
        throws IOException {
      TokenContext tk = TokenContext.from(req);
      resp.setContentType("text/plain");
      resp.getWriter().print("key=" + tk.endpointId() + "\nsubject=" + tk.subject().orElse("")
          + "\nname=" + tk.claims().getOrDefault("name", "") + "\ntoken=" + tk.token().value()
          + "\npath=" + req.getRequestURI() + "\nsession=" + sessionAttributes(req) + "\nmaxInactive="
          + req.getSession(false).getMaxInactiveInterval() + "\nidleHeader="
          + resp.getHeader("TokenKeeper-Session-Idle-Timeout") + "\n");
    }

    private static String sessionAttributes(HttpServletRequest req) {
      StringBuilder out = new StringBuilder();
      var session = req.getSession(false);
      for (String name : java.util.Collections.list(session.getAttributeNames())) {
        out.append(name).append(':').append(session.getAttribute(name)).append(';');
      }
      return out.toString();
    }
  }

  public static final class Public extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override protected void doGet(HttpServletRequest req, HttpServletResponse resp)
        throws IOException {
      resp.getWriter().print("public");
    }
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}

package dev.tokenkeeper.servlet.it;

import dev.tokenkeeper.TokenManager;
import jakarta.servlet.ServletContext;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real web app on Jetty 12 ee10, port 0: a directory with a generated {@code WEB-INF/web.xml}
 * that maps TokenFilter (with the given init-params) and the test servlets to {@code /app/*}.
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
    return start(dir, contextPath, webXml(filterParams, api, ""));
  }

  public static TestWebApp start(Path dir, String contextPath, String webXml) throws Exception {
    Path webInf = Files.createDirectories(dir.resolve("WEB-INF"));
    Files.writeString(webInf.resolve("web.xml"), webXml);
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
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

  /** Every init-param name some started app used, for the coverage check. */
  public static final java.util.Set<String> USED_PARAMS =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * The web.xml: TokenFilter (left out when {@code filterParams} is null: a listener adds it in
   * code) and a header-principal filter on /app/*, the test servlets, and {@code extra}.
   */
  public static String webXml(Map<String, String> filterParams, URI api, String extra) {
    StringBuilder params = new StringBuilder();
    String filter = "";
    if (filterParams != null) {
      USED_PARAMS.addAll(filterParams.keySet());
      filter = """
            <filter>
              <filter-name>tokenkeeper</filter-name>
              <filter-class>dev.tokenkeeper.servlet.TokenFilter</filter-class>
              <async-supported>true</async-supported>
          %s    </filter>
            <filter-mapping><filter-name>tokenkeeper</filter-name><url-pattern>/app/*</url-pattern></filter-mapping>
          """;
    }
    (filterParams == null ? Map.<String, String>of() : filterParams).forEach((name, value) -> params.append("    <init-param><param-name>")
        .append(xml(name)).append("</param-name><param-value>").append(xml(value))
        .append("</param-value></init-param>\n"));
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee"
                 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                 xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
                 version="6.0">
          <context-param><param-name>api-uri</param-name><param-value>%s</param-value></context-param>
        %s
          <filter>
            <filter-name>principal-from-header</filter-name>
            <filter-class>dev.tokenkeeper.servlet.it.Servlets$PrincipalFromHeader</filter-class>
            <async-supported>true</async-supported>
          </filter>
          <filter-mapping><filter-name>principal-from-header</filter-name><url-pattern>/app/*</url-pattern></filter-mapping>
        %s

          <servlet><servlet-name>login</servlet-name><servlet-class>dev.tokenkeeper.servlet.it.Servlets$Login</servlet-class></servlet>
          <servlet><servlet-name>call</servlet-name><servlet-class>dev.tokenkeeper.servlet.it.Servlets$Call</servlet-class></servlet>
          <servlet><servlet-name>info</servlet-name><servlet-class>dev.tokenkeeper.servlet.it.Servlets$Info</servlet-class></servlet>
          <servlet><servlet-name>async</servlet-name><servlet-class>dev.tokenkeeper.servlet.it.Servlets$AsyncCall</servlet-class>
            <async-supported>true</async-supported></servlet>
          <servlet><servlet-name>end</servlet-name><servlet-class>dev.tokenkeeper.servlet.it.Servlets$EndDuringRequest</servlet-class></servlet>
          <servlet-mapping><servlet-name>login</servlet-name><url-pattern>/login</url-pattern></servlet-mapping>
          <servlet-mapping><servlet-name>call</servlet-name><url-pattern>/app/call</url-pattern></servlet-mapping>
          <servlet-mapping><servlet-name>info</servlet-name><url-pattern>/app/info</url-pattern></servlet-mapping>
          <servlet-mapping><servlet-name>async</servlet-name><url-pattern>/app/async</url-pattern></servlet-mapping>
          <servlet-mapping><servlet-name>end</servlet-name><url-pattern>/app/end</url-pattern></servlet-mapping>
        </web-app>
        """.formatted(xml(String.valueOf(api)), extra, filter.formatted(params));
  }

  private static String xml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
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

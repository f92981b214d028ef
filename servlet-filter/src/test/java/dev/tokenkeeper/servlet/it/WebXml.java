package dev.tokenkeeper.servlet.it;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The test web app's {@code WEB-INF/web.xml}, the same for every container (Jetty in
 * {@link TestWebApp}, Tomcat in {@link TomcatWebApp}): TokenFilter and the {@link Servlets}.
 */
public final class WebXml {
  private WebXml() {}

  /** Writes {@code webXml} to {@code dir/WEB-INF/web.xml}: {@code dir} is then a docBase. */
  public static Path write(Path dir, String webXml) throws IOException {
    Path webInf = Files.createDirectories(dir.resolve("WEB-INF"));
    return Files.writeString(webInf.resolve("web.xml"), webXml);
  }

  /** Every init-param name some started app used, for the coverage check. */
  public static final Set<String> USED_PARAMS = ConcurrentHashMap.newKeySet();

  /**
   * The web.xml: TokenFilter (left out when {@code filterParams} is null: a listener adds it in
   * code) and a header-principal filter on /app/*, the test servlets, and {@code extra}.
   */
  public static String of(Map<String, String> filterParams, URI api, String extra) {
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
}

package dev.tokenkeeper.servlet.it;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;

/**
 * A real web app on embedded Tomcat 10.1, port 0: {@link Tomcat#addWebapp} with a docBase whose
 * {@code WEB-INF/web.xml} ({@link WebXml}) Tomcat's ContextConfig parses, as a deployed WAR's.
 *
 * <p>Tomcat reports a failing filter init by logging it and leaving the context FAILED (then
 * stopped), not by throwing from {@code start}: check {@link #available()}.
 */
public final class TomcatWebApp implements AutoCloseable {
  private final Tomcat tomcat;
  private final Context context;
  private final URI base;

  private TomcatWebApp(Tomcat tomcat, Context context, URI base) {
    this.tomcat = tomcat;
    this.context = context;
    this.base = base;
  }

  /**
   * Starts Tomcat with its base dir at {@code dir/tomcat} and the app at {@code dir/webapp}
   * ({@code dir} is emptied first).
   */
  public static TomcatWebApp start(Path dir, String contextPath, String webXml) throws Exception {
    return start(dir, contextPath, webXml, docBase -> {});
  }

  /** What else goes into the docBase before Tomcat starts ({@code WEB-INF/classes}, say). */
  public interface DocBase {
    void fill(Path docBase) throws IOException;
  }

  /** {@link #start(Path, String, String)}, with {@code more} filling the docBase first. */
  public static TomcatWebApp start(Path dir, String contextPath, String webXml, DocBase more)
      throws Exception {
    deleteTree(dir);
    Path docBase = dir.resolve("webapp");
    WebXml.write(docBase, webXml);
    more.fill(docBase);
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createDirectories(dir.resolve("tomcat")).toString());
    Connector connector = tomcat.getConnector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    // No default servlet / JSP servlet (there is no Jasper here, and the app serves no files).
    tomcat.setAddDefaultWebXmlToWebapp(false);
    Context context = tomcat.addWebapp("/".equals(contextPath) ? "" : contextPath,
        docBase.toAbsolutePath().toString());
    // The filter and the servlets come from the test class path, as from Tomcat's lib/; nothing
    // there is a web fragment, so skip scanning its jars (keeps the start well under a second).
    // Undeploy-time leak probes that need --add-opens only warn that they cannot run: off. The
    // leaked-thread report stays on (it is what a Tomcat user would see on undeploy).
    StandardContext standard = (StandardContext) context;
    standard.setClearReferencesObjectStreamClassCaches(false);
    standard.setClearReferencesRmiTargets(false);
    standard.setClearReferencesThreadLocals(false);
    StandardJarScanner scanner = (StandardJarScanner) context.getJarScanner();
    scanner.setScanClassPath(false);
    scanner.setScanManifest(false);
    try {
      tomcat.start();
    } catch (LifecycleException e) {
      stop(tomcat);
      throw e;
    }
    URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort()
        + ("/".equals(contextPath) ? "" : contextPath));
    return new TomcatWebApp(tomcat, context, base);
  }

  /** Whether the context started (a failed filter init leaves it unavailable). */
  public boolean available() {
    return context.getState().isAvailable();
  }

  public Context context() {
    return context;
  }

  public URI uri(String path) {
    return URI.create(base + path);
  }

  @Override
  public void close() throws LifecycleException {
    stop(tomcat);
  }

  private static void stop(Tomcat tomcat) throws LifecycleException {
    tomcat.stop();
    tomcat.destroy();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

package dev.tokenkeeper.example;

import dev.tokenkeeper.example.demo.DemoProvider;
import dev.tokenkeeper.example.demo.DemoProviderContext;
import dev.tokenkeeper.example.demo.DemoSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * The TokenKeeper example: embedded Jetty 12 serving a web application whose
 * {@code WEB-INF/web.xml} registers {@code TokenFilter}, plus — unless a real provider is named
 * — a demo provider in the same process.
 *
 * <pre>
 *   /               status page (index.html, status.js, status.css; no external assets)
 *   /status.json    the same state as JSON
 *   /app/call       calls the provider's API through the request's BearerHttpClient (filtered)
 *   /oauth/...      sign-in with the demo provider: login, callback, logout, session (demo mode)
 *   /api/...        the token relay to the demo API, for the signed-in user (demo mode)
 *   /demo/...       the demo provider: token endpoint, API, controls (demo mode only)
 * </pre>
 *
 * <p>Thread-safe: a stateless launcher; each {@link #newServer} call builds a server of its own,
 * so tests may run several side by side.
 */
public final class ExampleApp {
  /** Path of the demo provider's servlet context. */
  public static final String DEMO_PATH = "/demo";

  /** Path of the demo API resource the app calls (RingCentral style). */
  public static final String DEMO_API_PATH = DEMO_PATH + "/api/restapi/v1.0/account/~/extension/~";

  /** Held so that the level set in {@link #main} is not lost when the logger is collected. */
  private static final java.util.logging.Logger JETTY_LOG =
      java.util.logging.Logger.getLogger("org.eclipse.jetty");

  private ExampleApp() {}

  public static void main(String[] args) throws Exception {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.print(ExampleOptions.USAGE);
      return;
    }
    ExampleOptions options;
    try {
      options = ExampleOptions.parse(args, System::getenv);
    } catch (IllegalArgumentException e) {
      System.err.println("tokenkeeper-jetty-example: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (System.getProperty("java.util.logging.config.file") == null) {
      // One short line per record, and Jetty's start-up chatter kept out of the way.
      if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
        System.setProperty("java.util.logging.SimpleFormatter.format",
            "%1$tT %4$-7s %3$s: %5$s%6$s%n");
      }
      JETTY_LOG.setLevel(java.util.logging.Level.WARNING);
    }
    Server server = newServer(options);
    server.setStopAtShutdown(true);
    try {
      server.start();
    } catch (Exception e) {
      // The filter's init names the init-param at fault; say it once, without a stack trace.
      server.stop();
      System.err.println("tokenkeeper-jetty-example: cannot start: " + rootMessage(e));
      System.exit(1);
      return;
    }
    URI uri = server.getURI();
    String url = "http://" + displayHost(options.host()) + ":" + uri.getPort() + "/";
    System.out.println();
    System.out.println("TokenKeeper example running at " + url);
    if (options.demoMode()) {
      DemoSettings d = options.demo();
      System.out.println("  demo provider: " + url.substring(0, url.length() - 1) + DEMO_PATH
          + " (tokens live " + human(d.tokenTtl()) + ", idle timeout " + human(d.idleTimeout())
          + ", session " + human(d.sessionTtl())
          + (d.rateLimit() == null ? "" : ", at most " + d.rateLimit() + " token requests")
          + "; --help for the flags)");
    } else {
      System.out.println("  provider: " + options.tokenUrl() + " (grant " + options.grant() + ")");
    }
    if (options.store() != null) {
      System.out.println("  shared store: " + dev.tokenkeeper.redis.RedisTokenStore.class
          .getSimpleName() + " on " + redactedStore(options.store().uri())
          + (options.store().plaintext() ? " (plaintext)" : " (encrypted)"));
    }
    if (options.sharedEndpointId() != null) {
      System.out.println("  shared endpoint id: " + options.sharedEndpointId()
          + " (the device \"" + SessionDevices.SHARED_DEVICE + "\" on every page)");
    }
    if (options.tokenBudget() != null) {
      System.out.println("  token budget: " + options.tokenBudget()
          + " (callers without a token first; refreshes ahead of expiry deferred)");
    }
    System.out.println("Open " + url + " in a browser to watch the tokens. Ctrl+C stops.");
    System.out.flush();
    server.join();
  }

  /** The demo app on {@code localhost:port}; port 0 picks a free one ({@code server.getURI()}). */
  public static Server newServer(int port) throws IOException {
    return newServer(ExampleOptions.demo(port));
  }

  /**
   * Builds the server without starting it. The connector is bound at once, so that the
   * token endpoint URL handed to the filter carries the real port even for port 0.
   *
   * @throws IOException the port cannot be bound
   */
  public static Server newServer(ExampleOptions options) throws IOException {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(options.host());
    connector.setPort(options.port());
    server.addConnector(connector);
    connector.open();
    String base = "http://" + displayHost(options.host()) + ":" + connector.getLocalPort();

    WebAppContext webapp = new WebAppContext();
    webapp.setContextPath("/");
    webapp.setDisplayName("TokenKeeper example");
    Resource root = ResourceFactory.of(webapp).newClassLoaderResource("webapp/", false);
    if (root == null) {
      throw new IllegalStateException("webapp/ is missing from the class path; rebuild the jar");
    }
    webapp.setBaseResource(root);
    // The classes are on the application class path (one shaded jar), not in WEB-INF/lib.
    webapp.setParentLoaderPriority(true);
    // A web app that cannot start (a wrong init-param) fails Server.start() instead of serving 503s.
    webapp.setThrowUnavailableOnStartupException(true);
    webapp.setInitParameter("org.eclipse.jetty.servlet.Default.dirAllowed", "false");

    Map<String, Object> info = new LinkedHashMap<>();
    Map<String, String> params;
    ContextHandlerCollection contexts = new ContextHandlerCollection();
    contexts.addHandler(webapp);
    if (options.demoMode()) {
      DemoProvider provider = new DemoProvider(options.demo(), Clock.systemUTC());
      provider.openId().configure(base + DEMO_PATH, URI.create(base + "/oauth/backchannel-logout"));
      contexts.addHandler(DemoProviderContext.create(DEMO_PATH, provider));
      // Sign-in with the demo provider (LoginFilter) and the relay: WEB-INF/login.xml.
      webapp.addOverrideDescriptor(root.resolve("WEB-INF/login.xml").getURI().toString());
      webapp.setAttribute(StatusServlet.DEMO_ATTRIBUTE, provider);
      params = demoParams(options, base, provider, server);
      info.put("mode", "demo");
      info.put("controls", DEMO_PATH + "/control");
      info.put("demo_user", DemoProvider.USERNAME);
      info.put("token_ttl", options.demo().tokenTtl().toSeconds());
      info.put("idle_timeout", options.demo().idleTimeout().toSeconds());
      info.put("session_ttl", options.demo().sessionTtl().toSeconds());
      DemoSettings.RateLimit limit = options.demo().rateLimit();
      info.put("provider_rate_limit", limit == null ? null : limit.toString());
    } else {
      params = providerParams(options);
      info.put("mode", "provider");
      info.put("controls", null);
    }
    info.put("token_url", params.get("example.token-endpoint"));
    info.put("api_url", params.get("example.api-url"));
    info.put("client_id", params.get("example.client-id"));
    info.put("grant", options.grant());
    info.put("scope", options.scope());
    info.put("token_budget", options.tokenBudget());
    info.put("shared_endpoint_id", options.sharedEndpointId());
    info.put("store", options.store() == null ? null : redactedStore(options.store().uri()));
    // Context-params: TokenFilter fills its ${example.*} init-params from them (web.xml); one
    // that is not set here takes the default written in web.xml, ${example.username:} = absent.
    params.forEach(webapp::setInitParameter);
    webapp.setAttribute(StatusServlet.INFO_ATTRIBUTE, info);

    server.setHandler(contexts);
    return server;
  }

  /** The context-params for the demo provider, with the demo's secrets in private temp files. */
  private static Map<String, String> demoParams(
      ExampleOptions options, String base, DemoProvider provider, Server server) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("example.token-endpoint", base + DEMO_PATH + "/oauth/token");
    p.put("example.client-id", DemoProvider.CLIENT_ID);
    p.put("example.grant", options.filterGrant());
    p.put("example.api-url", base + DEMO_API_PATH);
    p.put("example.allowed-origins", base);
    p.put("example.issuer", base + DEMO_PATH);
    p.put("example.redirect-uri", base + "/oauth/callback");
    p.put("example.post-logout-redirect-uri", base + "/");
    p.put("example.relay-upstream", base + DEMO_PATH + "/api");
    if (options.refreshWindow() != null) {
      p.put("example.refresh-window", Long.toString(options.refreshWindow().toSeconds()));
    }
    putIfSet(p, "example.token-budget", options.tokenBudget());
    putStore(p, options);
    putIfSet(p, SessionDevices.SHARED_PARAM, options.sharedEndpointId());
    SecretFiles files = new SecretFiles(server);
    p.put("example.client-secret-file", files.write("client-secret", DemoProvider.CLIENT_SECRET));
    switch (options.grant()) {
      case "password" -> {
        p.put("example.username", DemoProvider.USERNAME);
        p.put("example.password-file", files.write("password", DemoProvider.PASSWORD));
      }
      case "jwt" ->
          p.put("example.assertion-file", files.write("assertion", provider.issueJwtCredential()));
      default -> p.put("example.scope", DemoProvider.SCOPES);
    }
    return p;
  }

  /** The context-params for a real provider: secrets stay in the environment, by name. */
  private static Map<String, String> providerParams(ExampleOptions options) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("example.token-endpoint", options.tokenUrl());
    p.put("example.client-id", options.clientId());
    p.put("example.grant", options.filterGrant());
    putIfSet(p, "example.client-secret-env", options.clientSecretEnv());
    putIfSet(p, "example.username", options.username());
    putIfSet(p, "example.password-env", options.passwordEnv());
    putIfSet(p, "example.assertion-env", options.jwtEnv());
    putIfSet(p, "example.scope", options.scope());
    if (options.apiUrl() != null) {
      p.put("example.api-url", options.apiUrl());
      p.put("example.allowed-origins", origin(URI.create(options.apiUrl())));
    }
    if (options.refreshWindow() != null) {
      p.put("example.refresh-window", Long.toString(options.refreshWindow().toSeconds()));
    }
    putIfSet(p, "example.token-budget", options.tokenBudget());
    putStore(p, options);
    putIfSet(p, SessionDevices.SHARED_PARAM, options.sharedEndpointId());
    return p;
  }

  /** {@code --redis}: the filter's store init-params. */
  private static void putStore(Map<String, String> p, ExampleOptions options) {
    ExampleOptions.Store store = options.store();
    if (store != null) {
      p.put("example.store", store.uri());
      putIfSet(p, "example.store-encryption-keys-env", store.keysEnv());
      if (store.plaintext()) {
        p.put("example.store-plaintext", "true");
      }
    }
  }

  private static void putIfSet(Map<String, String> p, String name, String value) {
    if (value != null) {
      p.put(name, value);
    }
  }

  /** The store URI without a password, for the console. */
  static String redactedStore(String uri) {
    return uri.replaceAll("://([^:@/]*):[^@/]*@", "://$1:██@");
  }

  static String origin(URI uri) {
    int port = uri.getPort();
    return uri.getScheme() + "://" + uri.getHost() + (port < 0 ? "" : ":" + port);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
  }

  private static String displayHost(String host) {
    return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
  }

  private static String human(Duration d) {
    if (d.isZero()) {
      return "off";
    }
    long s = d.toSeconds();
    return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  /**
   * The demo's secrets, each in its own owner-only file (the filter reads {@code *-file}
   * init-params), deleted when the server stops or the JVM exits.
   */
  private static final class SecretFiles {
    private final Server server;
    private Path dir;
    private final List<Path> files = new ArrayList<>();

    SecretFiles(Server server) {
      this.server = server;
    }

    String write(String name, String value) {
      try {
        if (dir == null) {
          boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
          dir = posix
              ? Files.createTempDirectory("tokenkeeper-demo-",
                  PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
              : Files.createTempDirectory("tokenkeeper-demo-");
          dir.toFile().deleteOnExit();
          server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopped(LifeCycle event) {
              delete();
            }
          });
        }
        Path file = dir.resolve(name);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
          Files.createFile(file,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, value, StandardCharsets.UTF_8);
        file.toFile().deleteOnExit();
        files.add(file);
        return file.toString();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the demo's " + name + " file", e);
      }
    }

    void delete() {
      for (Path f : files) {
        try {
          Files.deleteIfExists(f);
        } catch (IOException ignored) {
          // deleteOnExit() tries again.
        }
      }
      try {
        Files.deleteIfExists(dir);
      } catch (IOException ignored) {
        // deleteOnExit() tries again.
      }
    }
  }
}

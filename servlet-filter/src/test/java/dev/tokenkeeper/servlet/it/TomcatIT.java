package dev.tokenkeeper.servlet.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.Filter;
import jakarta.servlet.ServletException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.LifecycleState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same TokenFilter and web.xml as {@link TokenFilterIT}, in embedded Apache Tomcat 10.1
 * (port 0; Tomcat parses the real {@code WEB-INF/web.xml}), against the same loopback token
 * endpoint and resource API.
 *
 * <p>This class runs in its own failsafe execution whose class path has Tomcat's
 * {@code jakarta.servlet} classes and not the spec API jar, as the filter meets them deployed in
 * Tomcat (see the servlet-filter pom).
 */
class TomcatIT {
  static final Path DIR = Path.of(System.getProperty("basedir", "."), "target", "tomcat-it");

  static FakeProvider provider;
  static TomcatWebApp app;

  @BeforeAll
  static void start() throws Exception {
    provider = new FakeProvider();
    provider.extraFields.put("session_idle_timeout", Integer.parseInt(TokenFilterIT.IDLE));
    provider.extraFields.put("session_expiration_time", TokenFilterIT.SESSION_END);
    app = TomcatWebApp.start(DIR.resolve("app"), "/",
        WebXml.of(TokenFilterIT.params(provider), provider.apiOrigin(), ""));
    assertTrue(app.available(), "the app started");
  }

  @AfterAll
  static void stop() throws Exception {
    app.close();
    provider.close();
  }

  static Browser signedIn(String id) throws Exception {
    Browser browser = new Browser();
    assertEquals(200, browser.get(app.uri("/login?id=" + id)).statusCode());
    return browser;
  }

  @Test
  void itIsTomcat101WithItsOwnServletApi() {
    assertTrue(app.context().getServletContext().getServerInfo().startsWith("Apache Tomcat/10.1."),
        app.context().getServletContext().getServerInfo());
    assertEquals(6, app.context().getServletContext().getMajorVersion());
    assertEquals(0, app.context().getServletContext().getMinorVersion());
    String api = String.valueOf(Filter.class.getProtectionDomain().getCodeSource().getLocation());
    assertTrue(api.contains("tomcat-embed-core"), "jakarta.servlet from " + api);
  }

  @Test
  void aServletCallsTheApiThroughTheRequestsBearerClientAndTheApiSeesAValidToken()
      throws Exception {
    Browser alice = signedIn("alice");
    HttpResponse<String> r = alice.get(app.uri("/app/call"));
    assertEquals(200, r.statusCode(), r.body());
    String token = provider.currentToken("alice");
    assertEquals("200 alice " + token, r.body());
    assertTrue(provider.apiAuthorizations.contains("Bearer " + token), "the API saw the token");
    assertEquals(1, provider.tokenRequests("alice"));
    assertEquals("200 alice " + token, alice.get(app.uri("/app/call")).body(), "cached");
    assertEquals(1, provider.tokenRequests("alice"));
  }

  @Test
  void whenTheApiRejectsATokenRevokedServerSideTheSameRequestSucceedsAfterOneRefresh()
      throws Exception {
    Browser bob = signedIn("bob");
    assertEquals(200, bob.get(app.uri("/app/call")).statusCode());
    String revoked = provider.currentToken("bob");
    int before = provider.received.size();
    provider.revokeServerSide(revoked);

    HttpResponse<String> r = bob.get(app.uri("/app/call"));

    assertEquals(200, r.statusCode(), r.body());
    String fresh = provider.currentToken("bob");
    assertNotEquals(revoked, fresh);
    assertEquals("200 bob " + fresh, r.body());
    assertEquals(1, provider.apiRejections("bob"), "the API rejected exactly one call");
    assertEquals(before + 1, provider.received.size(), "exactly one refresh");
    assertEquals("refresh_token", provider.received.get(before).form().get("grant_type"));
  }

  @Test
  void responseHeadersAndTheHttpSessionMaxInactiveIntervalFollowTheSessionTimeouts()
      throws Exception {
    Browser carol = signedIn("carol");
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    HttpResponse<String> r = carol.get(app.uri("/app/info"));
    Instant after = Instant.now();
    assertEquals(200, r.statusCode(), r.body());

    assertEquals(TokenFilterIT.IDLE,
        r.headers().firstValue("TokenKeeper-Session-Idle-Timeout").orElseThrow());
    assertEquals("Wed, 02 Jan 2030 03:04:05 GMT",
        r.headers().firstValue("TokenKeeper-Session-Expires").orElseThrow());
    Instant idleDeadline = ZonedDateTime.parse(
        r.headers().firstValue("TokenKeeper-Session-Idle-Deadline").orElseThrow(),
        DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    assertFalse(idleDeadline.isBefore(before.plusSeconds(900)), idleDeadline + " vs " + before);
    assertFalse(idleDeadline.isAfter(after.plusSeconds(900)), idleDeadline + " vs " + after);

    Map<String, String> info = Browser.lines(r.body());
    assertEquals("carol", info.get("endpointId"));
    assertEquals(TokenFilterIT.IDLE, info.get("dev.tokenkeeper.session.idleTimeout"));
    assertEquals(TokenFilterIT.SESSION_END, info.get("dev.tokenkeeper.session.expiresAt"));
    // Tomcat's own default is 30 minutes: 900 s comes from session_idle_timeout.
    assertEquals(TokenFilterIT.IDLE, info.get("maxInactiveInterval"));
  }

  @Test
  void theContextStaysUsableFromAsyncContextStartWork() throws Exception {
    Browser erin = signedIn("erin");
    HttpResponse<String> r = erin.get(app.uri("/app/async"));
    assertEquals(200, r.statusCode(), r.body());
    String token = provider.currentToken("erin");
    assertTrue(r.body().startsWith("200 erin " + token + " token=" + token + " thread="),
        r.body());
    assertEquals(1, provider.tokenRequests("erin"));
  }

  @Test
  void aMisconfiguredInitParamFailsTheContextWithTheParamsNameAndNoSecret() throws Exception {
    Map<String, String> p = new java.util.LinkedHashMap<>(TokenFilterIT.params(provider));
    p.remove("client-secret-env");
    p.put("client-secret", "must-not-be-shown");
    p.put("endpoint-id", "cookie:x");
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override public void publish(LogRecord record) {
        records.add(record);
      }

      @Override public void flush() {}

      @Override public void close() {}
    };
    // StandardContext logs a failed filter start on org.apache.catalina.core.ContainerBase.[..].
    Logger catalina = Logger.getLogger("org.apache.catalina");
    catalina.addHandler(capture);
    int tokenRequests = provider.received.size();
    try (TomcatWebApp broken = TomcatWebApp.start(DIR.resolve("broken"), "/",
        WebXml.of(p, provider.apiOrigin(), ""))) {
      // Tomcat does not throw from start(): the context goes FAILED, then stops itself.
      assertFalse(broken.available());
      assertEquals(LifecycleState.STOPPED, broken.context().getState());
      assertEquals(404, new Browser().get(broken.uri("/app/call"), "X-Endpoint-Id", "x")
          .statusCode(), "the app serves nothing");
    } finally {
      catalina.removeHandler(capture);
    }
    LogRecord failure = records.stream()
        .filter(r -> r.getThrown() != null && servletException(r.getThrown()) != null)
        .findFirst().orElseThrow(() -> new AssertionError("no logged ServletException in "
            + records.stream().map(LogRecord::getMessage).toList()));
    assertTrue(failure.getMessage().contains("[tokenkeeper]"), failure.getMessage());
    ServletException e = servletException(failure.getThrown());
    assertNotNull(e);
    assertTrue(e.getMessage().contains("TokenFilter 'tokenkeeper': init-param endpoint-id is"
        + " \"cookie:x\"; expected fixed:VALUE"), e.getMessage());
    StringWriter logged = new StringWriter();
    for (LogRecord r : records) {
      logged.append(r.getMessage()).append('\n');
      if (r.getThrown() != null) {
        r.getThrown().printStackTrace(new PrintWriter(logged));
      }
    }
    assertFalse(logged.toString().contains("must-not-be-shown"), "the secret in Tomcat's log");
    assertEquals(tokenRequests, provider.received.size(), "no token request");
  }

  /**
   * Undeploy: Filter.destroy closes what the filter built, so that no thread of ours outlives the
   * app, and no thread at all keeps the app's class loader as its context class loader (which
   * would pin every class of the app after a redeploy; Tomcat warns "appears to have started a
   * thread named [...] but has failed to stop it"). Before TokenKeeper ran its own threads, the
   * JDK's CompletableFutureDelayScheduler and the HttpClient-N-* threads did both.
   */
  @Test
  void stoppingTheAppLeavesNoThreadOfOursAndNoneWithTheAppsClassLoader() throws Exception {
    Set<Thread> before = threads(t -> t.getName().startsWith("tokenkeeper-"));
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override public void publish(LogRecord record) {
        records.add(record);
      }

      @Override public void flush() {}

      @Override public void close() {}
    };
    Logger catalina = Logger.getLogger("org.apache.catalina");
    ClassLoader appLoader;
    TomcatWebApp redeployed = TomcatWebApp.start(DIR.resolve("redeploy"), "/",
        WebXml.of(TokenFilterIT.params(provider), provider.apiOrigin(), ""));
    try {
      assertTrue(redeployed.available());
      appLoader = redeployed.context().getLoader().getClassLoader();
      Browser dave = new Browser();
      assertEquals(200, dave.get(redeployed.uri("/login?id=dave")).statusCode());
      // A token request (timeout thread), a session timer (scheduler thread), an API call
      // through the request's BearerHttpClient (its delegate's http threads).
      HttpResponse<String> r = dave.get(redeployed.uri("/app/call"));
      assertEquals(200, r.statusCode(), r.body());
      Set<String> started = threads(t -> t.getName().startsWith("tokenkeeper-")).stream()
          .filter(t -> !before.contains(t)).map(Thread::getName).collect(Collectors.toSet());
      assertTrue(started.stream().anyMatch(n -> n.startsWith("tokenkeeper-http-")), "" + started);
      assertTrue(started.stream().anyMatch(n -> n.startsWith("tokenkeeper-scheduler-")),
          "" + started);
      catalina.addHandler(capture);
    } finally {
      redeployed.close();
      catalina.removeHandler(capture);
    }

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    Set<Thread> left;
    do {
      left = threads(t -> t.getContextClassLoader() == appLoader
          || (t.getName().startsWith("tokenkeeper-") && !before.contains(t)));
      if (!left.isEmpty()) {
        Thread.sleep(10); // polling other threads' state, bounded by the deadline
      }
    } while (!left.isEmpty() && System.nanoTime() < deadline);
    assertTrue(left.isEmpty(), "threads left behind: " + left.stream()
        .map(t -> t.getName() + " (context class loader " + t.getContextClassLoader() + ")")
        .toList());
    List<String> leaks = records.stream().map(LogRecord::getMessage)
        .filter(m -> m != null && m.contains("failed to stop it")).toList();
    assertEquals(List.of(), leaks, "Tomcat's leaked-thread warnings on stop");
  }

  @Test
  void theLoginFilterSignsInAndOutOnTomcatToo() throws Exception {
    try (dev.tokenkeeper.servlet.login.OidcProvider idp =
        new dev.tokenkeeper.servlet.login.OidcProvider(java.time.Clock.systemUTC())) {
      // Tomcat binds port 0 only after the filter's init, so the registered redirect URI names
      // a placeholder port, and this browser takes the provider's redirect to Tomcat's real one.
      String webXml = """
          <?xml version="1.0" encoding="UTF-8"?>
          <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
            <filter>
              <filter-name>login</filter-name>
              <filter-class>dev.tokenkeeper.servlet.login.LoginFilter</filter-class>
              <init-param><param-name>issuer</param-name><param-value>%s</param-value></init-param>
              <init-param><param-name>client-id</param-name><param-value>%s</param-value></init-param>
              <init-param><param-name>client-secret</param-name><param-value>%s</param-value></init-param>
              <init-param><param-name>redirect-uri</param-name><param-value>http://127.0.0.1:1/oauth/callback</param-value></init-param>
            </filter>
            <filter-mapping><filter-name>login</filter-name><url-pattern>/oauth/*</url-pattern></filter-mapping>
            <filter-mapping><filter-name>login</filter-name><url-pattern>/app/*</url-pattern></filter-mapping>
            <servlet><servlet-name>page</servlet-name><servlet-class>dev.tokenkeeper.servlet.login.LoginApp$Page</servlet-class></servlet>
            <servlet-mapping><servlet-name>page</servlet-name><url-pattern>/app/*</url-pattern></servlet-mapping>
            <!-- What Tomcat's conf/web.xml gives every app (this embedded Tomcat leaves it out):
                 without a servlet for /oauth/*, Tomcat answers 404 before any filter runs. -->
            <servlet><servlet-name>default</servlet-name><servlet-class>org.apache.catalina.servlets.DefaultServlet</servlet-class></servlet>
            <servlet-mapping><servlet-name>default</servlet-name><url-pattern>/</url-pattern></servlet-mapping>
          </web-app>
          """.formatted(idp.issuer(), dev.tokenkeeper.servlet.login.OidcProvider.CLIENT_ID,
          dev.tokenkeeper.servlet.login.OidcProvider.CLIENT_SECRET);
      try (TomcatWebApp login = TomcatWebApp.start(DIR.resolve("login"), "/", webXml)) {
        assertTrue(login.available(), "the login app started");
        var browser = new dev.tokenkeeper.servlet.login.CookieBrowser();
        var start = browser.get(login.uri("/oauth/login?return_to=%2Fapp%2Fme"));
        assertEquals(302, start.statusCode(), start.body());
        String sessionBefore = browser.sessionId();
        java.net.URI back = dev.tokenkeeper.servlet.login.CookieBrowser.location(
            browser.follow(start));
        var callback = browser.get(login.uri(back.getRawPath() + "?" + back.getRawQuery()));
        assertEquals(303, callback.statusCode(), callback.body());
        assertNotEquals(sessionBefore, browser.sessionId(), "Tomcat changed the session id");
        Map<String, String> page = Browser.lines(browser.get(login.uri("/app/me")).body());
        assertEquals("alice", page.get("subject"));
        assertTrue(page.get("token").startsWith("at-alice-"), page.toString());

        String csrf = (String) com.nimbusds.jose.util.JSONObjectUtils.parse(
            browser.get(login.uri("/oauth/session")).body()).get("csrf_token");
        var out = browser.post(login.uri("/oauth/logout"), Map.of("csrf", csrf));
        assertEquals(303, out.statusCode(), out.body());
        assertEquals(2, idp.revocations.size());
        assertEquals(401, browser.get(login.uri("/app/me"), "Accept", "application/json")
            .statusCode());
      }
    }
  }

  private static Set<Thread> threads(java.util.function.Predicate<Thread> which) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && which.test(t))
        .collect(Collectors.toSet());
  }

  private static ServletException servletException(Throwable t) {
    while (t != null && !(t instanceof ServletException)) {
      t = t.getCause();
    }
    return (ServletException) t;
  }
}

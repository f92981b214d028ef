package dev.tokenkeeper.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.RetryPolicy;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import dev.tokenkeeper.RefreshCause;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The README's Logging set-up: with {@code slf4j-jdk-platform-logging} (SLF4J's
 * {@code System.LoggerFinder}) and Logback on the class path, and nothing else configured,
 * TokenKeeper's {@code System.Logger} records arrive in Logback under the logger named after the
 * class, at the mapped level, and not in {@code java.util.logging}.
 */
class LogbackRoutingTest {
  private static final String CLIENT_SECRET = "logging-test-client-secret";

  private HttpServer server;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger tokenKeeperLogger =
      (Logger) LoggerFactory.getLogger("dev.tokenkeeper");
  private final List<LogRecord> julRecords = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Handler julHandler = new Handler() {
    @Override public void publish(LogRecord record) {
      julRecords.add(record);
    }
    @Override public void flush() {}
    @Override public void close() {}
  };

  @BeforeEach
  void setUp() throws Exception {
    appender.start();
    tokenKeeperLogger.addAppender(appender);
    java.util.logging.Logger.getLogger("").addHandler(julHandler);
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.ALL);
    AtomicInteger calls = new AtomicInteger();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/token", exchange -> {
      exchange.getRequestBody().readAllBytes();
      boolean fail = calls.incrementAndGet() == 1;
      byte[] body = (fail ? "{\"error\":\"temporarily_unavailable\"}"
          : "{\"access_token\":\"at-logged\",\"token_type\":\"bearer\",\"expires_in\":3600}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(fail ? 503 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterEach
  void tearDown() {
    tokenKeeperLogger.detachAppender(appender);
    java.util.logging.Logger.getLogger("").removeHandler(julHandler);
    server.stop(0);
  }

  @Test
  void tokenKeepersRecordsArriveInLogbackWithTheirLevelAndLoggerName() {
    assertEquals("org.slf4j.jdk.platform.logging.SLF4JSystemLoggerFinder",
        System.LoggerFinder.getLoggerFinder().getClass().getName(),
        "SLF4J's LoggerFinder is picked up from the class path, with no code");

    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
    try (TokenEndpoint endpoint = TokenEndpoint.builder(uri,
            ClientAuthentication.basic("client-1", CLIENT_SECRET)).build();
        TokenManager manager = TokenManager.builder(endpoint)
            .primaryGrant(Grant.clientCredentials())
            // One quick retry after the 503: a DEBUG record per attempt and for the retry.
            .retryPolicy(new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(10)))
            .listener(new TokenListener() {
              @Override public void onToken(String key, TokenResponse r, RefreshCause cause) {
                throw new IllegalStateException("a listener that throws");
              }
            })
            .build()) {
      assertEquals("at-logged", manager.token("alice@example.com").value());
      // A WARNING: the listener threw (logged, ignored).
      ILoggingEvent warning = only(Level.WARN, "a TokenListener threw");
      assertEquals("dev.tokenkeeper.TokenManager", warning.getLoggerName());
      assertEquals("java.lang.IllegalStateException",
          warning.getThrowableProxy().getClassName(), "the exception travels with the record");
      // DEBUG: each token request, and the transient failure that was retried.
      ILoggingEvent retry = only(Level.DEBUG, "failed transiently (status 503); attempt 2");
      assertEquals("dev.tokenkeeper.TokenManager", retry.getLoggerName());
      assertTrue(events(Level.DEBUG, "token request for key 'alice@example.com': grant_type"
          + " client_credentials, cause INITIAL").size() == 2, appender.list.toString());
    }
    for (ILoggingEvent e : appender.list) {
      assertTrue(e.getLoggerName().startsWith("dev.tokenkeeper."), e.getLoggerName());
      assertFalse(e.getFormattedMessage().contains(CLIENT_SECRET), e.getFormattedMessage());
    }
    assertTrue(julRecords.stream().noneMatch(r -> r.getLoggerName() != null
        && r.getLoggerName().startsWith("dev.tokenkeeper")),
        "nothing of TokenKeeper's went to java.util.logging");
  }

  @Test
  void aLevelSetInLogbackDecidesWhatIsLogged() {
    Logger manager = (Logger) LoggerFactory.getLogger("dev.tokenkeeper.TokenManager");
    Level before = manager.getLevel();
    manager.setLevel(Level.WARN);
    try {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
      try (TokenEndpoint endpoint = TokenEndpoint.builder(uri,
              ClientAuthentication.basic("client-1", CLIENT_SECRET)).build();
          TokenManager tokens = TokenManager.builder(endpoint)
              .primaryGrant(Grant.clientCredentials())
              .retryPolicy(RetryPolicy.none())
              .build()) {
        assertThrows(TokenEndpointException.class, () -> tokens.token("k"));
      }
      assertTrue(events(Level.DEBUG, "").isEmpty(), "DEBUG is off for the manager: "
          + appender.list);
    } finally {
      manager.setLevel(before);
    }
  }

  private List<ILoggingEvent> events(Level level, String fragment) {
    return appender.list.stream()
        .filter(e -> e.getLevel() == level && e.getFormattedMessage().contains(fragment))
        .toList();
  }

  private ILoggingEvent only(Level level, String fragment) {
    List<ILoggingEvent> found = events(level, fragment);
    assertEquals(1, found.size(), "one " + level + " <" + fragment + "> in " + appender.list);
    return found.get(0);
  }
}

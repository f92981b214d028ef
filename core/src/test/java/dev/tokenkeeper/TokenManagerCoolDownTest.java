package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failures cool down for every caller (issue 8, item 5): a key without a usable token whose
 * request failed fails fast, with the same cause, until the cool-down passes.
 */
class TokenManagerCoolDownTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();

  private final Logger logger = Logger.getLogger(TokenManager.class.getName());
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void captureWarnings() {
    logger.addHandler(capture);
  }

  @AfterEach
  void stopCapturing() {
    logger.removeHandler(capture);
  }

  private TokenManager manager() {
    return fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler()));
  }

  @Test
  void twentyCallersWithinASecondAgainst429RetryAfter60SendOneRequest() {
    ScriptedServer server = fx.serve(r -> Answer.error(429, "slow_down")
        .withHeader("Retry-After", "60"));
    TokenManager manager = manager();

    TokenEndpointException first = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    for (int i = 1; i < 20; i++) {
      clock.advance(Duration.ofMillis(50));
      TokenEndpointException again = assertThrows(TokenEndpointException.class,
          () -> manager.token("k1"));
      assertSame(first, again, "the same cause");
    }
    assertEquals(1, server.count());
    assertTrue(manager.tokenAsync("k1").isCompletedExceptionally(), "fails fast async too");

    clock.advance(Duration.ofSeconds(60));
    assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
    assertEquals(2, server.count(), "one request per cool-down");
  }

  @Test
  void aWrongClientSecretCostsOneRequestPerCoolDown() {
    ScriptedServer server = fx.serve(r -> Answer.error(401, "invalid_client"));
    TokenManager manager = manager();

    for (int i = 0; i < 20; i++) {
      TokenEndpointException e = assertThrows(TokenEndpointException.class,
          () -> manager.token("k1"));
      assertEquals("invalid_client", e.error().orElseThrow());
      clock.advance(Duration.ofMillis(100));
    }
    assertEquals(1, server.count());

    clock.advance(TokenManager.DEFAULT_FAILURE_COOL_DOWN);
    assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
    assertEquals(2, server.count());
  }

  @Test
  void otherKeysAndAPutAreNotHeldBackByAKeysCoolDown() {
    ScriptedServer server = fx.serve(r -> Answer.error(400, "invalid_scope"));
    TokenManager manager = manager();
    assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
    assertThrows(TokenEndpointException.class, () -> manager.token("k2"));
    assertEquals(2, server.count(), "k2 has its own request");

    manager.put("k1", fx.response("at-1", 3600, null));
    assertEquals("at-1", manager.token("k1").value(), "a put ends the cool-down");
  }

  @Test
  void failedSequencesAreLoggedAtWarningOncePerKeyPerMinute() {
    fx.serve(r -> Answer.error(401, "invalid_client"));
    TokenManager manager = manager();

    for (int i = 0; i < 5; i++) { // five cool-downs within a minute: five requests, one WARNING
      assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
      clock.advance(TokenManager.DEFAULT_FAILURE_COOL_DOWN);
    }
    assertEquals(1, warnings.size(), () -> warnings.stream().map(LogRecord::getMessage).toList()
        .toString());
    assertTrue(warnings.get(0).getMessage().contains("k1"), warnings.get(0).getMessage());

    clock.advance(Duration.ofMinutes(1));
    assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
    assertThrows(TokenEndpointException.class, () -> manager.token("k2"));
    assertEquals(3, warnings.size(), "a minute later, and another key, are warned again");
  }
}

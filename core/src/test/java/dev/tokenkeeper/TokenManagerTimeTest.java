package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.T0;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Durations run on the monotonic ticker, absolute instants on the wall clock (issue 8, item 10):
 * a wall-clock step never serves an expired token, nor ends a valid one early.
 */
class TokenManagerTimeTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();

  private ScriptedServer countingServer() {
    AtomicInteger n = new AtomicInteger();
    return fx.serve(r -> ok("at-" + n.incrementAndGet(), 3600, null));
  }

  @Test
  void aOneHourTokenAfterTheWallClockSteppedBackAndTwoHours50MinutesElapsedIsReplaced() {
    ScriptedServer server = countingServer();
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler()));
    assertEquals("at-1", manager.token("k1").value());

    clock.step(Duration.ofHours(-2));
    clock.advance(Duration.ofMinutes(170)); // the wall clock shows 50 min after the first token

    assertEquals("at-2", manager.token("k1").value());
    assertEquals(2, server.count());
  }

  @Test
  void aWallClockStepForwardDoesNotEndAValidTokenEarly() {
    ScriptedServer server = countingServer();
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler()));
    assertEquals("at-1", manager.token("k1").value());

    clock.step(Duration.ofHours(3));
    clock.advance(Duration.ofMinutes(10));

    assertEquals("at-1", manager.token("k1").value());
    assertEquals(1, server.count());
  }

  @Test
  void anAbsoluteSessionEndIsReadOnTheWallClock() {
    fx.serve(r -> ok("never", 3600, null));
    TokenManager manager = fx.manager(fx.builder().scheduler(fx.scheduler()));
    manager.put("k1", TokenResponse.builder("at-1", clock.instant())
        .expiresIn(Duration.ofHours(8)).refreshToken("rt-1")
        .sessionExpirationTime(T0.plus(Duration.ofHours(1))).build());

    clock.step(Duration.ofHours(2)); // the provider's instant has passed on the wall clock
    clock.advance(Duration.ofSeconds(2)); // past the touch interval: the use is checked

    assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));
  }

  @Test
  void sessionTimeoutsAreShownAsWallInstants() {
    fx.serve(r -> ok("never", 3600, null));
    TokenManager manager = fx.manager(fx.builder().scheduler(fx.scheduler()));
    manager.put("k1", TokenResponse.builder("at-1", clock.instant())
        .expiresIn(Duration.ofHours(1)).sessionIdleTimeout(Duration.ofMinutes(15))
        .sessionExpiresIn(Duration.ofHours(8)).build());

    SessionTimeouts t = manager.session("k1");
    assertEquals(T0.plus(Duration.ofMinutes(15)), t.idleDeadline());
    assertEquals(T0.plus(Duration.ofHours(8)), t.absoluteDeadline());
  }
}

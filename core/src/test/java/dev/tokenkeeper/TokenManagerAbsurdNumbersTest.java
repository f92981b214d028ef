package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A provider's "never" and other absurd numbers never break the manager (issue 8, item 2): every
 * duration and deadline saturates, and a timer never runs inline when scheduling fails.
 */
class TokenManagerAbsurdNumbersTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();

  private static final Instant YEAR_9999 = Instant.parse("9999-12-31T23:59:59Z");

  /** Refuses every task: a scheduler that is shut down, or a queue that is full. */
  private static final TokenManager.Scheduler REFUSING = (task, delay) -> {
    throw new RejectedExecutionException("scheduler is shut down");
  };

  @Test
  void aSessionEndingInTheYear9999IsHeldWithTheDefaultScheduler() {
    fx.serve(r -> ok("never", 3600, null));
    TokenManager manager = fx.manager(fx.builder()); // the manager's own daemon scheduler
    manager.put("k1", TokenResponse.builder("at-1", clock.instant())
        .expiresIn(Duration.ofHours(1)).refreshToken("rt-1")
        .sessionExpirationTime(YEAR_9999).build());

    assertEquals("at-1", manager.token("k1").value());
    assertEquals(YEAR_9999, manager.session("k1").endsAt().orElseThrow());
    assertTrue(manager.sessionTimers() <= 1, () -> manager.sessionTimers() + " timers");
  }

  @Test
  void anExpiresInOf10To16SecondsIsServedFromTheCache() {
    ScriptedServer server = fx.serve(r -> Answer.json(200, "{\"access_token\":\"at-1\","
        + "\"token_type\":\"bearer\",\"expires_in\":10000000000000000,"
        + "\"session_expires_in\":10000000000000000,\"session_idle_timeout\":10000000000000000}"));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler()));

    assertEquals("at-1", manager.token("k1").value());
    clock.advance(Duration.ofDays(365));
    assertEquals("at-1", manager.token("k1").value());
    assertEquals(1, server.count());
  }

  @Test
  void aRetryAfterOfSixteenNinesFailsTheRequestWithTheBudgetUsedUp() {
    ScriptedServer server = fx.serve(r -> Answer.error(429, "slow_down")
        .withHeader("Retry-After", "9999999999999999"));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler()));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("retry budget is used up"), e.getMessage());
    assertEquals(1, server.count());
    assertEquals(List.of(), fx.scheduler().pending(), "nothing left scheduled");
  }

  @Test
  void aRetryPolicyOfCenturiesWaitsInsteadOfOverflowing() throws Exception {
    ScriptedServer server = fx.serve(r -> Answer.error(503, "temporarily_unavailable"));
    Duration centuries = Duration.ofSeconds(Long.MAX_VALUE / 4);
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler())
        .retryPolicy(new RetryPolicy(3, centuries, centuries, centuries)));

    CompletableFuture<AccessToken> token = manager.tokenAsync("k1");

    fx.scheduler().awaitPending(1); // the retry waits its (saturated) turn
    assertFalse(token.isDone(), () -> "failed: " + token);
    assertEquals(1, server.count());
  }

  @Test
  void aSchedulerThatRefusesNeverRunsTheSessionTimerInline() {
    fx.serve(r -> ok("never", 3600, null));
    AtomicInteger offered = new AtomicInteger();
    TokenManager manager = fx.manager(fx.builder().scheduler((task, delay) -> {
      offered.incrementAndGet();
      REFUSING.schedule(task, delay);
    }));

    manager.put("k1", TokenResponse.builder("at-1", clock.instant())
        .expiresIn(Duration.ofHours(1)).refreshToken("rt-1")
        .sessionIdleTimeout(Duration.ofMinutes(15)).build());

    assertEquals("at-1", manager.token("k1").value());
    assertTrue(offered.get() <= 2, () -> offered.get() + " tasks offered: the timer ran inline");
  }

  @Test
  void aRetryTheSchedulerRefusesFailsTheRequestInsteadOfRunningInline() {
    ScriptedServer server = fx.serve(r -> Answer.error(503, "temporarily_unavailable"));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(REFUSING));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("could not be scheduled"), e.getMessage());
    assertEquals(1, server.count());
  }

  @Test
  void aRefusedRefreshAnswerStillHandsOverItsRotatedRefreshToken() {
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> calls.incrementAndGet() == 1
        // Readable, with a rotated refresh token, but refused (token_type "mac").
        ? Answer.json(200, "{\"access_token\":\"at-2\",\"token_type\":\"mac\","
            + "\"expires_in\":3600,\"refresh_token\":\"rt-2\"}")
        : ok("at-3", 3600, "rt-3"));
    TokenManager manager = fx.manager(fx.builder().scheduler(fx.scheduler())
        .retryPolicy(RetryPolicy.none()));
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));
    clock.advance(Duration.ofSeconds(3600));

    assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
    clock.advance(Duration.ofMinutes(5)); // past any cool-down
    assertEquals("at-3", manager.token("k1").value());

    assertEquals(List.of("rt-1", "rt-2"),
        server.requests().stream().map(r -> r.param("refresh_token")).toList(),
        "rt-1 was rotated by the refused answer: the next refresh sends rt-2");
  }
}

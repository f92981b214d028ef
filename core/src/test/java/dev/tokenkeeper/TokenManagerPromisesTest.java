package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.ManualScheduler;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The promises of issue 8 that an attack broke, one regression test each (items 3, 4, 7, 11):
 * each failed on the manager before the fix.
 */
class TokenManagerPromisesTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();
  private final ManualScheduler scheduler = fx.scheduler();

  private static long refreshesWith(ScriptedServer server, String refreshToken) {
    return server.count(r -> refreshToken.equals(r.param("refresh_token")));
  }

  // ---- item 3: a refused refresh token is gone at once ----------------------------------

  @Test
  void aRefreshTokenRefusedThenAFailedFallbackIsNeverSentAgain() {
    ScriptedServer server = fx.serve(r -> "refresh_token".equals(r.grantType())
        ? Answer.error(400, "invalid_grant")
        : Answer.error(400, "invalid_scope"));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(scheduler));
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));
    clock.advance(Duration.ofSeconds(3600));

    assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
    for (int i = 0; i < 3; i++) {
      clock.advance(Duration.ofMinutes(10)); // past any cool-down
      scheduler.runDue();
      assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
    }
    assertEquals(1, refreshesWith(server, "rt-1"), "the dead refresh token was sent again");
  }

  @Test
  void aRefreshTokenRefusedAheadOfExpiryIsNotSentByTheNextBackgroundCycle() {
    ScriptedServer server = fx.serve(r -> "refresh_token".equals(r.grantType())
        ? Answer.error(400, "invalid_grant")
        : Answer.error(401, "invalid_client"));
    AtomicInteger failures = new AtomicInteger();
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(scheduler).listener(new TokenListener() {
          @Override
          public void onFailure(String key, Throwable failure, boolean stillServing) {
            failures.incrementAndGet();
          }
        }));
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));

    clock.advance(Duration.ofSeconds(3400)); // STALE: background refresh, then fallback, fail
    for (int i = 1; i <= 5; i++) {
      assertEquals("at-1", manager.token("k1").value());
      int cycle = i;
      // The background requests run on other threads: wait for their outcome, not for time.
      TokenManagerFixture.await("background cycle " + i, () -> failures.get() >= cycle);
      clock.advance(Duration.ofSeconds(20)); // past the cool-down of a background failure
    }
    assertEquals(1, refreshesWith(server, "rt-1"), "the dead refresh token was sent again");
    assertEquals(6, server.count());
  }

  // ---- item 4: one request per key survives eviction ------------------------------------

  @Test
  void aKeyWithARequestInFlightSurvivesSizeEvictionAndGetsOneRequest() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch arrived = new CountDownLatch(1);
    ScriptedServer server = fx.serve(r -> {
      if ("slow".equals(r.param("endpoint_id"))) {
        arrived.countDown();
        release.await();
        return ok("at-slow", 3600, null);
      }
      return ok("at-" + r.param("endpoint_id"), 3600, null);
    });
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .maximumSize(2).scheduler(scheduler));

    CompletableFuture<AccessToken> first = manager.tokenAsync("slow");
    assertTrue(arrived.await(15, TimeUnit.SECONDS));
    for (int i = 0; i < 50; i++) {
      manager.put("other-" + i, fx.response("at-o" + i, 3600, null)); // size pressure
    }
    manager.cleanUp();
    CompletableFuture<AccessToken> second = manager.tokenAsync("slow");
    release.countDown();

    assertEquals("at-slow", first.get(15, TimeUnit.SECONDS).value());
    assertEquals("at-slow", second.get(15, TimeUnit.SECONDS).value());
    assertEquals("at-slow", manager.token("slow").value(), "the answer is kept");
    assertEquals(1, server.count(r -> "slow".equals(r.param("endpoint_id"))));
  }

  @Test
  void withoutWindowOrMarginEachExpiryCostsExactlyOneRequest() {
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> ok("at-" + calls.incrementAndGet(), 600, null));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .refreshWindow(Duration.ZERO).expiryMargin(Duration.ZERO).scheduler(scheduler));
    assertEquals("at-1", manager.token("k1").value());

    for (int i = 2; i <= 6; i++) {
      clock.advance(Duration.ofSeconds(590));
      assertEquals("at-" + (i - 1), manager.token("k1").value()); // a use shortly before expiry
      clock.advance(Duration.ofSeconds(10));
      assertEquals("at-" + i, manager.token("k1").value());
      assertEquals("at-" + i, manager.token("k1").value());
      assertEquals(i, server.count(), "one request per expiry");
    }
  }

  @Test
  void thirtyTwoCallersAtTheExpiryWithoutMarginMakeOneRequest() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> ok("at-" + calls.incrementAndGet(), 600, null));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .refreshWindow(Duration.ZERO).expiryMargin(Duration.ZERO).scheduler(scheduler));
    assertEquals("at-1", manager.token("k1").value());
    clock.advance(Duration.ofSeconds(590));
    assertEquals("at-1", manager.token("k1").value());
    clock.advance(Duration.ofSeconds(10)); // the expiry: the cache entry expires this instant too

    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<String>> got = new CopyOnWriteArrayList<>();
    List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < 32; i++) {
      CompletableFuture<String> f = new CompletableFuture<>();
      got.add(f);
      Thread t = new Thread(() -> {
        try {
          start.await();
          f.complete(manager.token("k1").value());
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      });
      threads.add(t);
      t.start();
    }
    start.countDown();
    for (CompletableFuture<String> f : got) {
      assertEquals("at-2", f.get(15, TimeUnit.SECONDS));
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(2, server.count(), "one request at the expiry");
  }

  // ---- item 7: timers are bounded -------------------------------------------------------

  @Test
  void tenThousandPutAndInvalidateCyclesLeaveNoTimerBehind() {
    fx.serve(r -> ok("never", 3600, null));
    TokenManager manager = fx.manager(fx.builder().scheduler(scheduler));
    for (int i = 0; i < 10_000; i++) {
      manager.put("k" + (i % 10), TokenResponse.builder("at-" + i, clock.instant())
          .expiresIn(Duration.ofHours(1)).refreshToken("rt-" + i)
          .sessionIdleTimeout(Duration.ofMinutes(15)).build());
      manager.invalidate("k" + (i % 10));
    }
    manager.put("live", TokenResponse.builder("at-live", clock.instant())
        .expiresIn(Duration.ofHours(1)).sessionIdleTimeout(Duration.ofMinutes(15)).build());

    assertTrue(scheduler.pending().size() <= 1, scheduler.pending().size() + " pending tasks");
    assertEquals(1, manager.sessionTimers());
  }

  @Test
  void aReplacedOrEvictedKeyKeepsAtMostOneTimer() {
    fx.serve(r -> ok("never", 3600, null));
    TokenManager manager = fx.manager(fx.builder().scheduler(scheduler).maximumSize(5));
    for (int i = 0; i < 1_000; i++) {
      clock.advance(Duration.ofMillis(7)); // a new due time every time
      manager.put("k" + (i % 20), TokenResponse.builder("at-" + i, clock.instant())
          .expiresIn(Duration.ofHours(1)).sessionIdleTimeout(Duration.ofMinutes(15)).build());
    }
    manager.cleanUp();
    assertTrue(manager.sessionTimers() <= manager.indexSize(),
        manager.sessionTimers() + " timers for " + manager.indexSize() + " keys");
    assertTrue(scheduler.pending().size() <= 2, scheduler.pending().size() + " pending tasks");
  }

  // ---- item 11: events say what happened ------------------------------------------------

  @Test
  void aNewSessionAfterTheTimerEndedTheIdleOneIsReportedAsReacquired() {
    List<String> causes = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    fx.serve(r -> ok("at-" + calls.incrementAndGet(), 3600, "rt", "\"session_idle_timeout\":900"));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(scheduler).executor(Runnable::run).listener(new TokenListener() {
          @Override
          public void onToken(String key, TokenResponse response, RefreshCause cause) {
            causes.add(cause.name());
          }
        }));
    assertEquals("at-1", manager.token("k1").value());

    clock.advance(Duration.ofSeconds(1000)); // idle past 900 s: the timer fires first
    scheduler.runDue();
    manager.cleanUp();
    assertEquals("at-2", manager.token("k1").value());

    assertEquals(List.of("INITIAL", "REACQUIRED"), causes);
  }

  @Test
  void aNewSessionAfterAnAbsoluteEndNoticedOnUseIsReportedAsReacquired() {
    List<String> causes = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    fx.serve(r -> ok("at-" + calls.incrementAndGet(), 3600, "rt", "\"session_expires_in\":1800"));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(scheduler).executor(Runnable::run).listener(new TokenListener() {
          @Override
          public void onToken(String key, TokenResponse response, RefreshCause cause) {
            causes.add(cause.name());
          }
        }));
    assertEquals("at-1", manager.token("k1").value());

    clock.advance(Duration.ofSeconds(1801));
    manager.cleanUp(); // the cache's expiry comes before any timer or use
    assertEquals("at-2", manager.token("k1").value());

    assertEquals(List.of("INITIAL", "REACQUIRED"), causes);
  }
}

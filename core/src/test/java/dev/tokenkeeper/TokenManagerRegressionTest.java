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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One test per bug found in the review of TokenManager; each failed before its fix. */
class TokenManagerRegressionTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();
  private final ManualScheduler scheduler = fx.scheduler();

  /**
   * The default scheduler hands a due retry to the executor; an executor that refuses it then
   * (bounded pool full, or shut down) made the JDK's delayed executor drop the task silently, so
   * the request never completed and every caller of the key waited for ever.
   */
  @Test
  void retryRefusedByTheExecutorWhenDueStillCompletesTheCallers() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> calls.incrementAndGet() == 1
        ? Answer.error(503, "temporarily_unavailable").withHeader("Retry-After", "0")
        : ok("at-1", 3600, null));
    TokenManager manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials())
        .executor(task -> {
          throw new RejectedExecutionException("pool is full");
        }));

    CompletableFuture<AccessToken> token = manager.tokenAsync("k1");

    // A guard against the hang, not time logic: Retry-After 0 makes the retry due at once.
    assertEquals("at-1", token.get(15, TimeUnit.SECONDS).value());
    assertEquals(2, server.count());
  }

  /**
   * An entry's expiry was the moment its token expired, even while a token request for it was in
   * flight: when the request outlived that moment (a slow provider, retries), Caffeine evicted the
   * key, the next caller found no entry and sent a second request, and the answer of the first
   * landed in the evicted holder and was lost.
   */
  @Test
  void keyIsNotEvictedWhileItsTokenRequestIsInFlight() throws Exception {
    CountDownLatch secondArrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> {
      int n = calls.incrementAndGet();
      if (n == 1) {
        return ok("at-1", 600, null);
      }
      secondArrived.countDown();
      release.await();
      return ok("at-" + n, 600, null);
    });
    TokenManager manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials())
        .scheduler(scheduler));
    assertEquals("at-1", manager.token("k1").value());

    // Past usableUntil (600 s minus a 30 s margin): the caller waits for the one new request.
    clock.advance(Duration.ofSeconds(580));
    CompletableFuture<AccessToken> waiting = manager.tokenAsync("k1");
    assertTrue(secondArrived.await(15, TimeUnit.SECONDS));

    // The provider is slow: the old token's expiry passes while the request is open.
    clock.advance(Duration.ofSeconds(30));
    manager.cleanUp();
    assertEquals(1, manager.indexSize(), "the key with a request in flight stays");
    CompletableFuture<AccessToken> late = manager.tokenAsync("k1");

    release.countDown();
    assertEquals("at-2", waiting.get(15, TimeUnit.SECONDS).value());
    assertEquals("at-2", late.get(15, TimeUnit.SECONDS).value());
    assertEquals("at-2", manager.token("k1").value(), "the answer is kept");
    assertEquals(2, server.count(), "one request in flight per key");

    // Once nothing is in flight, the entry expires as before.
    clock.advance(Duration.ofSeconds(601));
    manager.cleanUp();
    assertEquals(0, manager.indexSize());
  }

  /**
   * The entry expired at the refresh token's expiry even when the access token outlived it, so a
   * key without a primary grant (a signed-in user) was logged out while its access token was
   * still valid, instead of being served until that token's expiry.
   */
  @Test
  void accessTokenOutlivingItsRefreshTokenIsServedUntilItExpires() {
    ScriptedServer server = fx.serve(r -> ok("unused", 3600, null));
    TokenManager manager = fx.manager(fx.builder().scheduler(scheduler));
    manager.put("user-1", TokenResponse.builder("at-1", clock.instant())
        .expiresIn(Duration.ofSeconds(3600))
        .refreshToken("rt-1")
        .refreshTokenExpiresIn(Duration.ofSeconds(600))
        .build());

    clock.advance(Duration.ofSeconds(601));
    manager.cleanUp();
    assertEquals("at-1", manager.token("user-1").value());
    // Inside the refresh window: still served, and the dead refresh token is not sent.
    clock.advance(Duration.ofSeconds(2799));
    manager.cleanUp();
    assertEquals("at-1", manager.token("user-1").value());
    assertEquals(0, server.count());

    // Past usableUntil (3600 s minus the 30 s margin): nothing can renew it.
    clock.advance(Duration.ofSeconds(171));
    assertThrows(ReauthenticationRequiredException.class, () -> manager.token("user-1"));
    assertEquals(0, manager.indexSize());
    assertEquals(0, server.count());
  }

  /**
   * The first call after an idle key's entry had expired (but was not yet evicted) evicted it
   * through its own bookkeeping read, yet went on to send its token request from the evicted
   * holder: that answer was lost, and the next caller (or any caller meanwhile) sent another.
   */
  @Test
  void firstCallAfterTheEntryExpiredSendsTheOnlyRequest() {
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> ok("at-" + calls.incrementAndGet(), 600, null));
    TokenManager manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials())
        .scheduler(scheduler));
    assertEquals("at-1", manager.token("k1").value());

    clock.advance(Duration.ofSeconds(601)); // past expiry; nothing has run the maintenance
    assertEquals("at-2", manager.token("k1").value());
    assertEquals("at-2", manager.token("k1").value());
    assertEquals(2, server.count());
  }
}

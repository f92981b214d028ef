package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.await;
import static dev.tokenkeeper.testing.TokenManagerFixture.tokenJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.ManualScheduler;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The token-endpoint budget in a {@link TokenManager}, against a loopback provider that logs when
 * (on the test's ticker) each request arrives. Time is the fixture's clock and scheduler: no
 * sleeps; the test waits (in real time) only for loopback answers to be handled.
 */
class TokenManagerBudgetTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();
  private final ManualScheduler scheduler = fx.scheduler();

  /** A request as the provider logged it: when (ticker nanos), its grant and endpoint_id. */
  record Arrival(long at, String grant, String endpointId, String refreshToken) {}

  private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final List<TokenEndpoint> endpoints = new ArrayList<>();
  private final List<TokenManager> managers = new ArrayList<>();

  @AfterEach
  void closeEndpoints() {
    endpoints.forEach(TokenEndpoint::close);
  }

  /** A provider that logs every request and answers each with a new token of {@code ttl}. */
  private ScriptedServer provider(long ttl, Function<ScriptedServer.Request, Answer> special) {
    return fx.serve(r -> {
      if (r.path().equals("/revoke")) {
        arrivals.add(new Arrival(clock.read(), "(revocation)", null, r.param("token")));
        answered.incrementAndGet();
        return Answer.status(200);
      }
      arrivals.add(new Arrival(clock.read(), r.grantType(), r.param("endpoint_id"),
          r.param("refresh_token")));
      Answer a = special == null ? null : special.apply(r);
      if (a != null) {
        answered.incrementAndGet(); // a scripted refusal: its handling is the test's to await
        return a;
      }
      int n = issued.incrementAndGet();
      return Answer.json(200, tokenJson("at-" + n, ttl, "rt-" + n));
    });
  }

  private TokenEndpoint endpoint(TokenBudget budget) {
    TokenEndpoint e = TokenEndpoint.builder(fx.server().uri("/token"),
            ClientAuthentication.basic("client-1", "s3cret-client"))
        .revocationUri(fx.server().uri("/revoke"))
        .requestTimeout(Duration.ofSeconds(20))
        .clock(clock)
        .httpClient(TokenManagerFixture.HTTP)
        .dialect(Dialect.ringCentral()) // keys are sent as endpoint_id, which the log reads
        .budget(budget)
        .build();
    endpoints.add(e);
    return e;
  }

  private TokenManager manager(TokenBudget budget) {
    TokenManager m = managerOn(endpoint(budget));
    managers.add(m);
    return m;
  }

  private TokenManager managerOn(TokenEndpoint endpoint) {
    return fx.manager(TokenManager.builder(endpoint)
        .ticker(clock)
        .scheduler(scheduler)
        .executor(Runnable::run)
        .primaryGrant(Grant.clientCredentials())
        .listener(new TokenListener() {
          @Override
          public void onToken(String key, TokenResponse response, RefreshCause cause) {
            answered.incrementAndGet();
            events.add("token " + key + " " + cause);
          }

          @Override
          public void onFailure(String key, Throwable failure, boolean stillServing) {
            if (!(failure instanceof TokenBudgetExceededException)) {
              answered.incrementAndGet();
            }
            events.add("failure " + key + " " + failure.getClass().getSimpleName());
          }

          @Override
          public void onBudgetDeferred(String key, RefreshCause cause, java.time.Instant next) {
            events.add("deferred " + key + " " + cause);
          }

          @Override
          public void onBudgetRefused(String key, TokenBudgetExceededException refusal) {
            events.add("refused " + key + " " + refusal.reason());
          }
        }));
  }

  /** Moves time on by {@code step}, runs what fell due, and waits until every answer is handled. */
  private void tick(Duration step) {
    clock.advance(step);
    scheduler.runDue();
    settle();
  }

  /**
   * Waits (real time) until every request the budget let through has reached the provider (so the
   * provider logs it at the moment it was sent) and every answer has been handled.
   */
  private void settle() {
    await("every request sent has arrived and been answered", () -> {
      long sent = 0;
      for (TokenManager m : managers) {
        sent += m.budgetStatus().map(BudgetStatus::sent).orElse(0L);
      }
      return arrivals.size() >= sent && answered.get() >= arrivals.size();
    });
  }

  private static long seconds(double s) {
    return (long) (s * 1e9);
  }

  /** The most arrivals within any window of {@code window} nanoseconds. */
  private int mostInAnyWindow(long window) {
    List<Long> times = new ArrayList<>();
    arrivals.forEach(a -> times.add(a.at()));
    Collections.sort(times);
    int best = 0;
    int from = 0;
    for (int to = 0; to < times.size(); to++) {
      while (times.get(to) - times.get(from) >= window) {
        from++;
      }
      best = Math.max(best, to - from + 1);
    }
    return best;
  }

  // ---- the scenarios ---------------------------------------------------------------

  @Test
  void aThousandKeysAtOnceNeverExceedTheBudgetAndCallersWithoutATokenGoFirst() throws Exception {
    provider(3600, null);
    TokenManager manager = manager(TokenBudget.parse("50/1s").withMaxWait(Duration.ofSeconds(10)));
    long t0 = clock.read();
    // 200 keys hold tokens of 600 s (refresh window 300 s, spread 20%, margin 30 s) that are
    // inside their refresh window at 400 s; 800 keys hold nothing. 50 other keys have just spent
    // the window's budget, so the thousand find it short and the priorities decide.
    for (int i = 0; i < 200; i++) {
      manager.put("stale-" + i, TokenResponse.builder("old-" + i, clock.instant())
          .expiresIn(Duration.ofSeconds(600)).refreshToken("rt-old-" + i).build());
    }
    clock.advance(Duration.ofSeconds(400));
    long start = clock.read();
    List<CompletableFuture<AccessToken>> warm = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      warm.add(manager.tokenAsync("warm-" + i));
    }
    settle();
    warm.forEach(CompletableFuture::join);

    int threads = 8;
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 800; i++) {
      keys.add("new-" + i);
    }
    for (int i = 0; i < 200; i++) {
      keys.add(i * 5, "stale-" + i); // mixed in, so neither kind asks first
    }
    List<String> waitedStale = new CopyOnWriteArrayList<>();
    Map<String, CompletableFuture<AccessToken>> calls = new ConcurrentHashMap<>();
    Map<String, Long> doneAt = new ConcurrentHashMap<>();
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger next = new AtomicInteger();
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i; (i = next.getAndIncrement()) < keys.size(); ) {
          String key = keys.get(i);
          CompletableFuture<AccessToken> f = manager.tokenAsync(key);
          if (key.startsWith("stale-") && !(f.isDone() && !f.isCompletedExceptionally())) {
            waitedStale.add(key); // a refresh ahead of expiry must never make its caller wait
          }
          calls.put(key, f.whenComplete((v, e) -> doneAt.put(key, clock.read())));
        }
      });
      thread.start();
      callers.add(thread);
    }
    go.countDown();
    for (Thread t : callers) {
      t.join();
    }
    assertEquals(List.of(), waitedStale);
    settle();
    for (int step = 0; step < 2_500 && manager.budgetStatus().orElseThrow().queued() > 0; step++) {
      tick(Duration.ofMillis(10));
    }
    settle();

    // The provider never saw more than 50 requests in any second.
    assertTrue(mostInAnyWindow(seconds(1)) <= 50, "at most 50 per second: "
        + mostInAnyWindow(seconds(1)));
    // Every caller without a token was served, or refused after exactly its bounded wait.
    int served = 0;
    int refused = 0;
    for (int i = 0; i < 800; i++) {
      String key = "new-" + i;
      CompletableFuture<AccessToken> f = calls.get(key);
      assertTrue(f.isDone(), key + " still waits");
      if (!f.isCompletedExceptionally()) {
        served++;
        continue;
      }
      Throwable e = assertThrowsCompletion(f);
      TokenBudgetExceededException refusal = assertInstanceOf(TokenBudgetExceededException.class, e);
      assertEquals(TokenBudgetExceededException.Reason.WAITED_TOO_LONG, refusal.reason());
      assertTrue(doneAt.get(key) - start >= seconds(10), key + " gave up early");
      refused++;
    }
    assertEquals(800, served + refused);
    // The window's 50 were spent at 400 s; then 50 per 1.01 s until the 10 s wait ran out.
    assertEquals(450, served);
    // Callers without a token were served before any refresh ahead of expiry was sent.
    long lastInitial = arrivals.stream().filter(a -> a.grant().equals("client_credentials"))
        .filter(a -> a.endpointId().startsWith("new-")).mapToLong(Arrival::at).max()
        .orElseThrow();
    long firstRefresh = arrivals.stream().filter(a -> a.grant().equals("refresh_token"))
        .mapToLong(Arrival::at).min().orElseThrow();
    assertTrue(lastInitial < firstRefresh, "a refresh went before a waiting caller");
    // The 200 refreshes were all sent (deferred, never dropped), each before its expiry margin.
    assertEquals(200, arrivals.stream().filter(a -> a.grant().equals("refresh_token")).count());
    assertTrue(arrivals.stream().filter(a -> a.grant().equals("refresh_token"))
        .allMatch(a -> a.at() - t0 < seconds(570)));
    TokenManager.Stats stats = manager.stats();
    assertEquals(200, stats.budgetDeferred());
    assertEquals(1000, stats.budgetQueued());
    assertEquals(350, stats.budgetRefused());
    assertEquals(arrivals.size(), stats.requests());
  }

  private static Throwable assertThrowsCompletion(CompletableFuture<?> f) {
    try {
      f.join();
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("completed normally");
  }

  @Test
  void deferredRefreshesNeverMakeACallerWaitAndLandBeforeTheExpiryMargin() {
    provider(600, null);
    // One request per 10 s for five keys that all enter their window at the same moment (no
    // spread): the budget has room for all five before their margin, one after the other.
    TokenManager manager = manager(TokenBudget.parse("1/10s").withSpread(0));
    long t0 = clock.read();
    for (int i = 0; i < 5; i++) {
      manager.put("k" + i, TokenResponse.builder("old-" + i, clock.instant())
          .expiresIn(Duration.ofSeconds(600)).refreshToken("rt-old-" + i).build());
    }
    clock.advance(Duration.ofSeconds(300)); // refreshAt = 300 s, usableUntil = 570 s
    for (int second = 300; second < 600; second++) {
      for (int i = 0; i < 5; i++) {
        CompletableFuture<AccessToken> f = manager.tokenAsync("k" + i);
        assertTrue(f.isDone(), "k" + i + " made its caller wait at " + second + " s");
        AccessToken token = f.join();
        assertFalse(f.isCompletedExceptionally());
        // Never served past its expiry margin: an old token only until 570 s.
        assertTrue(second < 570 || !token.value().startsWith("old-"), "k" + i + " at " + second);
      }
      tick(Duration.ofSeconds(1));
    }
    List<Arrival> refreshes = arrivals.stream().filter(a -> a.grant().equals("refresh_token"))
        .toList();
    assertEquals(5, refreshes.size(), "one refresh per key: " + refreshes);
    for (int i = 0; i < 5; i++) {
      String old = "rt-old-" + i;
      Arrival a = refreshes.stream().filter(r -> old.equals(r.refreshToken())).findFirst()
          .orElseThrow();
      assertTrue(a.at() - t0 < seconds(570), "k" + i + " refreshed only at "
          + (a.at() - t0) / 1e9 + " s");
    }
    assertTrue(mostInAnyWindow(seconds(10)) <= 1);
    assertTrue(events.contains("deferred k1 AHEAD_OF_EXPIRY"), events.toString());
    assertEquals(0, manager.stats().budgetRefused());
    assertEquals(0, manager.stats().failures());
  }

  @Test
  void aRefreshThatCannotEvenQueueIsRetriedOnUseOnceASlotFreesBeforeItsMargin() {
    provider(3600, null);
    TokenManager manager = manager(TokenBudget.parse("1/60s").withMaxQueuedKeys(0)
        .withSpread(0));
    long t0 = clock.read();
    manager.put("b", TokenResponse.builder("old-b", clock.instant())
        .expiresIn(Duration.ofSeconds(600)).refreshToken("rt-old-b").build());
    clock.advance(Duration.ofSeconds(270));
    manager.token("a"); // takes the slot at 270 s; it frees at 330.6 s
    settle();
    tick(Duration.ofSeconds(30)); // 300 s: b enters its window (usableUntil 570 s)
    assertEquals("old-b", manager.token("b").value());
    assertTrue(events.contains("deferred b AHEAD_OF_EXPIRY"), events.toString());
    assertEquals(1, arrivals.size(), "no slot, no room in the queue: deferred");
    tick(Duration.ofSeconds(30)); // 330 s: the deferral lasts until the slot frees
    assertEquals("old-b", manager.token("b").value());
    assertEquals(1, arrivals.size());
    tick(Duration.ofMillis(600)); // 330.6 s
    assertEquals("old-b", manager.token("b").value(), "the caller still never waits");
    settle();
    assertEquals(2, arrivals.size());
    assertEquals("rt-old-b", arrivals.get(1).refreshToken());
    assertEquals(seconds(330.6), arrivals.get(1).at() - t0);
    assertEquals(0, manager.stats().failures(), "a deferral is no failure");
  }

  @Test
  void aWaitingCallerOvertakesQueuedRefreshesWhenItsRefreshWasQueued() {
    provider(3600, null);
    TokenManager manager = manager(TokenBudget.parse("1/60s").withSpread(0)
        .withMaxWait(Duration.ofMinutes(2)));
    // c's token expires first (its refresh is ordered first), b's later.
    manager.put("c", TokenResponse.builder("old-c", clock.instant())
        .expiresIn(Duration.ofSeconds(100)).refreshToken("rt-old-c").build());
    manager.put("b", TokenResponse.builder("old-b", clock.instant())
        .expiresIn(Duration.ofSeconds(120)).refreshToken("rt-old-b").build());
    clock.advance(Duration.ofSeconds(60)); // both inside their windows (half their lifetime)
    manager.token("a"); // takes the slot
    settle();
    assertEquals("old-c", manager.token("c").value()); // queued refresh, deadline 90 s
    AccessToken oldB = manager.token("b"); // queued refresh, deadline 108 s
    assertEquals("old-b", oldB.value());
    assertEquals(2, manager.budgetStatus().orElseThrow().queued());
    assertEquals(0, manager.budgetStatus().orElseThrow().waiting());
    // A resource server rejects b's token: its caller now waits for the queued refresh.
    CompletableFuture<AccessToken> rejected = manager.rejected("b", oldB);
    assertFalse(rejected.isDone());
    assertEquals(1, manager.budgetStatus().orElseThrow().waiting());
    tick(Duration.ofMillis(60_600)); // the slot frees: b (a caller waits) before c
    assertEquals("rt-old-b", arrivals.get(1).refreshToken());
    // tick() waits for the listeners, which run before the waiting callers are released.
    await("b's waiting caller is served", rejected::isDone);
    assertEquals("at-2", rejected.join().value());
    tick(Duration.ofMillis(60_600));
    assertEquals("rt-old-c", arrivals.get(2).refreshToken());
  }

  @Test
  void a429WithRetryAfterOnKeyAPausesTheRequestsOfKeyBOnTheInjectedClock() throws Exception {
    AtomicInteger first = new AtomicInteger();
    provider(3600, r -> first.getAndIncrement() == 0
        ? Answer.error(429, "rate_limited").withHeader("Retry-After", "30") : null);
    TokenManager manager = manager(TokenBudget.parse("100/1s"));
    long t0 = clock.read();
    CompletableFuture<AccessToken> a = manager.tokenAsync("a");
    assertEquals(Duration.ofSeconds(30), scheduler.awaitPending(1).get(0).delay(), "a's retry");
    await("the pause", () -> manager.budgetStatus().orElseThrow().pausedUntil() != null);
    assertEquals(TokenManagerFixture.T0.plusSeconds(30),
        manager.budgetStatus().orElseThrow().pausedUntil());

    tick(Duration.ofSeconds(1));
    CompletableFuture<AccessToken> b = manager.tokenAsync("b");
    assertTrue(events.contains("deferred b INITIAL"), events.toString());
    tick(Duration.ofMillis(28_999));
    assertEquals(1, arrivals.size(), "b's request waits for the pause key a caused");
    assertFalse(b.isDone());

    tick(Duration.ofMillis(1));
    await("both served", () -> a.isDone() && b.isDone());
    assertTrue(a.join().value().startsWith("at-") && b.join().value().startsWith("at-"));
    assertEquals(3, arrivals.size());
    assertTrue(arrivals.stream().skip(1).allMatch(x -> x.at() - t0 == seconds(30)),
        "a's retry and b's first request both at 30 s");
  }

  @Test
  void a429WithoutRetryAfterPausesForTheRetryPolicysBackoff() throws Exception {
    AtomicInteger first = new AtomicInteger();
    provider(3600, r -> first.getAndIncrement() == 0 ? Answer.error(429, "slow_down") : null);
    TokenManager manager = manager(TokenBudget.parse("100/1s"));
    CompletableFuture<AccessToken> a = manager.tokenAsync("a");
    scheduler.awaitPending(1);
    await("the pause", () -> manager.budgetStatus().orElseThrow().pausedUntil() != null);
    // RetryPolicy.DEFAULT: the first backoff's cap is 250 ms.
    assertEquals(TokenManagerFixture.T0.plusMillis(250),
        manager.budgetStatus().orElseThrow().pausedUntil());
    CompletableFuture<AccessToken> b = manager.tokenAsync("b");
    tick(Duration.ofMillis(249));
    assertFalse(b.isDone());
    assertEquals(1, arrivals.size());
    tick(Duration.ofMillis(1));
    await("both served", () -> a.isDone() && b.isDone());
    assertEquals("at-", b.join().value().substring(0, 3));
  }

  @Test
  void refreshesOfAThousandTokensAcquiredInTheSameSecondSpreadOverTheWindow() {
    provider(3600, null);
    TokenManager manager = manager(TokenBudget.parse("10000/1s"));
    long t0 = clock.read();
    for (int i = 0; i < 1000; i++) {
      manager.put("key-" + i, TokenResponse.builder("at-" + i, clock.instant())
          .expiresIn(Duration.ofSeconds(3600)).refreshToken("rt-" + i).build());
      if (i % 100 == 99) {
        clock.advance(Duration.ofMillis(99)); // all within one second
      }
    }
    // The refresh window is 300 s: from 3300 s on. Use every key once a second.
    clock.advance(Duration.ofNanos(seconds(3299) - (clock.read() - t0)));
    for (int s = 3299; s < 3570; s++) {
      for (int i = 0; i < 1000; i++) {
        assertTrue(manager.tokenAsync("key-" + i).isDone());
      }
      tick(Duration.ofSeconds(1));
    }
    List<Long> moments = arrivals.stream().filter(a -> a.grant().equals("refresh_token"))
        .map(a -> a.at() - t0).sorted().toList();
    assertEquals(1000, moments.size());
    double spreadOver = (moments.get(999) - moments.get(0)) / (double) seconds(300);
    assertTrue(spreadOver >= 0.15, "spread over " + spreadOver + " of the window");
    assertTrue(moments.get(0) >= seconds(3300) && moments.get(999) < seconds(3570));
  }

  // ---- the rest of the contract --------------------------------------------------------------

  @Test
  void revocationsCountAgainstTheBudget() {
    provider(3600, null);
    TokenManager manager = manager(TokenBudget.parse("2/60s").withMaxWait(Duration.ofMinutes(2)));
    manager.token("a"); // 1 of 2
    settle();
    CompletableFuture<Void> revoked = manager.revoke("a"); // refresh token (2 of 2), then access
    await("the second revocation queues",
        () -> manager.budgetStatus().orElseThrow().queued() == 1);
    assertEquals(2, arrivals.size());
    assertFalse(revoked.isDone(), "the second revocation waits for a slot");
    tick(Duration.ofMillis(60_599));
    assertEquals(2, arrivals.size());
    tick(Duration.ofMillis(1));
    await("the second revocation", () -> arrivals.size() == 3);
    await("revoke completes", revoked::isDone);
    assertEquals(3, manager.budgetStatus().orElseThrow().sent());
    assertEquals(1, manager.stats().requests(), "one token request, two revocations");
  }

  @Test
  void pastTheMaximumQueueCallersFailFastWithTheDocumentedException() {
    provider(3600, null);
    TokenManager manager = manager(TokenBudget.parse("1/60s").withMaxQueuedKeys(1));
    manager.token("a");
    settle();
    CompletableFuture<AccessToken> b = manager.tokenAsync("b");
    CompletableFuture<AccessToken> c = manager.tokenAsync("c");
    assertFalse(b.isDone());
    TokenBudgetExceededException e = assertInstanceOf(TokenBudgetExceededException.class,
        assertThrowsCompletion(c));
    assertEquals(TokenBudgetExceededException.Reason.QUEUE_FULL, e.reason());
    assertTrue(e.getMessage().startsWith("the token request for key 'c' was not sent: the queue"
        + " for the token budget is full (1 requests queued, at most 1); budget 1/60s for the"
        + " endpoint; the next slot frees at 2026-01-01T00:01:00.600Z (in 60600 ms)"),
        e.getMessage());
    assertTrue(events.contains("refused c QUEUE_FULL"), events.toString());
    assertTrue(events.contains("failure c TokenBudgetExceededException"), events.toString());
    assertEquals(1, manager.stats().budgetRefused());
    // Nothing was sent for c, and c's next caller queues afresh (no cool-down).
    assertEquals(1, arrivals.size());
    tick(Duration.ofMillis(60_600));
    assertEquals("at-2", b.join().value());
    assertFalse(manager.tokenAsync("c").isDone());
  }

  @Test
  void aRefusedCallersKeyDoesNotCoolDownItsNextCallerQueuesAgain() {
    provider(3600, null);
    TokenManager manager = manager(TokenBudget.parse("1/60s").withMaxWait(Duration.ofSeconds(10)));
    manager.token("a");
    settle();
    CompletableFuture<AccessToken> first = manager.tokenAsync("b");
    tick(Duration.ofSeconds(10));
    assertInstanceOf(TokenBudgetExceededException.class, assertThrowsCompletion(first));
    // Nothing was sent, so there is no provider failure to cool down from: the next caller
    // queues (and is served when the slot frees) instead of failing fast with the old refusal.
    CompletableFuture<AccessToken> second = manager.tokenAsync("b");
    assertFalse(second.isDone());
    tick(Duration.ofMillis(50_600));
    assertEquals("at-2", second.join().value());
  }

  @Test
  void aQueuedRequestOfARevokedKeyIsNeverSent() {
    provider(3600, null);
    TokenManager manager = manager(TokenBudget.parse("1/60s"));
    manager.token("a");
    settle();
    CompletableFuture<AccessToken> b = manager.tokenAsync("b");
    CompletableFuture<Void> revoked = manager.revoke("b");
    tick(Duration.ofMillis(60_600));
    assertInstanceOf(ReauthenticationRequiredException.class, assertThrowsCompletion(b));
    assertTrue(revoked.isDone());
    assertEquals(1, arrivals.size(), "b's token request was not sent");
  }

  @Test
  void closingFailsTheCallersStillQueued() {
    provider(3600, null);
    TokenManager manager = manager(TokenBudget.parse("1/60s"));
    manager.token("a");
    settle();
    CompletableFuture<AccessToken> b = manager.tokenAsync("b");
    manager.close();
    IllegalStateException e = assertInstanceOf(IllegalStateException.class,
        assertThrowsCompletion(b));
    assertTrue(e.getMessage().contains("waited for a token-budget slot"), e.getMessage());
  }

  @Test
  void twoManagersOnOneEndpointShareItsBudget() {
    provider(3600, null);
    TokenEndpoint endpoint = endpoint(TokenBudget.parse("2/60s"));
    TokenManager one = fx.manager(TokenManager.builder(endpoint).ticker(clock)
        .scheduler(scheduler).primaryGrant(Grant.clientCredentials()));
    TokenManager two = fx.manager(TokenManager.builder(endpoint).ticker(clock)
        .scheduler(scheduler).primaryGrant(Grant.clientCredentials()));
    one.token("a");
    two.token("b");
    CompletableFuture<AccessToken> c = two.tokenAsync("c");
    assertFalse(c.isDone());
    assertEquals(2, arrivals.size());
    assertEquals(2, two.budgetStatus().orElseThrow().used());
    assertNotNull(one.budgetStatus().orElseThrow().nextSlot());
  }

  @Test
  void withoutABudgetThereIsNoStatusAndNoCounters() {
    provider(3600, null);
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials()));
    manager.token("a");
    assertFalse(manager.budgetStatus().isPresent());
    assertEquals(0, manager.stats().budgetQueued());
  }
}

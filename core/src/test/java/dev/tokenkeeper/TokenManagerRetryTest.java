package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.await;
import static dev.tokenkeeper.testing.TokenManagerFixture.endpoint;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.ManualScheduler;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Transient failures: backoff on the injected clock, Retry-After, the budget. No sleeping. */
class TokenManagerRetryTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();
  private final ManualScheduler scheduler = fx.scheduler();
  private final List<String> failures = new CopyOnWriteArrayList<>();

  /** Answers from a queue, then the last one for ever. */
  private static ScriptedServer.Script answers(Answer... answers) {
    Deque<Answer> queue = new ArrayDeque<>(List.of(answers));
    return r -> {
      synchronized (queue) {
        return queue.size() > 1 ? queue.poll() : queue.peek();
      }
    };
  }

  private TokenManager.Builder builder() {
    return fx.builder()
        .scheduler(scheduler)
        .primaryGrant(Grant.clientCredentials())
        .listener(new TokenListener() {
          @Override
          public void onFailure(String key, Throwable failure, boolean stillServing) {
            failures.add(key + " " + stillServing);
          }
        });
  }

  @Test
  void tokenWhen503WithRetryAfterThenRetriedAfterThatDelayOnTheClock() throws Exception {
    ScriptedServer server = fx.serve(answers(
        Answer.error(503, "temporarily_unavailable").withHeader("Retry-After", "2"),
        ok("at-1", 3600, null)));
    TokenManager manager = fx.manager(builder());

    CompletableFuture<AccessToken> token = manager.tokenAsync("k1");
    assertEquals(Duration.ofSeconds(2), scheduler.awaitPending(1).get(0).delay());
    assertEquals(1, server.count());

    clock.advance(Duration.ofMillis(1999));
    assertEquals(0, scheduler.runDue());
    assertFalse(token.isDone());

    clock.advance(Duration.ofMillis(1));
    assertEquals(1, scheduler.runDue());
    assertEquals("at-1", token.join().value());
    assertEquals(2, server.count());
    assertEquals(2, manager.stats().requests());
  }

  @Test
  void tokenWhen429ThenRetriedAfterTheGivenDelay() throws Exception {
    ScriptedServer server = fx.serve(answers(
        Answer.error(429, "slow_down").withHeader("Retry-After", "1"),
        Answer.status(429),
        ok("at-1", 3600, null)));
    TokenManager manager = fx.manager(builder());

    CompletableFuture<AccessToken> token = manager.tokenAsync("k1");
    assertEquals(Duration.ofSeconds(1), scheduler.awaitPending(1).get(0).delay());
    clock.advance(Duration.ofSeconds(1));
    scheduler.runDue();

    // Without Retry-After: full jitter, between 0 and the doubled initial delay (2 x 250 ms).
    await("second retry scheduled", () -> scheduler.delays().size() == 2);
    Duration backoff = scheduler.delays().get(1);
    assertTrue(backoff.compareTo(Duration.ofMillis(500)) <= 0, backoff::toString);
    clock.advance(backoff);
    scheduler.runDue();

    assertEquals("at-1", token.join().value());
    assertEquals(3, server.count());
  }

  @Test
  void tokenWhenTheBudgetIsUsedUpThenAClearException() throws Exception {
    ScriptedServer server = fx.serve(answers(Answer.error(503, "temporarily_unavailable")));
    TokenManager manager = fx.manager(builder()
        .retryPolicy(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1),
            Duration.ofSeconds(30))));

    CompletableFuture<AccessToken> token = manager.tokenAsync("k1");
    for (int retry = 1; retry <= 2; retry++) {
      Duration delay = scheduler.awaitPending(1).get(0).delay();
      clock.advance(delay);
      assertEquals(1, scheduler.runDue());
    }
    CompletionException e = assertThrows(CompletionException.class, token::join);
    TokenEndpointException cause = assertInstanceOf(TokenEndpointException.class, e.getCause());
    assertTrue(cause.getMessage().contains("after 3 attempts"), cause.getMessage());
    assertTrue(cause.getMessage().contains("retry budget is used up"), cause.getMessage());
    assertTrue(cause.getMessage().contains("TokenManager.Builder.retryPolicy"));
    assertEquals(503, cause.statusCode());
    assertTrue(cause.isTransient());
    assertEquals(3, server.count());
    assertEquals(List.of("k1 false"), failures);
    assertTrue(scheduler.pending().isEmpty());
  }

  @Test
  void tokenWhenRetryAfterPassesTheBudgetThenFailsAtOnce() {
    ScriptedServer server = fx.serve(answers(
        Answer.error(503, "temporarily_unavailable").withHeader("Retry-After", "120")));
    TokenManager manager = fx.manager(builder());

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("120000 ms"), e.getMessage());
    assertEquals(1, server.count());
    assertTrue(scheduler.pending().isEmpty());
  }

  @Test
  void tokenWhenTheProviderRefusesThenNoRetry() {
    ScriptedServer server = fx.serve(answers(Answer.error(401, "invalid_client")));
    TokenManager manager = fx.manager(builder());

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    assertEquals("invalid_client", e.error().orElseThrow());
    assertEquals(1, server.count());
    assertTrue(scheduler.delays().isEmpty());
  }

  @Test
  void tokenWhenTheProviderCannotBeReachedThenRetried() throws Exception {
    ScriptedServer gone = ScriptedServer.start(r -> ok("x", 1, null));
    TokenEndpoint unreachable = endpoint(gone, clock);
    gone.close();
    TokenManager manager = fx.manager(TokenManager.builder(unreachable).ticker(clock)
        .scheduler(scheduler)
        .primaryGrant(Grant.clientCredentials())
        .retryPolicy(new RetryPolicy(2, Duration.ofMillis(100), Duration.ofMillis(100),
            Duration.ofSeconds(5))));

    CompletableFuture<AccessToken> token = manager.tokenAsync("k1");
    Duration delay = scheduler.awaitPending(1).get(0).delay();
    clock.advance(delay);
    scheduler.runDue();
    CompletionException e = assertThrows(CompletionException.class, token::join);
    assertEquals(0, ((TokenEndpointException) e.getCause()).statusCode());
    assertEquals(2, manager.stats().requests());
  }

  @Test
  void backgroundRefreshWhenFailingThenTheCurrentTokenKeepsBeingServed() throws Exception {
    ScriptedServer server = fx.serve(answers(Answer.error(503, "temporarily_unavailable")));
    TokenManager manager = fx.manager(builder()
        .primaryRequest(null)
        .retryPolicy(new RetryPolicy(2, Duration.ofMillis(100), Duration.ofSeconds(5),
            Duration.ofSeconds(30))));
    manager.put("k1", fx.response("at-0", 3600, "rt-1"));
    clock.advance(Duration.ofSeconds(3400)); // STALE

    assertEquals("at-0", manager.token("k1").value());
    Duration delay = scheduler.awaitPending(1).get(0).delay();
    assertEquals("at-0", manager.token("k1").value(), "served while the retry waits");
    clock.advance(delay);
    scheduler.runDue();
    await("the background refresh gave up", () -> failures.size() == 1);
    assertEquals(List.of("k1 true"), failures);

    // Still served, and no new attempt during the cool-down (the policy's 5 s maximum delay).
    for (int i = 0; i < 20; i++) {
      assertEquals("at-0", manager.token("k1").value());
    }
    assertEquals(2, server.count());
    assertEquals(0, manager.stats().waits());

    clock.advance(Duration.ofSeconds(5));
    assertEquals("at-0", manager.token("k1").value());
    assertEquals(3, manager.stats().requests(), "after the cool-down one new background attempt");
  }

  @Test
  void retryPolicyBacksOffExponentiallyWithFullJitterUpToTheCap() {
    RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofSeconds(10));
    assertTrue(p.backoff(1, 0.99999).compareTo(Duration.ofMillis(100)) < 0);
    assertEquals(Duration.ofMillis(50), p.backoff(1, 0.5));
    assertEquals(Duration.ofMillis(100), p.backoff(2, 0.5));
    assertEquals(Duration.ofMillis(200), p.backoff(3, 0.5));
    assertEquals(Duration.ofMillis(500), p.backoff(9, 0.5), "capped at maxDelay");
    assertEquals(Duration.ZERO, p.backoff(4, 0.0));
    assertEquals(1, RetryPolicy.none().maxAttempts());
  }

  @Test
  void retryPolicyRejectsNonsenseWithAMessageThatNamesTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO));
    assertTrue(e.getMessage().contains("maxAttempts"));
    e = assertThrows(IllegalArgumentException.class,
        () -> new RetryPolicy(2, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO));
    assertTrue(e.getMessage().contains("maxDelay"));
    e = assertThrows(IllegalArgumentException.class,
        () -> new RetryPolicy(2, Duration.ofSeconds(-1), Duration.ofSeconds(1), Duration.ZERO));
    assertTrue(e.getMessage().contains("initialDelay"));
  }
}

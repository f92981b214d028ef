package dev.tokenkeeper.internal.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.internal.budget.BudgetQueue.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BudgetQueueTest {
  private final FakeTime time = new FakeTime();
  /** What happened, in order: "sent KEY" or "refused KEY". */
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  /** The queue under test: a request "sent" is answered at once. */
  private BudgetQueue current;

  private final class Req implements BudgetQueue.Request {
    final String key;
    volatile boolean wanted = true;
    volatile TokenBudgetExceededException refusal;
    volatile long sentAt = -1;

    Req(String key) {
      this.key = key;
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public boolean wanted() {
      return wanted;
    }

    @Override
    public void send() {
      sentAt = time.elapsedNanos();
      log.add("sent " + key);
      current.completed(key);
    }

    @Override
    public void refuse(TokenBudgetExceededException e) {
      refusal = e;
      log.add("refused " + key);
    }
  }

  private BudgetQueue queue(TokenBudget budget) {
    current = new BudgetQueue(budget, new SlidingWindowLimiter(budget, time), time, time, time,
        Duration.ofSeconds(30));
    return current;
  }

  private long in(Duration d) {
    return time.getAsLong() + d.toNanos();
  }

  @Test
  void sendsAtOnceWhileSlotsAreFree() {
    BudgetQueue q = queue(TokenBudget.parse("2/1s"));
    Req a = new Req("a");
    BudgetQueue.Ticket t = q.submit(a, Lane.WAITING, 0);
    assertTrue(t.sent());
    assertEquals(List.of("sent a"), log);
    assertEquals(0, time.pendingWakeups(), "nothing queued, no timer");
  }

  @Test
  void waitingCallersGoFirstInArrivalOrderThenRefreshesOldestDeadlineFirst() {
    BudgetQueue q = queue(TokenBudget.parse("1/1s"));
    q.submit(new Req("first"), Lane.WAITING, 0); // takes the one slot
    q.submit(new Req("refresh-late"), Lane.REFRESH, in(Duration.ofMinutes(5)));
    q.submit(new Req("refresh-early"), Lane.REFRESH, in(Duration.ofMinutes(1)));
    q.submit(new Req("wait-1"), Lane.WAITING, 0);
    q.submit(new Req("wait-2"), Lane.WAITING, 0);
    assertEquals(List.of("sent first"), log);
    assertEquals(4, q.snapshot().queued());
    assertEquals(2, q.snapshot().waiting());
    assertEquals(2, q.snapshot().deferred());
    for (int i = 0; i < 4; i++) {
      time.advance(Duration.ofMillis(1010));
    }
    assertEquals(List.of("sent first", "sent wait-1", "sent wait-2", "sent refresh-early",
        "sent refresh-late"), log);
    assertEquals(5, q.snapshot().sent());
    assertEquals(0, q.snapshot().refused());
  }

  @Test
  void aWaitingCallerGivesUpAfterTheMaximumWaitWithAnExceptionThatNamesTheBudget() {
    BudgetQueue q = queue(TokenBudget.parse("1/60s").withMaxWait(Duration.ofSeconds(10)));
    q.submit(new Req("a"), Lane.WAITING, 0);
    time.advance(Duration.ofSeconds(5));
    Req b = new Req("b");
    q.submit(b, Lane.WAITING, 0);
    time.advance(Duration.ofMillis(9_999));
    assertNull(b.refusal, "not before its maximum wait");
    time.advance(Duration.ofMillis(1));
    TokenBudgetExceededException e = b.refusal;
    assertNotNull(e);
    assertEquals(TokenBudgetExceededException.Reason.WAITED_TOO_LONG, e.reason());
    assertEquals(0, e.queued(), "b itself has left the queue");
    // The slot a took at 0 s frees at 60.6 s; b gave up at 15 s.
    assertEquals(FakeTime.T0.plusMillis(60_600), e.nextSlot());
    assertEquals(Duration.ofMillis(45_600), e.retryAfter().orElseThrow());
    assertEquals(0, e.statusCode());
    assertTrue(e.isTransient());
    assertEquals("the token request for key 'b' was not sent: the token budget had no free slot"
        + " within the maximum wait of 10000 ms (0 requests queued); budget 1/60s for the"
        + " endpoint; the next slot frees at 2026-01-01T00:01:00.600Z (in 45600 ms). Try again"
        + " then, or, if the provider allows more, raise the budget (TokenEndpoint.Builder.budget,"
        + " init-param token-budget), the wait (init-param token-budget-max-wait) or the queue"
        + " (init-param token-budget-max-queued)", e.getMessage());
    assertEquals(1, q.snapshot().refused());
    assertEquals(List.of("sent a", "refused b"), log);
  }

  @Test
  void aRefreshInTheQueueNeverTimesOutAndIsSentWhenASlotFrees() {
    BudgetQueue q = queue(TokenBudget.parse("1/60s").withMaxWait(Duration.ofSeconds(1)));
    q.submit(new Req("a"), Lane.WAITING, 0);
    Req r = new Req("r");
    q.submit(r, Lane.REFRESH, in(Duration.ofMinutes(10)));
    time.advance(Duration.ofSeconds(60));
    assertNull(r.refusal);
    time.advance(Duration.ofMillis(600));
    assertEquals(List.of("sent a", "sent r"), log);
  }

  @Test
  void aFullQueueFailsWaitingCallersFastAndDefersRefreshes() {
    BudgetQueue q = queue(TokenBudget.parse("1/60s").withMaxQueuedKeys(2));
    q.submit(new Req("a"), Lane.WAITING, 0);
    q.submit(new Req("w1"), Lane.WAITING, 0);
    q.submit(new Req("w2"), Lane.WAITING, 0);
    Req w3 = new Req("w3");
    q.submit(w3, Lane.WAITING, 0);
    assertEquals(TokenBudgetExceededException.Reason.QUEUE_FULL, w3.refusal.reason());
    assertEquals(2, w3.refusal.queued());
    assertTrue(w3.refusal.getMessage().contains(
        "the queue for the token budget is full (2 requests queued, at most 2)"),
        w3.refusal.getMessage());
    Req r = new Req("r");
    q.submit(r, Lane.REFRESH, in(Duration.ofMinutes(1)));
    assertNotNull(r.refusal, "a refresh that cannot queue is deferred");
    assertEquals(1, q.snapshot().refused(), "a deferred refresh is not a refused caller");
  }

  @Test
  void aWaitingCallerPushesTheLatestRefreshOutOfAFullQueue() {
    BudgetQueue q = queue(TokenBudget.parse("1/60s").withMaxQueuedKeys(2)
        .withMaxWait(Duration.ofMinutes(2)));
    q.submit(new Req("a"), Lane.WAITING, 0);
    Req early = new Req("early");
    Req late = new Req("late");
    q.submit(late, Lane.REFRESH, in(Duration.ofMinutes(9)));
    q.submit(early, Lane.REFRESH, in(Duration.ofMinutes(2)));
    Req w = new Req("w");
    q.submit(w, Lane.WAITING, 0);
    assertNull(w.refusal);
    assertNotNull(late.refusal, "the refresh with the latest deadline yields");
    assertNull(early.refusal);
    time.advance(Duration.ofMillis(60_600));
    assertEquals(List.of("sent a", "refused late", "sent w"), log);
  }

  @Test
  void aKeyHeldBackByItsOwnLimitDoesNotBlockTheOthers() {
    BudgetQueue q = queue(TokenBudget.parse("10/1s").withPerKey(TokenBudget.parse("1/60s")));
    q.submit(new Req("alice"), Lane.WAITING, 0);
    Req again = new Req("alice");
    q.submit(again, Lane.WAITING, 0);
    q.submit(new Req("bob"), Lane.WAITING, 0);
    assertEquals(List.of("sent alice", "sent bob"), log);
    assertEquals(1, q.snapshot().queued());
    time.advance(Duration.ofSeconds(30));
    assertEquals(TokenBudgetExceededException.Reason.WAITED_TOO_LONG, again.refusal.reason());
  }

  @Test
  void aPauseHoldsEveryKeyUntilItEnds() {
    BudgetQueue q = queue(TokenBudget.parse("50/1s"));
    q.pause(Duration.ofSeconds(30));
    Req b = new Req("b");
    q.submit(b, Lane.WAITING, 0);
    time.advance(Duration.ofMillis(29_999));
    assertEquals(List.of(), log);
    time.advance(Duration.ofMillis(1));
    assertEquals(List.of("sent b"), log);
  }

  @Test
  void aPausedCallerThatRunsOutOfTimeIsToldAboutThePause() {
    BudgetQueue q = queue(TokenBudget.parse("50/1s").withMaxWait(Duration.ofSeconds(10)));
    q.pause(Duration.ofSeconds(30));
    Req b = new Req("b");
    q.submit(b, Lane.WAITING, 0);
    time.advance(Duration.ofSeconds(10));
    assertEquals(FakeTime.T0.plusSeconds(30), b.refusal.pausedUntil().orElseThrow());
    assertTrue(b.refusal.getMessage().contains(
        "the provider asked to pause until 2026-01-01T00:00:30Z (429/503 Retry-After)"),
        b.refusal.getMessage());
  }

  @Test
  void aPromotedRefreshJumpsAheadOfRefreshesAndWaitsAtMostTheMaximum() {
    BudgetQueue q = queue(TokenBudget.parse("1/60s").withMaxWait(Duration.ofSeconds(20)));
    q.submit(new Req("a"), Lane.WAITING, 0);
    q.submit(new Req("r1"), Lane.REFRESH, in(Duration.ofMinutes(1)));
    Req r2 = new Req("r2");
    BudgetQueue.Ticket t2 = q.submit(r2, Lane.REFRESH, in(Duration.ofMinutes(2)));
    time.advance(Duration.ofSeconds(30));
    t2.promote();
    assertEquals(1, q.snapshot().waiting());
    time.advance(Duration.ofSeconds(19));
    assertNull(r2.refusal);
    time.advance(Duration.ofSeconds(1));
    assertNotNull(r2.refusal, "20 s after the promotion");
    time.advance(Duration.ofSeconds(11));
    assertEquals(List.of("sent a", "refused r2", "sent r1"), log);
  }

  @Test
  void anUnwantedRequestIsDroppedWithoutAPermit() {
    BudgetQueue q = queue(TokenBudget.parse("1/1s"));
    q.submit(new Req("a"), Lane.WAITING, 0);
    Req gone = new Req("gone");
    q.submit(gone, Lane.WAITING, 0);
    Req next = new Req("next");
    q.submit(next, Lane.WAITING, 0);
    gone.wanted = false;
    time.advance(Duration.ofMillis(1010));
    assertEquals(List.of("sent a", "sent next"), log);
    assertNull(gone.refusal);
  }

  @Test
  void cancelTakesARequestOutQuietly() {
    BudgetQueue q = queue(TokenBudget.parse("1/1s"));
    q.submit(new Req("a"), Lane.WAITING, 0);
    BudgetQueue.Ticket t = q.submit(new Req("b"), Lane.WAITING, 0);
    assertTrue(t.queued());
    assertTrue(t.cancel());
    assertFalse(t.cancel());
    time.advance(Duration.ofSeconds(40));
    assertEquals(List.of("sent a"), log);
  }

  @Test
  void zeroMaximumWaitFailsAtOnceWhenNoSlotIsFree() {
    BudgetQueue q = queue(TokenBudget.parse("1/1s").withMaxWait(Duration.ZERO));
    q.submit(new Req("a"), Lane.WAITING, 0);
    Req b = new Req("b");
    q.submit(b, Lane.WAITING, 0);
    assertEquals(TokenBudgetExceededException.Reason.WAITED_TOO_LONG, b.refusal.reason());
    assertEquals(Instant.parse("2026-01-01T00:00:01.010Z"), b.refusal.nextSlot());
  }

  @Test
  void aThousandConcurrentSubmittersNeverExceedTheBudgetAndAreAllAnswered() throws Exception {
    BudgetQueue q = queue(TokenBudget.parse("50/1s").withMaxWait(Duration.ofSeconds(10)));
    int n = 1000;
    List<Req> reqs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      reqs.add(new Req("key-" + i));
    }
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    AtomicInteger next = new AtomicInteger();
    for (int t = 0; t < 8; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i; (i = next.getAndIncrement()) < n; ) {
          q.submit(reqs.get(i), Lane.WAITING, 0);
        }
      });
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    for (int s = 0; s < 200; s++) {
      time.advance(Duration.ofMillis(100));
    }
    List<Long> sent = new ArrayList<>();
    int refused = 0;
    for (Req r : reqs) {
      if (r.sentAt >= 0) {
        sent.add(r.sentAt);
      } else {
        assertNotNull(r.refusal, r.key + " was neither sent nor refused");
        refused++;
      }
    }
    Collections.sort(sent);
    long window = Duration.ofSeconds(1).toNanos();
    for (int i = 50; i < sent.size(); i++) {
      assertTrue(sent.get(i) - sent.get(i - 50) >= window, "51 sends within a second");
    }
    // 10 s of waiting at 50 per 1.01 s: the first 50 at once, then 9 more windows.
    assertEquals(500, sent.size());
    assertEquals(500, refused);
    assertEquals(0, q.snapshot().queued());
  }
}

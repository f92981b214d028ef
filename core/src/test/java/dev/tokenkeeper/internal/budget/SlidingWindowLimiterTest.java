package dev.tokenkeeper.internal.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SlidingWindowLimiterTest {
  private final FakeTime time = new FakeTime();

  private long grantAndAnswer(SlidingWindowLimiter limiter, String key) {
    long r = limiter.tryAcquire(key);
    if (r == RateLimiter.GRANTED) {
      limiter.complete(key);
    }
    return r;
  }

  @Test
  void grantsTheLimitThenSaysWhenTheOldestSlotFrees() {
    SlidingWindowLimiter limiter = new SlidingWindowLimiter(TokenBudget.parse("3/10s"), time);
    assertEquals(RateLimiter.GRANTED, grantAndAnswer(limiter, "a"));
    time.advance(Duration.ofSeconds(2));
    assertEquals(RateLimiter.GRANTED, grantAndAnswer(limiter, "b"));
    assertEquals(RateLimiter.GRANTED, grantAndAnswer(limiter, "c"));
    long wait = limiter.tryAcquire("d");
    // The first slot frees 10 s (+ a 100 ms guard) after its answer, 2 s ago.
    assertEquals(Duration.ofMillis(8_100).toNanos(), wait);
    assertEquals(3, limiter.usage().used());
    time.advance(Duration.ofNanos(wait - 1));
    assertTrue(limiter.tryAcquire("d") > 0, "not a nanosecond early");
    time.advance(Duration.ofNanos(1));
    assertEquals(RateLimiter.GRANTED, limiter.tryAcquire("d"));
  }

  @Test
  void aSlotIsHeldWhileItsRequestIsInFlightAndForAWindowAfterItsAnswer() {
    SlidingWindowLimiter limiter = new SlidingWindowLimiter(TokenBudget.parse("1/1s"), time);
    assertEquals(RateLimiter.GRANTED, limiter.tryAcquire("a"));
    time.advance(Duration.ofSeconds(5)); // a slow provider
    assertEquals(Duration.ofMillis(1010).toNanos(), limiter.tryAcquire("b"),
        "in flight: at least a window away");
    assertEquals(1, limiter.usage().used());
    limiter.complete("a"); // answered at 5 s: the provider logged it at some moment before
    time.advance(Duration.ofMillis(1009));
    assertTrue(limiter.tryAcquire("b") > 0);
    time.advance(Duration.ofMillis(1));
    assertEquals(RateLimiter.GRANTED, limiter.tryAcquire("b"));
  }

  @Test
  void noWindowTheProviderMeasuresEverHoldsMoreThanTheLimitWhateverTheLatency() {
    SlidingWindowLimiter limiter = new SlidingWindowLimiter(TokenBudget.parse("7/1s"), time);
    Random random = new Random(42);
    // Requests in flight: when the provider logs each (anywhere between sending and answer).
    List<long[]> inFlight = new ArrayList<>();
    List<Long> logged = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      time.advance(Duration.ofNanos(random.nextInt(40_000_000)));
      long now = time.elapsedNanos();
      for (var it = inFlight.iterator(); it.hasNext(); ) {
        long[] r = it.next();
        if (r[1] <= now) { // answered: logged at a random moment of its flight
          logged.add(r[0] + (long) (random.nextDouble() * (r[1] - r[0])));
          limiter.complete("k");
          it.remove();
        }
      }
      if (limiter.tryAcquire("k" + random.nextInt(50)) == RateLimiter.GRANTED) {
        inFlight.add(new long[] {now, now + random.nextInt(600_000_000)});
      }
    }
    logged.sort(null);
    long window = Duration.ofSeconds(1).toNanos();
    for (int i = 7; i < logged.size(); i++) {
      assertTrue(logged.get(i) - logged.get(i - 7) >= window,
          "8 requests within one window at request " + i);
    }
    assertTrue(logged.size() > 1_000, "the budget was used: " + logged.size());
  }

  @Test
  void perKeyLimitHoldsBackOneKeyAndNotTheOthers() {
    SlidingWindowLimiter limiter = new SlidingWindowLimiter(
        TokenBudget.parse("100/1s").withPerKey(TokenBudget.parse("2/60s")), time);
    assertEquals(RateLimiter.GRANTED, grantAndAnswer(limiter, "alice"));
    assertEquals(RateLimiter.GRANTED, grantAndAnswer(limiter, "alice"));
    long wait = limiter.tryAcquire("alice");
    assertTrue(wait < 0, "negative: the key, not the endpoint, is full");
    assertEquals(Duration.ofMillis(60_600).toNanos(), -wait);
    assertEquals(RateLimiter.GRANTED, grantAndAnswer(limiter, "bob"));
    assertEquals(3, limiter.usage().used(), "a refused attempt takes no slot");
  }

  @Test
  void keysLeaveMemoryOnceTheirRequestsLeaveTheWindow() {
    SlidingWindowLimiter limiter = new SlidingWindowLimiter(
        TokenBudget.parse("1000/1s").withPerKey(TokenBudget.parse("1/1s")), time);
    for (int i = 0; i < 500; i++) {
      grantAndAnswer(limiter, "key-" + i);
    }
    assertEquals(500, limiter.trackedKeys());
    time.advance(Duration.ofMillis(1011));
    assertEquals(0, limiter.trackedKeys());
  }

  @Test
  void aPauseHoldsEveryKeyAndIsNeverShortened() {
    SlidingWindowLimiter limiter = new SlidingWindowLimiter(TokenBudget.parse("50/1s"), time);
    limiter.pause(Duration.ofSeconds(30).toNanos());
    limiter.pause(Duration.ofSeconds(5).toNanos());
    assertEquals(Duration.ofSeconds(30).toNanos(), limiter.tryAcquire("b"));
    assertEquals(Duration.ofSeconds(30).toNanos(), limiter.usage().pausedForNanos());
    assertEquals(Duration.ofSeconds(30).toNanos(), limiter.usage().nextSlotInNanos());
    time.advance(Duration.ofSeconds(30));
    assertEquals(RateLimiter.GRANTED, limiter.tryAcquire("b"));
    assertEquals(0, limiter.usage().pausedForNanos());
  }

  @Test
  void manyThreadsTogetherGetExactlyTheLimit() throws Exception {
    SlidingWindowLimiter limiter = new SlidingWindowLimiter(TokenBudget.parse("50/1s"), time);
    int threads = 16;
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger granted = new AtomicInteger();
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 100; i++) {
          if (grantAndAnswer(limiter, "t" + id + "-" + i) == RateLimiter.GRANTED) {
            granted.incrementAndGet();
          }
        }
      });
      thread.start();
      all.add(thread);
    }
    start.countDown();
    for (Thread t : all) {
      t.join();
    }
    assertEquals(50, granted.get());
  }
}

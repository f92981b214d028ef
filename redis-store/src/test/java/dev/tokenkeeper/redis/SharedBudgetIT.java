package dev.tokenkeeper.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.redis.internal.SharedBudget;
import dev.tokenkeeper.redis.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis-side limiter shared by several instances. */
class SharedBudgetIT {
  @RegisterExtension
  final RedisServer redis = new RedisServer();

  @Test
  void fourInstancesTogetherStayWithinOneLimit() throws Exception {
    List<RedisTokenStore> stores = new ArrayList<>();
    List<SharedBudget> budgets = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RedisTokenStore s = RedisTokenStore.builder(redis.uri()).plaintext().build();
      stores.add(s);
      budgets.add(new SharedBudget(s.engine(), "https://provider/token", 10,
          Duration.ofMillis(500), 0, null, Duration.ofSeconds(2)));
    }
    ConcurrentLinkedQueue<long[]> granted = new ConcurrentLinkedQueue<>();
    AtomicInteger left = new AtomicInteger(60);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      SharedBudget b = budgets.get(t % 4);
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        while (left.get() > 0) {
          long before = System.nanoTime();
          long wait = b.tryAcquire("k");
          if (wait == 0) {
            granted.add(new long[] {before, System.nanoTime()});
            b.complete("k"); // the request went out and was answered at once
            left.decrementAndGet();
          } else {
            LockSupport.parkNanos(Math.abs(wait)); // the limiter's own answer, as the queue waits
          }
        }
      });
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join(20_000);
    }
    stores.forEach(RedisTokenStore::close);
    List<long[]> times = new ArrayList<>(granted);
    assertTrue(times.size() >= 60);
    // Each grant happened on Redis between its call's start and end. Count, for every start, the
    // grants that surely happened within 500 ms of it (started no earlier, ended before + 500):
    // thread scheduling on a busy machine can then only hide a violation, never invent one.
    int worst = 0;
    long window = TimeUnit.MILLISECONDS.toNanos(500);
    for (long[] first : times) {
      int n = 0;
      for (long[] other : times) {
        if (other[0] >= first[0] && other[1] < first[0] + window) {
          n++;
        }
      }
      worst = Math.max(worst, n);
    }
    assertTrue(worst <= 10, "at most 10 grants in any 500 ms, across 4 instances; saw " + worst);
  }

  @Test
  void aPermitCountsUntilOneWindowAfterItsRequestCompleted() throws Exception {
    try (RedisTokenStore a = RedisTokenStore.builder(redis.uri()).plaintext().build()) {
      SharedBudget b = new SharedBudget(a.engine(), "slow", 1, Duration.ofMillis(100), 0, null,
          Duration.ofSeconds(2));
      assertEquals(0, b.tryAcquire("k"));
      // The request is still in flight (a slow provider, or a late arrival): no second permit,
      // however long it takes, and the caller is told to look again soon.
      Thread.sleep(300); // longer than the window
      long wait = b.tryAcquire("k");
      assertTrue(wait > 0 && wait <= TimeUnit.MILLISECONDS.toNanos(250), "wait " + wait);
      b.complete("k");
      assertTrue(b.tryAcquire("k") > TimeUnit.MILLISECONDS.toNanos(50),
          "counted for a window after its completion");
      Thread.sleep(200);
      assertEquals(0, b.tryAcquire("k"));
    }
  }

  @Test
  void aPauseOnOneInstanceHoldsThemAll() {
    try (RedisTokenStore a = RedisTokenStore.builder(redis.uri()).plaintext().build();
        RedisTokenStore b = RedisTokenStore.builder(redis.uri()).plaintext().build()) {
      SharedBudget ba = new SharedBudget(a.engine(), "p", 100, Duration.ofSeconds(1), 0, null,
          Duration.ofSeconds(2));
      SharedBudget bb = new SharedBudget(b.engine(), "p", 100, Duration.ofSeconds(1), 0, null,
          Duration.ofSeconds(2));
      assertEquals(0, bb.tryAcquire("k"));
      ba.pause(TimeUnit.SECONDS.toNanos(30)); // 429 Retry-After: 30 seen by A
      long wait = bb.tryAcquire("other-key");
      assertTrue(wait > TimeUnit.SECONDS.toNanos(29), "B waits out A's Retry-After: " + wait);
      ba.pause(TimeUnit.SECONDS.toNanos(5));
      assertTrue(bb.pausedForNanos() > TimeUnit.SECONDS.toNanos(29), "a pause never shortens");
    }
  }

  @Test
  void thePerKeyLimitHoldsAndGivesBackTheKeysPermitWhenTheEndpointIsFull() {
    try (RedisTokenStore a = RedisTokenStore.builder(redis.uri()).plaintext().build()) {
      SharedBudget perKey = new SharedBudget(a.engine(), "p2", 3, Duration.ofSeconds(10), 2,
          Duration.ofSeconds(10), Duration.ofSeconds(2));
      assertEquals(0, perKey.tryAcquire("u1"));
      assertEquals(0, perKey.tryAcquire("u1"));
      assertTrue(perKey.tryAcquire("u1") < 0, "the key's own limit: a negative wait");
      assertEquals(0, perKey.tryAcquire("u2"));
      assertTrue(perKey.tryAcquire("u3") > 0, "the endpoint is full: a positive wait");
      assertEquals(3, perKey.used());
    }
  }
}

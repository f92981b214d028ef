package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.allWaiting;
import static dev.tokenkeeper.testing.TokenManagerFixture.await;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The single-flight rules: one token request per key, never one per caller. */
class TokenManagerConcurrencyTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();

  /** Runs {@code n} threads that each call {@code call} once, all released together. */
  private static <T> List<T> inThreads(int n, Supplier<T> call, Runnable whileTheyWait)
      throws InterruptedException {
    Queue<T> results = new ConcurrentLinkedQueue<>();
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch ready = new CountDownLatch(n);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        ready.countDown();
        try {
          results.add(call.get());
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    assertTrue(ready.await(10, TimeUnit.SECONDS));
    // Every thread has made its call and is parked waiting for the one request.
    await("all " + n + " callers wait", () -> allWaiting(threads));
    whileTheyWait.run();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(20));
    }
    assertTrue(errors.isEmpty(), () -> "callers failed: " + errors);
    assertEquals(n, results.size());
    return new ArrayList<>(results);
  }

  @Test
  void tokenWhenKeyEmptyThenOneRequestFor64Callers() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ScriptedServer server = fx.serve(r -> {
      release.await(10, TimeUnit.SECONDS);
      return ok("at-1", 3600, null);
    });
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials()));

    List<AccessToken> tokens = inThreads(64, () -> manager.token("k1"), release::countDown);

    assertEquals(1, server.count());
    assertTrue(tokens.stream().allMatch(t -> t.value().equals("at-1")));
    assertEquals(64, manager.stats().waits());
    assertEquals(1, manager.stats().acquisitions());
    assertEquals("k1", server.requests().get(0).param("endpoint_id"));
  }

  @Test
  void tokenWhen50DistinctKeysThen50RequestsRunInParallel() {
    // Each request is answered only once all 50 are open at the same time: if the manager sent
    // them one after another, the first would wait in vain and the test would fail.
    CountDownLatch allOpen = new CountDownLatch(50);
    ScriptedServer server = fx.serve(r -> {
      allOpen.countDown();
      if (!allOpen.await(15, TimeUnit.SECONDS)) {
        return Answer.error(503, "temporarily_unavailable");
      }
      return ok("at-" + r.param("endpoint_id"), 3600, null);
    });
    TokenManager manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials())
        .retryPolicy(RetryPolicy.none()));

    List<CompletableFuture<AccessToken>> futures = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      futures.add(manager.tokenAsync("key-" + i));
    }
    for (int i = 0; i < 50; i++) {
      assertEquals("at-key-" + i, futures.get(i).join().value());
    }
    assertEquals(50, server.count());
    assertEquals(50, server.maxConcurrent());
  }

  /** A provider that issues single-use refresh tokens and refuses a reused one. */
  private static final class RotatingProvider implements ScriptedServer.Script {
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger generation = new AtomicInteger(1);
    volatile String valid = "rt-1";
    final Queue<Map<String, String>> refreshForms = new ConcurrentLinkedQueue<>();

    @Override
    public synchronized Answer answer(ScriptedServer.Request r) throws Exception {
      if (!"refresh_token".equals(r.grantType())) {
        return Answer.error(400, "unsupported_grant_type");
      }
      refreshForms.add(r.form());
      if (!r.param("refresh_token").equals(valid)) {
        return Answer.error(400, "invalid_grant");
      }
      release.await(10, TimeUnit.SECONDS);
      int n = generation.getAndIncrement();
      valid = "rt-" + (n + 1);
      return ok("at-" + n, 3600, valid);
    }
  }

  @Test
  void tokenWhenExpiredThenOneRefreshFor64CallersAndNoneSeesInvalidGrant() throws Exception {
    RotatingProvider provider = new RotatingProvider();
    ScriptedServer server = fx.serve(provider);
    TokenManager manager = fx.manager();
    manager.put("k1", fx.response("at-0", 3600, "rt-1"));
    clock.advance(Duration.ofSeconds(3600));

    List<AccessToken> tokens = inThreads(64, () -> manager.token("k1"), provider.release::countDown);

    assertEquals(1, server.count());
    assertTrue(tokens.stream().allMatch(t -> t.value().equals("at-1")), tokens::toString);
    Map<String, String> form = provider.refreshForms.peek();
    assertEquals("rt-1", form.get("refresh_token"));
    assertEquals("k1", form.get("endpoint_id"));

    // The rotated refresh token was stored with the new access token: the next refresh uses it.
    clock.advance(Duration.ofSeconds(3600));
    assertEquals("at-2", manager.token("k1").value());
    assertEquals(2, server.count());
    assertEquals(List.of("rt-1", "rt-2"),
        provider.refreshForms.stream().map(f -> f.get("refresh_token")).toList());
  }

  @Test
  void tokenWhenStaleThenCallersGetCurrentTokenWhileTheRefreshIsHeldOpen() throws Exception {
    CountDownLatch refreshArrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ScriptedServer server = fx.serve(r -> {
      refreshArrived.countDown();
      release.await(10, TimeUnit.SECONDS);
      return ok("at-1", 3600, "rt-2");
    });
    CountDownLatch refreshed = new CountDownLatch(1);
    List<RefreshCause> causes = new ArrayList<>();
    TokenManager manager = fx.manager(fx.builder()
        .listener(new TokenListener() {
          @Override
          public void onToken(String key, TokenResponse response, RefreshCause cause) {
            causes.add(cause);
            refreshed.countDown();
          }
        }));
    manager.put("k1", fx.response("at-0", 3600, "rt-1"));
    // Default window: 5 minutes before expiry. 100 s before expiry the token is STALE.
    clock.advance(Duration.ofSeconds(3500));

    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      assertEquals("at-0", manager.token("k1").value());
      assertTrue(refreshArrived.await(10, TimeUnit.SECONDS));
      List<AccessToken> served = inThreads(32, () -> manager.token("k1"), () -> { });
      assertTrue(served.stream().allMatch(t -> t.value().equals("at-0")));
    });
    assertEquals(1, server.count(), "one background refresh, however many STALE calls");
    assertEquals(0, manager.stats().waits());

    release.countDown();
    assertTrue(refreshed.await(10, TimeUnit.SECONDS));
    assertEquals("at-1", manager.token("k1").value());
    assertEquals(List.of(RefreshCause.AHEAD_OF_EXPIRY), causes);
    assertEquals(1, server.count());
  }

  @Test
  void rejectedWhen32ConcurrentRejectionsOfOneTokenThenOneRefresh() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ScriptedServer server = fx.serve(r -> {
      release.await(10, TimeUnit.SECONDS);
      return ok("at-1", 3600, "rt-2");
    });
    List<AccessToken> heard = new ArrayList<>();
    TokenManager manager = fx.manager(fx.builder()
        .listener(new TokenListener() {
          @Override
          public synchronized void onRejected(String key, AccessToken token) {
            heard.add(token);
          }
        }));
    manager.put("k1", fx.response("at-0", 3600, "rt-1"));
    AccessToken rejected = manager.token("k1");

    List<AccessToken> renewed =
        inThreads(32, () -> manager.rejected("k1", rejected).join(), release::countDown);

    assertEquals(1, server.count());
    assertEquals("refresh_token", server.requests().get(0).grantType());
    assertTrue(renewed.stream().allMatch(t -> t.value().equals("at-1")));
    assertEquals(32, manager.stats().rejections());
    assertEquals(32, heard.size());

    // A late 401 for the token already replaced: the newer token at once, no refresh.
    CompletableFuture<AccessToken> late = manager.rejected("k1", rejected);
    assertTrue(late.isDone());
    assertEquals("at-1", late.join().value());
    assertEquals(1, server.count());
  }

  @Test
  void rejectedWhenTheRejectedTokenIsNoLongerCurrentThenNoRefresh() {
    ScriptedServer server = fx.serve(r -> ok("at-x", 3600, "rt-x"));
    TokenManager manager = fx.manager();
    manager.put("k1", fx.response("at-0", 3600, "rt-1"));
    AccessToken old = manager.token("k1");
    manager.put("k1", fx.response("at-1", 3600, "rt-2"));

    assertEquals("at-1", manager.rejected("k1", old).join().value());
    assertEquals(0, server.count());
    assertFalse(manager.stats().rejections() == 0);
  }
}

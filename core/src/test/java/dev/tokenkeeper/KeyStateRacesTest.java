package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.ManualScheduler;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.SynchronousTokenServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One key's state machine under racing calls: three threads call {@code rejected},
 * {@code put}, {@code invalidate}, {@code revoke} and {@code token} on the same key — and, with a
 * cache of one key, make another key evict it — against a {@link SynchronousTokenServer}, which
 * answers on the calling thread. After every run the invariants must hold: no refresh token is
 * sent after it was rotated; a token served afterwards was issued by the server; at most one
 * token request per call that may make one.
 *
 * <p>Each run starts the three threads together on real threads (a latch), 2,000 runs
 * ({@code -Dinterleavings.runs=N}). {@link KeyStateInterleavingsCheck} runs the scenario under
 * Lincheck's model checker (not in the suite yet; see there).
 */
class KeyStateRacesTest {
  static final int INVOCATIONS = Integer.getInteger("interleavings.runs", 2000);
  static final AtomicInteger EXPLORED = new AtomicInteger();

  // Built once, outside the checked runs: the endpoint's request-timeout thread and the manager
  // are started once, before the runs (a thread started inside a run must end in it, and a
  // pooled timer thread does not). Each run uses keys of its own.
  static final MutableClock CLOCK = MutableClock.at("2026-11-30T08:00:00Z");
  static final SynchronousTokenServer SERVER = new SynchronousTokenServer();
  static final TokenEndpoint ENDPOINT = TokenEndpoint.builder(URI.create("http://127.0.0.1:9/token"),
          ClientAuthentication.basic("client", "secret"))
      .revocationUri(URI.create("http://127.0.0.1:9/revoke"))
      .httpClient(SERVER)
      .build();
  static final TokenManager MANAGER = TokenManager.builder(ENDPOINT)
      .primaryGrant(Grant.clientCredentials())
      .executor(Runnable::run)
      .scheduler(new ManualScheduler(CLOCK))
      .clock(CLOCK)
      .ticker(CLOCK)
      .retryPolicy(RetryPolicy.none())
      .maximumSize(1)
      .build();

  @Test
  void rejectedPutInvalidateRevokeAndEvictionInEveryOrderKeepTheInvariants() {
    MANAGER.token("warm-up");
    EXPLORED.set(0);
    try {
      for (int i = 0; i < INVOCATIONS; i++) {
        scenario();
      }
    } finally {
      MANAGER.close();
      ENDPOINT.close();
    }
    System.out.println("KeyStateRacesTest: " + EXPLORED.get() + " runs of 3 racing threads"
        + " on real threads, "
        + SERVER.requests() + " token requests, invariant violations "
        + SERVER.violations().size());
    assertEquals(List.of(), SERVER.violations(), "refresh tokens sent after rotation");
    assertTrue(EXPLORED.get() > 0);
  }

  static void scenario() {
    String key = "k" + EXPLORED.incrementAndGet();
    TokenManager manager = MANAGER;
    SynchronousTokenServer server = SERVER;
    int before = server.requests();
    AccessToken first = manager.token(key);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    Thread a = new Thread(() -> {
      await(go);
      manager.rejected(key, first).handle((t, e) -> t);
      manager.token(key);
    });
    Thread b = new Thread(() -> {
      await(go);
      String[] pair = server.issue();
      manager.put(key, TokenResponse.builder(pair[0], CLOCK.instant())
          .expiresIn(Duration.ofHours(1)).refreshToken(pair[1]).build());
      manager.invalidate(key);
    });
    Thread c = new Thread(() -> {
      await(go);
      manager.revoke(key).handle((v, e) -> v);
      manager.token(key + "-other"); // with one slot, evicts the key
    });
    List<Throwable> undocumented = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (Thread t : List.of(a, b, c)) {
      // A racing revoke may end the key's session: ReauthenticationRequiredException (and every
      // other TokenKeeperException) is documented; anything else breaks the invariants.
      t.setUncaughtExceptionHandler((thread, e) -> {
        if (!(e instanceof TokenKeeperException)) {
          undocumented.add(e);
        }
      });
    }
    a.start();
    b.start();
    c.start();
    go.countDown();
    try {
      a.join();
      b.join();
      c.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    assertEquals(List.of(), undocumented, "undocumented exceptions");
    AccessToken after = manager.token(key);

    assertEquals(List.of(), server.violations(), "refresh tokens sent after rotation");
    assertTrue(server.accessTokens().contains(after.value()), "a token the server issued");
    // first, rejected's refresh, token(key) twice, the other key: at most 5 requests.
    int made = server.requests() - before;
    assertTrue(made <= 5, "token requests in one run: " + made);
  }

  private static void await(java.util.concurrent.CountDownLatch go) {
    try {
      go.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

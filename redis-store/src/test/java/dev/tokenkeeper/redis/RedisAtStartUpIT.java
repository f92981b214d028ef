package dev.tokenkeeper.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenStoreException;
import dev.tokenkeeper.redis.testing.RedisServer;
import dev.tokenkeeper.redis.testing.RotatingProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis unreachable when an instance starts: the store builds, the manager serves per instance
 * and says so, and the instance joins the cluster as soon as Redis answers. Configuration
 * errors still fail at build.
 */
class RedisAtStartUpIT {
  private static final String KEY = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
  private static final Duration RECONNECT = Duration.ofMillis(500);

  @RegisterExtension
  final RedisServer redis = new RedisServer();

  @Test
  void withRedisDownTheInstanceStartsServesAndJoinsTheClusterWhenRedisAnswers()
      throws Exception {
    redis.stop(); // the port stays reserved: nothing listens on it now
    try (RotatingProvider provider = new RotatingProvider(3600)) {
      List<String> unavailable = new CopyOnWriteArrayList<>();
      RedisTokenStore storeA = store();
      assertFalse(storeA.engine().connected());
      Instance a = new Instance(storeA, provider, new TokenListener() {
        @Override
        public void onStoreUnavailable(String key, Throwable cause) {
          unavailable.add(key + ": " + cause.getMessage());
        }
      });
      Instance b = null;
      try {
        AccessToken served = a.manager.token("alone");
        assertEquals("AT-alone-1", served.value(), "served per instance while Redis is down");
        assertEquals(1, provider.requests());
        assertTrue(unavailable.stream().anyMatch(u -> u.startsWith("alone: ")
            && u.contains("has not been reachable since this instance started")), unavailable
            .toString());

        redis.start();
        long started = System.nanoTime();
        awaitConnected(storeA);
        long joinedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.println("joined " + joinedMillis + " ms after Redis answered (reconnect "
            + RECONNECT.toMillis() + " ms)");
        // The next attempt comes within the reconnect delay (the capped back-off between
        // attempts is measured below); the slack is for connecting on a loaded machine.
        assertTrue(joinedMillis < RECONNECT.toMillis() + 4_000,
            "joined within the reconnect delay (+ scheduling slack): " + joinedMillis + " ms");

        b = new Instance(store(), provider, null);
        // A herd on a key neither holds: 2 instances x 16 threads, one token request.
        int threads = 16;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(2 * threads);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Future<?>> calls = new ArrayList<>();
        try {
          for (Instance instance : List.of(a, b)) {
            for (int i = 0; i < threads; i++) {
              calls.add(callers.submit(() -> {
                go.await();
                seen.add(instance.manager.token("herd").value());
                return null;
              }));
            }
          }
          go.countDown();
          for (Future<?> f : calls) {
            f.get(30, TimeUnit.SECONDS);
          }
        } finally {
          callers.shutdownNow();
        }
        long herdRequests = provider.arrivals().stream().filter(r -> r.key().equals("herd"))
            .count();
        assertEquals(1, herdRequests, "one token request for the herd across both instances");
        assertEquals(Set.of("AT-herd-1"), seen, "every caller of both instances got it");

        // Shared from now on: what A stores reaches B without a request of B's.
        a.manager.token("after-join");
        long before = provider.requests();
        assertEquals("AT-after-join-1", b.manager.token("after-join").value());
        assertEquals(before, provider.requests(), "B took A's token from Redis");
      } finally {
        a.close();
        if (b != null) {
          b.close();
        }
      }
    }
  }

  @Test
  void theBackgroundAttemptsBackOffUpToTheReconnectDelayNeverATightLoop() throws Exception {
    // A port that accepts and hangs up at once: every attempt to connect fails quickly, so a
    // tight loop would show as attempts microseconds apart.
    List<Long> attempts = new CopyOnWriteArrayList<>();
    CountDownLatch sixAttempts = new CountDownLatch(6);
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!socket.isClosed()) {
          try (java.net.Socket s = socket.accept()) {
            attempts.add(System.nanoTime());
            sixAttempts.countDown();
          } catch (java.io.IOException e) {
            return;
          }
        }
      }, "hang-up");
      acceptor.setDaemon(true);
      acceptor.start();
      Duration max = Duration.ofMillis(300);
      try (RedisTokenStore store = RedisTokenStore.builder("redis://127.0.0.1:"
          + socket.getLocalPort()).encryptionKeys(KEY).reconnectDelay(max)
          .commandTimeout(Duration.ofSeconds(2)).build()) {
        assertFalse(store.engine().connected());
        assertTrue(sixAttempts.await(20, TimeUnit.SECONDS), "kept trying: " + attempts.size());
      }
    }
    // Attempt 1 is build()'s; then 100, 200, 300 (capped), 300, 300 ms apart, at least.
    long[] expected = {100, 200, 300, 300, 300};
    for (int i = 0; i < expected.length; i++) {
      long gap = TimeUnit.NANOSECONDS.toMillis(attempts.get(i + 1) - attempts.get(i));
      assertTrue(gap >= expected[i] - 20, "gap " + (i + 1) + " was " + gap + " ms; expected >= "
          + expected[i] + " ms: " + attempts);
    }
  }

  @Test
  void requireRedisAtStartFailsTheBuildWhenRedisCannotBeReached() {
    redis.stop();
    TokenStoreException e = assertThrows(TokenStoreException.class,
        () -> RedisTokenStore.builder(redis.uri()).encryptionKeys(KEY).requireRedisAtStart()
            .build());
    assertTrue(e.getMessage().startsWith("Redis (" + redis.uri() + ") cannot be reached"),
        e.getMessage());
    assertTrue(e.getMessage().contains("requireRedisAtStart"), e.getMessage());
  }

  @Test
  void aWrongPasswordIsAConfigurationErrorAtBuildNotAnOutage() throws Exception {
    redis.close();
    // An ACL user with a password (the default user stays open, for the fixture's PING).
    RedisServer guarded = new RedisServer("--user", "app", "on", ">right-password", "~*", "&*",
        "+@all");
    guarded.start();
    try {
      String uri = "redis://app:wrong-password@127.0.0.1:" + guarded.port();
      // A generous command timeout: on this loaded machine a slow handshake must not pass for an
      // outage (which build() tolerates) instead of the refusal under test.
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> RedisTokenStore.builder(uri).encryptionKeys(KEY)
              .commandTimeout(Duration.ofSeconds(10)).build());
      assertTrue(e.getMessage().startsWith("Redis (redis://app:██@127.0.0.1:" + guarded.port()
          + ") refused this instance's credentials"), e.getMessage());
      assertTrue(e.getMessage().contains("Check the user and password"), e.getMessage());
      assertFalse(e.getMessage().contains("wrong-password"), e.getMessage());
      try (RedisTokenStore ok = RedisTokenStore.builder(
          "redis://app:right-password@127.0.0.1:" + guarded.port()).encryptionKeys(KEY).build()) {
        assertTrue(ok.engine().connected());
      }
    } finally {
      guarded.close();
    }
  }

  @Test
  void aBadUriOrEncryptionKeyStillFailsAtOnceWithRedisDown() {
    redis.stop();
    IllegalArgumentException uri = assertThrows(IllegalArgumentException.class,
        () -> RedisTokenStore.builder("memcached://127.0.0.1:" + redis.port()));
    assertTrue(uri.getMessage().contains("unsupported Redis URI scheme"), uri.getMessage());
    IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
        () -> RedisTokenStore.builder(redis.uri()).encryptionKeys("AQID"));
    assertTrue(key.getMessage().contains("encryption key #1"), key.getMessage());
  }

  @Test
  void closedWhileWaitingForRedisItNeverConnects() {
    redis.stop();
    RedisTokenStore store = store();
    store.close();
    redis.start();
    // A retry that was already running when close() came cannot open a connection either.
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> store.engine().link().open("channel", (c, m) -> { }));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertFalse(store.engine().connected());
    TokenStoreException notConnected = assertThrows(TokenStoreException.class,
        () -> store.engine().link().commands());
    assertTrue(notConnected.getMessage().contains("has not been reachable"),
        notConnected.getMessage());
  }

  private RedisTokenStore store() {
    return RedisTokenStore.builder(redis.uri()).encryptionKeys(KEY)
        .leasePeriod(Duration.ofSeconds(5)).reconnectDelay(RECONNECT)
        .commandTimeout(Duration.ofSeconds(10)).build();
  }

  private static void awaitConnected(RedisTokenStore store) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!store.engine().connected() && System.nanoTime() < deadline) {
      Thread.sleep(5); // an external process coming up: nothing to be notified by
    }
    assertTrue(store.engine().connected(), "the store reached Redis");
  }

  /** One application instance: a manager on its own store. */
  private static final class Instance implements AutoCloseable {
    final RedisTokenStore store;
    final TokenManager manager;
    final ExecutorService pool = Executors.newFixedThreadPool(4);

    Instance(RedisTokenStore store, RotatingProvider provider, TokenListener listener) {
      this.store = store;
      TokenEndpoint endpoint = TokenEndpoint.builder(provider.tokenUri(),
              ClientAuthentication.basic("client", "secret"))
          .revocationUri(provider.revocationUri())
          .dialect(Dialect.ringCentral())
          .budget(null)
          .build();
      TokenManager.Builder mb = TokenManager.builder(endpoint).executor(pool)
          .primaryGrant(Grant.clientCredentials()).store(store);
      if (listener != null) {
        mb.listener(listener);
      }
      this.manager = mb.build();
    }

    @Override
    public void close() {
      manager.close();
      store.close();
      pool.shutdownNow();
    }
  }
}

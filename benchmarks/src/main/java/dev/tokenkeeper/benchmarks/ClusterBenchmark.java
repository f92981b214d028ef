package dev.tokenkeeper.benchmarks;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import dev.tokenkeeper.redis.RedisTokenStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster on Redis, as a harness (a real {@code redis-server} started for the run):
 *
 * <ul>
 *   <li><b>herd</b> — {@code instances} TokenManagers (each with its own Redis store, as separate
 *       servers would have) × {@code threads} callers ask for one key at the moment its token
 *       expired; the endpoint answers after {@code delay}. Per round: token requests (must be 1)
 *       and the callers' p50/p99 wait, against the provider's own round trip.
 *   <li><b>cold</b> — {@code cold} keys acquired one after another on an endpoint that answers at
 *       once, with and without the store: the difference per acquisition is what the lease, the
 *       fenced write and the announcement cost on loopback.
 * </ul>
 *
 * <pre>
 * java -cp benchmarks.jar dev.tokenkeeper.benchmarks.ClusterBenchmark \
 *     [--instances 4] [--threads 32] [--delay-ms 50] [--rounds 5] [--cold 500]
 * </pre>
 */
public final class ClusterBenchmark {
  private static final String KEYS = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

  public static void main(String[] args) throws Exception {
    int instances = 4;
    int threads = 32;
    long delayMs = 50;
    int rounds = 5;
    int cold = 500;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--instances" -> instances = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--delay-ms" -> delayMs = Long.parseLong(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--cold" -> cold = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    try (RedisProcess redis = new RedisProcess()) {
      herd(redis, instances, threads, delayMs, rounds);
      cold(redis, cold);
    }
  }

  private static void herd(RedisProcess redis, int instances, int threads, long delayMs,
      int rounds) throws Exception {
    try (TokenServer server = TokenServer.start(Duration.ofMillis(delayMs))) {
      List<RedisTokenStore> stores = new ArrayList<>();
      List<TokenManager> managers = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        RedisTokenStore s = RedisTokenStore.builder(redis.uri()).encryptionKeys(KEYS).build();
        stores.add(s);
        managers.add(TokenManager.builder(endpoint(server))
            .primaryGrant(Grant.clientCredentials()).store(s).build());
      }
      try {
        for (int round = 0; round <= rounds; round++) {
          String key = "herd-" + round;
          // Every instance holds a token that expires in a second, shared through Redis.
          managers.get(0).put(key, TokenResponse.builder("old-" + round, Instant.now())
              .expiresIn(Duration.ofSeconds(1)).build());
          for (TokenManager m : managers) {
            m.token(key);
          }
          Thread.sleep(1_100); // real time: the token expires for everyone
          server.reset();
          long[] waits = new long[instances * threads];
          AtomicInteger errors = new AtomicInteger();
          CountDownLatch gate = new CountDownLatch(1);
          List<Thread> callers = new ArrayList<>();
          for (int t = 0; t < instances * threads; t++) {
            TokenManager m = managers.get(t % instances);
            int slot = t;
            Thread thread = new Thread(() -> {
              try {
                gate.await();
                long start = System.nanoTime();
                m.token(key);
                waits[slot] = System.nanoTime() - start;
              } catch (Exception e) {
                errors.incrementAndGet();
              }
            });
            thread.start();
            callers.add(thread);
          }
          gate.countDown();
          for (Thread t : callers) {
            t.join(60_000);
          }
          Thread.sleep(200); // a late second request would still be counted
          if (round == 0) {
            continue; // warm-up
          }
          Arrays.sort(waits);
          System.out.printf("cluster_herd instances=%d callers=%d delay=%dms round=%d"
                  + " requests=%d p50=%.1fms p99=%.1fms errors=%d p99_vs_round_trip=%.2fx%n",
              instances, instances * threads, delayMs, round, server.requests(),
              waits[waits.length / 2] / 1e6, waits[(int) (waits.length * 0.99)] / 1e6,
              errors.get(), waits[(int) (waits.length * 0.99)] / 1e6 / delayMs);
        }
      } finally {
        managers.forEach(TokenManager::close);
        stores.forEach(RedisTokenStore::close);
      }
    }
  }

  private static void cold(RedisProcess redis, int keys) throws Exception {
    try (TokenServer server = TokenServer.start(Duration.ZERO);
        RedisTokenStore store = RedisTokenStore.builder(redis.uri()).encryptionKeys(KEYS)
            .namespace("cold").build()) {
      TokenManager local = TokenManager.builder(endpoint(server))
          .primaryGrant(Grant.clientCredentials()).build();
      TokenManager shared = TokenManager.builder(endpoint(server))
          .primaryGrant(Grant.clientCredentials()).store(store).build();
      try {
        // Warm-up of both paths (JIT, connections), then measured passes, interleaved.
        acquire(local, "warm-local-", keys);
        acquire(shared, "warm-shared-", keys);
        long localNanos = acquire(local, "local-", keys);
        long sharedNanos = acquire(shared, "shared-", keys);
        double localMs = localNanos / 1e6 / keys;
        double sharedMs = sharedNanos / 1e6 / keys;
        System.out.printf("cluster_cold keys=%d in_process=%.3fms redis=%.3fms"
                + " redis_cost=%.3fms_per_acquisition%n", keys, localMs, sharedMs,
            sharedMs - localMs);
      } finally {
        local.close();
        shared.close();
      }
    }
  }

  private static long acquire(TokenManager m, String prefix, int keys) {
    long start = System.nanoTime();
    for (int i = 0; i < keys; i++) {
      m.token(prefix + i);
    }
    return System.nanoTime() - start;
  }

  private static TokenEndpoint endpoint(TokenServer server) {
    return TokenEndpoint.builder(server.tokenUri(),
        ClientAuthentication.basic("benchmark", "secret")).build();
  }

  private ClusterBenchmark() {}
}

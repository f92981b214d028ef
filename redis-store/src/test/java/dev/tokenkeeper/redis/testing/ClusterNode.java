package dev.tokenkeeper.redis.testing;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.RetryPolicy;
import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.redis.RedisTokenStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One application instance of a cluster test: a {@link TokenManager} with a
 * {@link RedisTokenStore}, and {@code threads} threads asking it for the tokens of some keys
 * until stopped, recording what callers saw. Runs in the test's JVM or, through {@link #main}, in
 * a JVM of its own (stopped by a line on stdin; it prints one {@code RESULT} line).
 *
 * <p>Thread-safe.
 */
public final class ClusterNode implements AutoCloseable {
  public final RedisTokenStore store;
  public final TokenEndpoint endpoint;
  public final TokenManager manager;
  private final java.util.concurrent.ExecutorService pool;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong storeFailures = new AtomicLong();
  private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
  private final Set<String> tokens = ConcurrentHashMap.newKeySet();
  private volatile boolean running;

  /**
   * @param budget {@code null} for none, else such as {@code 20/1s}
   */
  public ClusterNode(String redisUri, URI tokenUri, Duration lease, String budget) {
    this(redisUri, tokenUri, lease, budget, "cluster-client");
  }

  /** @param clientId the client id it authenticates with, so the provider can tell nodes apart */
  public ClusterNode(String redisUri, URI tokenUri, Duration lease, String budget,
      String clientId) {
    this.store = RedisTokenStore.builder(redisUri)
        .encryptionKeys("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")
        .leasePeriod(lease)
        .maxWait(Duration.ofSeconds(60))
        // This machine is shared and often loaded far past its two cores: a generous timeout
        // keeps a slow answer from counting as an outage (RedisOutageIT stops Redis for real).
        .commandTimeout(Duration.ofSeconds(10))
        .build();
    TokenEndpoint.Builder eb = TokenEndpoint.builder(tokenUri,
        ClientAuthentication.basic(clientId, "cluster-secret"))
        // Keys go out as endpoint_id (the fake provider names tokens after them); no budget
        // unless the test sets one.
        .dialect(dev.tokenkeeper.Dialect.ringCentral())
        .budget(null);
    if (budget != null) {
      eb.budget(TokenBudget.parse(budget).withMaxWait(Duration.ofSeconds(60)));
    }
    this.endpoint = eb.build();
    // Each instance its own small pool, as separate servers would have: four managers on the
    // JVM-wide common pool (one thread on two cores) would queue each other's work.
    this.pool = java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, clientId + "-pool");
      t.setDaemon(true);
      return t;
    });
    this.manager = TokenManager.builder(endpoint)
        .executor(pool)
        .primaryGrant(Grant.clientCredentials())
        .retryPolicy(RetryPolicy.DEFAULT)
        .store(store)
        .listener(new TokenListener() {
          @Override
          public void onStoreUnavailable(String key, Throwable cause) {
            storeFailures.incrementAndGet();
          }
        })
        .build();
  }

  /** Starts {@code threads} callers, thread i asking for {@code keys[i % keys.length]}. */
  public void start(int threadCount, String[] keys, long pauseMillis) {
    running = true;
    for (int i = 0; i < threadCount; i++) {
      String key = keys[i % keys.length];
      Thread t = new Thread(() -> {
        while (running) {
          try {
            AccessToken token = manager.token(key);
            calls.incrementAndGet();
            tokens.add(token.value());
          } catch (RuntimeException e) {
            String what = e.getClass().getSimpleName() + ": " + e.getMessage();
            errors.computeIfAbsent(what.length() > 200 ? what.substring(0, 200) : what,
                k -> new AtomicLong()).incrementAndGet();
          }
          if (pauseMillis > 0) {
            try {
              Thread.sleep(pauseMillis); // a caller's think time between requests
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      }, "caller-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  /** Stops the callers and returns what they saw. */
  public String stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(10_000);
    }
    return result();
  }

  /** How often the listener heard that the store failed. */
  public long storeFailures() {
    return storeFailures.get();
  }

  public long calls() {
    return calls.get();
  }

  public Map<String, Long> errors() {
    Map<String, Long> m = new TreeMap<>();
    errors.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  public Set<String> tokens() {
    return Set.copyOf(tokens);
  }

  public String result() {
    return "RESULT calls=" + calls.get() + " tokens=" + tokens.size() + " errors=" + errors();
  }

  @Override
  public void close() {
    running = false;
    manager.close();
    endpoint.close();
    store.close();
    pool.shutdownNow();
  }

  /**
   * {@code redisUri tokenUri leaseMillis threads keysCommaSeparated pauseMillis clientId [budget]}:
   * prints
   * {@code READY}, runs until a line arrives on stdin, prints the {@code RESULT} line, exits.
   */
  public static void main(String[] args) throws Exception {
    try (ClusterNode node = new ClusterNode(args[0], URI.create(args[1]),
        Duration.ofMillis(Long.parseLong(args[2])), args.length > 7 ? args[7] : null, args[6])) {
      System.out.println("READY");
      System.out.flush();
      node.start(Integer.parseInt(args[3]), args[4].split(","), Long.parseLong(args[5]));
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
          StandardCharsets.UTF_8));
      in.readLine();
      System.out.println(node.stop());
      System.out.flush();
    }
    System.exit(0);
  }
}

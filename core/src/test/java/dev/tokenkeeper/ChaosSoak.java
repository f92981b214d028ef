package dev.tokenkeeper;

import dev.tokenkeeper.testing.AttemptLog;
import dev.tokenkeeper.testing.ChaosTokenEndpoint;
import dev.tokenkeeper.testing.ChaosTokenEndpoint.Fault;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak (issue 8): {@code threads} callers × {@code keys} keys against a
 * {@link ChaosTokenEndpoint} whose faults come from a fixed seed, for a bounded number of cycles,
 * with the invariants checked on every call:
 *
 * <ul>
 *   <li>a token served was issued by the endpoint, for that key, and is valid at that moment;
 *       otherwise the call failed with a documented exception ({@link TokenEndpointException},
 *       {@link ReauthenticationRequiredException}, {@link TokenKeeperException});
 *   <li>no refresh token is sent after the endpoint rotated or refused it (the endpoint checks);
 *   <li>token requests per key stay within the retry budget: at most
 *       {@code maxAttempts × (calls on the key + 1)};
 *   <li>no call hangs: each completes within {@link #HANG_SECONDS}.
 * </ul>
 *
 * <p>Not thread-safe; one run per instance. {@link #summary()} is the one line the README quotes.
 */
final class ChaosSoak {
  static final long HANG_SECONDS = 20;
  static final String CLIENT_SECRET = "soak-client-secret-9f3b";

  final long seed;
  final int threads;
  final int keys;
  final int cycles;
  final double faultRate;
  final List<Fault> faultKinds;
  final RetryPolicy retry = new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(40),
      Duration.ofSeconds(2));

  final AtomicLong calls = new AtomicLong();
  final AtomicLong served = new AtomicLong();
  final Map<String, AtomicInteger> exceptions = new ConcurrentHashMap<>();
  final List<String> violations = Collections.synchronizedList(new ArrayList<>());
  final Map<String, AtomicInteger> callsByKey = new ConcurrentHashMap<>();
  final List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());
  final List<String> shown = Collections.synchronizedList(new ArrayList<>());
  List<String> secrets = List.of();
  java.util.function.Consumer<TokenManager.Builder> customize = b -> {};
  int requests;
  int faults;
  /** Refresh tokens sent again after a rotation in an answer lost to a client-side timeout. */
  int unseenRotations;
  Map<Fault, Integer> faultsByKind = Map.of();
  long elapsedMillis;

  ChaosSoak(long seed, int threads, int keys, int cycles, double faultRate, List<Fault> faultKinds) {
    this.faultKinds = List.copyOf(faultKinds);
    this.seed = seed;
    this.threads = threads;
    this.keys = keys;
    this.cycles = cycles;
    this.faultRate = faultRate;
  }

  ChaosSoak run() throws Exception {
    long started = System.nanoTime();
    try (ChaosTokenEndpoint chaos = new ChaosTokenEndpoint(
        ChaosTokenEndpoint.seeded(seed, faultRate, faultKinds), 1)) {
      // Numbers each request, so that a rotation in an answer the client never got (it timed
      // out first on a loaded machine) is told apart from a refresh token sent again knowingly.
      AttemptLog attempts = new AttemptLog(HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofMillis(300))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build());
      chaos.answersLostBy(attempts::unanswered);
      TokenEndpoint endpoint = TokenEndpoint.builder(chaos.tokenUri(),
              ClientAuthentication.basic("soak-client", CLIENT_SECRET))
          .httpClient(attempts)
          .requestTimeout(Duration.ofMillis(300))
          .connectTimeout(Duration.ofMillis(300))
          // Keys go out as endpoint_id: the chaos endpoint names each token after its key.
          .dialect(Dialect.ringCentral())
          .budget(null)
          .build();
      TokenManager.Builder builder = TokenManager.builder(endpoint)
          .primaryGrant(Grant.clientCredentials())
          .retryPolicy(retry)
          // Every rejection refreshes and every failure may be followed at once: the 401-storm
          // and failure guards would otherwise let a key refresh once in the whole run, and a
          // refresh token lost after a refused answer would never be sent to be caught.
          .rejectionInterval(Duration.ZERO)
          .failureCoolDown(Duration.ZERO)
          .maximumSize(Math.max(1, keys * 2 / 3)); // size pressure: evictions while requests fly
      customize.accept(builder);
      TokenManager manager = builder.build();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      Map<String, AccessToken> lastServed = new ConcurrentHashMap<>();
      try {
        for (int t = 0; t < threads; t++) {
          Random random = new Random(seed * 31 + t);
          workers.add(CompletableFuture.runAsync(() -> {
            try {
              start.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
            for (int c = 0; c < cycles; c++) {
              String key = "key-" + random.nextInt(keys);
              double op = random.nextDouble();
              if (op < 0.05) {
                manager.invalidate(key);
                continue;
              }
              AccessToken previous = lastServed.get(key);
              CompletableFuture<AccessToken> call = op < 0.2 && previous != null
                  ? manager.rejected(key, previous) : manager.tokenAsync(key);
              calls.incrementAndGet();
              callsByKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
              check(chaos, key, call, lastServed);
            }
          }, pool));
        }
        start.countDown();
        try {
          CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))
              .get(HANG_SECONDS * cycles, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          violations.add("the callers did not finish: a thread hangs");
        }
      } finally {
        shown.add(manager.toString());
        shown.add(manager.stats().toString());
        shown.add(endpoint.toString());
        pool.shutdownNow();
        manager.close();
        endpoint.close();
      }
      lastServed.values().forEach(t -> shown.add(t.toString()));
      secrets = chaos.secrets();
      violations.addAll(chaos.violations());
      unseenRotations = chaos.unseenRotations().size();
      for (Map.Entry<String, AtomicInteger> e : callsByKey.entrySet()) {
        int budget = retry.maxAttempts() * (e.getValue().get() + 1);
        int made = chaos.requests(e.getKey());
        if (made > budget) {
          violations.add(e.getKey() + ": " + made + " token requests for " + e.getValue().get()
              + " calls (budget " + budget + ")");
        }
      }
      requests = chaos.requests();
      faults = chaos.faultCount();
      faultsByKind = chaos.faults();
    }
    elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    return this;
  }

  private void check(ChaosTokenEndpoint chaos, String key, CompletableFuture<AccessToken> call,
      Map<String, AccessToken> lastServed) {
    try {
      AccessToken token = call.get(HANG_SECONDS, TimeUnit.SECONDS);
      ChaosTokenEndpoint.Issued issued = chaos.issued(token.value());
      if (issued == null) {
        violations.add(key + ": served a token the endpoint never issued");
      } else if (!issued.key().equals(key)) {
        violations.add(key + ": served the token of key " + issued.key());
      } else if (!chaos.validNow(token.value())) {
        violations.add(key + ": served a token that is not valid now (" + token.value()
            + ", issued with fault " + issued.fault() + ")");
      } else {
        served.incrementAndGet();
        lastServed.put(key, token);
      }
    } catch (TimeoutException e) {
      violations.add(key + ": a call did not complete within " + HANG_SECONDS + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      thrown.add(cause);
      exceptions.computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicInteger())
          .incrementAndGet();
      if (!(cause instanceof TokenKeeperException)) {
        violations.add(key + ": undocumented " + cause);
      }
    } catch (RuntimeException e) {
      thrown.add(e);
      exceptions.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicInteger())
          .incrementAndGet();
      violations.add(key + ": thrown instead of a failed future: " + e);
    }
  }

  /** Every fault kind but {@link Fault#NONE}, less {@code except}. */
  static List<Fault> faultsExcept(Fault... except) {
    List<Fault> skip = Arrays.asList(except);
    return Arrays.stream(Fault.values()).filter(f -> f != Fault.NONE && !skip.contains(f)).toList();
  }

  String summary() {
    Map<String, Integer> byType = new TreeMap<>();
    exceptions.forEach((k, v) -> byType.put(k, v.get()));
    return "soak seed=" + seed + " threads=" + threads + " keys=" + keys + " cycles=" + cycles
        + ": calls=" + calls + " token requests=" + requests + " faults injected=" + faults
        + " (" + faultsByKind.size() + " kinds) callers served=" + served + " exceptions="
        + byType + " invariant violations=" + violations.size() + " rotations in lost answers="
        + unseenRotations + " in " + elapsedMillis + " ms";
  }
}

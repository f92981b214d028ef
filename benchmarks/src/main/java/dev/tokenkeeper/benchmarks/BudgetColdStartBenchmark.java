package dev.tokenkeeper.benchmarks;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cold start: {@code keys} keys ask for their first token at the same moment, against a loopback
 * token endpoint that answers each request after {@code delay}. Run once with a token budget of
 * {@code budget} and once without, in the same JVM, one after the other. Printed per run: the
 * token requests, the most the provider saw in any one second (by its own arrival log), the
 * average rate while requests arrived, the callers served and refused, and the p50/p99 wait of
 * the callers served.
 *
 * <p>The endpoint holds no thread per request (answers are sent by a scheduler after the delay),
 * so ten thousand simultaneous requests measure the client, not the server's thread pool. The
 * budget's maximum wait is set long enough (the whole drain plus a margin) that every caller is
 * served, so the waits show the drain: callers wait in arrival order, at the budget's rate.
 *
 * <pre>
 * java -cp benchmarks.jar dev.tokenkeeper.benchmarks.BudgetColdStartBenchmark \
 *     [--keys 10000] [--budget 200/1s] [--delay-ms 50] [--json results/budget-coldstart.json]
 * </pre>
 */
public final class BudgetColdStartBenchmark {

  /** One run's figures. */
  record Result(String name, int keys, int requests, int maxInOneSecond, double meanRate,
      int served, int refused, int failed, String firstError, long[] waitsNanos,
      long wallMillis) {

    double percentileMillis(double p) {
      if (waitsNanos.length == 0) {
        return Double.NaN;
      }
      long[] sorted = waitsNanos.clone();
      Arrays.sort(sorted);
      int rank = (int) Math.ceil(p / 100.0 * sorted.length);
      return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("run", name);
      json.put("keys", keys);
      json.put("requests", requests);
      json.put("maxInOneSecond", maxInOneSecond);
      json.put("meanRatePerSecond", Math.round(meanRate * 10) / 10.0);
      json.put("served", served);
      json.put("refused", refused);
      json.put("failed", failed);
      json.put("p50Ms", waitsNanos.length == 0 ? null : percentileMillis(50));
      json.put("p99Ms", waitsNanos.length == 0 ? null : percentileMillis(99));
      json.put("maxMs", waitsNanos.length == 0 ? null : percentileMillis(100));
      json.put("wallMs", wallMillis);
      if (firstError != null) {
        json.put("firstError", firstError);
      }
      return json;
    }

    String line() {
      return String.format(java.util.Locale.ROOT, "%-9s keys=%d requests=%d max_per_1s=%d"
              + " mean_rate=%.1f/s served=%d refused=%d failed=%d p50=%.1fms p99=%.1fms"
              + " wall=%.1fs", name, keys, requests, maxInOneSecond, meanRate, served, refused,
          failed, percentileMillis(50), percentileMillis(99), wallMillis / 1000.0);
    }
  }

  public static void main(String[] args) throws Exception {
    int keys = 10_000;
    String budget = "200/1s";
    long delayMs = 50;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--keys" -> keys = Integer.parseInt(args[++i]);
        case "--budget" -> budget = args[++i];
        case "--delay-ms" -> delayMs = Long.parseLong(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; expected --keys N --budget R --delay-ms N --json FILE");
      }
    }
    TokenBudget tokenBudget = TokenBudget.parse(budget);
    // Long enough for the whole drain, plus a third: every caller is served.
    long drainMillis = (long) keys * tokenBudget.window().toMillis() / tokenBudget.requests();
    tokenBudget = tokenBudget.withMaxWait(Duration.ofMillis(drainMillis + drainMillis / 3 + 5_000))
        .withMaxQueuedKeys(keys);
    Duration delay = Duration.ofMillis(delayMs);

    List<Result> results = new ArrayList<>();
    results.add(run("budget", keys, tokenBudget, delay));
    results.add(run("no-budget", keys, null, delay));
    for (Result r : results) {
      System.out.println(r.line());
    }
    if (json != null) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("budget", tokenBudget.rate());
      out.put("delayMs", delayMs);
      List<Object> runs = new ArrayList<>();
      results.forEach(r -> runs.add(r.toJson()));
      out.put("runs", runs);
      Files.createDirectories(json.toAbsolutePath().getParent());
      Files.writeString(json, JSONObjectUtils.toJSONString(out));
    }
    Result b = results.get(0);
    if (b.failed > 0 || b.maxInOneSecond > tokenBudget.requests()) {
      System.out.println("budget run: " + b.failed + " failures, at most " + b.maxInOneSecond
          + " requests in one second (budget " + tokenBudget.rate() + ")"
          + (b.firstError == null ? "" : "; first error: " + b.firstError));
      System.exit(1);
    }
  }

  static Result run(String name, int keys, TokenBudget budget, Duration delay) throws Exception {
    try (SlowEndpoint server = new SlowEndpoint(delay)) {
      TokenEndpoint.Builder eb = TokenEndpoint.builder(server.tokenUri(),
          ClientAuthentication.basic("benchmark", "secret"));
      if (budget != null) {
        eb.budget(budget);
      }
      try (TokenEndpoint endpoint = eb.build();
          TokenManager manager = TokenManager.builder(endpoint)
              .primaryGrant(Grant.clientCredentials())
              .maximumSize(keys * 2L)
              .build()) {
        long[] waits = new long[keys];
        AtomicInteger served = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<AccessToken>> all = new ArrayList<>(keys);
        long start = System.nanoTime();
        for (int i = 0; i < keys; i++) {
          int k = i;
          all.add(manager.tokenAsync("cold-" + i).whenComplete((token, failure) -> {
            long waited = System.nanoTime() - start;
            if (failure == null) {
              waits[k] = waited;
              served.incrementAndGet();
            } else {
              Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
              if (cause instanceof TokenBudgetExceededException) {
                refused.incrementAndGet();
              } else {
                failed.incrementAndGet();
                errors.add(cause.toString());
              }
            }
          }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
            .handle((v, e) -> null).get(30, TimeUnit.MINUTES);
        long wall = (System.nanoTime() - start) / 1_000_000;
        long[] servedWaits = new long[served.get()];
        int n = 0;
        for (int i = 0; i < keys && n < servedWaits.length; i++) {
          if (waits[i] > 0) {
            servedWaits[n++] = waits[i];
          }
        }
        return new Result(name, keys, server.requests(), server.maxInOneSecond(),
            server.meanRate(), served.get(), refused.get(), failed.get(), errors.peek(),
            Arrays.copyOf(servedWaits, n), wall);
      }
    }
  }

  /**
   * A token endpoint that answers after a delay without holding a thread meanwhile, and logs
   * when each request arrived.
   */
  static final class SlowEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ScheduledExecutorService answers = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "slow-endpoint");
      t.setDaemon(true);
      return t;
    });
    private final Duration delay;
    private final AtomicInteger requests = new AtomicInteger();
    private final ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
    private final AtomicLong issued = new AtomicLong();

    SlowEndpoint(Duration delay) throws IOException {
      this.delay = delay;
      this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
          4096);
      server.setExecutor(Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "slow-endpoint-io");
        t.setDaemon(true);
        return t;
      }));
      server.createContext("/token", this::handle);
      server.start();
    }

    URI tokenUri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
    }

    int requests() {
      return requests.get();
    }

    /** The most requests that arrived within any one second (a sliding window over the log). */
    int maxInOneSecond() {
      long[] times = arrivals.stream().mapToLong(Long::longValue).sorted().toArray();
      int best = 0;
      int from = 0;
      for (int to = 0; to < times.length; to++) {
        while (times[to] - times[from] >= 1_000_000_000L) {
          from++;
        }
        best = Math.max(best, to - from + 1);
      }
      return best;
    }

    /** Requests per second from the first arrival to the last. */
    double meanRate() {
      long[] times = arrivals.stream().mapToLong(Long::longValue).sorted().toArray();
      if (times.length < 2) {
        return times.length;
      }
      return (times.length - 1) / ((times[times.length - 1] - times[0]) / 1e9);
    }

    private void handle(HttpExchange exchange) throws IOException {
      arrivals.add(System.nanoTime());
      requests.incrementAndGet();
      try (InputStream body = exchange.getRequestBody()) {
        body.readAllBytes();
      }
      answers.schedule(() -> answer(exchange), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void answer(HttpExchange exchange) {
      try (exchange) {
        byte[] json = ("{\"access_token\":\"cold-" + issued.incrementAndGet()
            + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")
            .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json;charset=UTF-8");
        exchange.sendResponseHeaders(200, json.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(json);
        }
      } catch (IOException e) {
        // the client went away; nothing to answer
      }
    }

    @Override
    public void close() {
      server.stop(0);
      answers.shutdownNow();
      ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
  }
}

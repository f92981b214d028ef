package dev.tokenkeeper.benchmarks;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Turns the JSON that {@code run.sh} leaves in a results folder (JMH's {@code hotpath-*.json} and
 * {@code filter*.json}, {@link HerdBenchmark}'s {@code herd.json}) into one line per figure that a
 * reader can compare, and checks the project's targets (at least 0.8x the Caffeine floor, ahead
 * of both peers, 0 B per call on the hot path; 1 token request per herd) and the filter's target
 * (TokenFilter costs a Jetty request at most a few percent of throughput, read as 5 %).
 *
 * <p>Exits 1 when a figure is missing (a benchmark failed) or a herd caller saw an error, so that a
 * broken run cannot pass for a result.
 *
 * <pre>java -cp benchmarks.jar dev.tokenkeeper.benchmarks.Summary benchmarks/results</pre>
 */
public final class Summary {
  static final List<String> CONTENDERS =
      List.of("tokenkeeper", "limit", "caffeine", "spring", "google", "googleHeld");
  /** The ones TokenKeeper has a target against; googleHeld is a reference point only. */
  static final List<String> TARGETS = List.of("limit", "caffeine", "spring", "google");

  /**
   * The least ratio tokenkeeper / peer that meets the target: the ConcurrentHashMap + volatile
   * floor 0.8x at 1 and 1,000 keys and 0.6x at 100,000 (where every contender is bound by cache
   * misses); the bounded Caffeine cache 0.8x; google-auth at least 1.0x; Spring more than 1.0x.
   */
  static boolean met(String peer, int keys, double ratio) {
    return switch (peer) {
      case "limit" -> ratio >= (keys >= 100_000 ? 0.6 : 0.8);
      case "caffeine" -> ratio >= 0.8;
      case "google" -> ratio >= 1.0;
      default -> ratio > 1.0;
    };
  }

  /** One JMH result: throughput in ops/s and allocation in bytes per operation. */
  record Figure(double opsPerSecond, double bytesPerOp) {}

  public static void main(String[] args) throws IOException, ParseException {
    Path dir = Path.of(args.length > 0 ? args[0] : "benchmarks/results");
    List<String> problems = new ArrayList<>();

    // keys -> threads -> contender -> figure
    Map<Integer, Map<Integer, Map<String, Figure>>> hotpath = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "hotpath*.json")) {
      for (Path file : files) {
        readJmh(file, hotpath);
      }
    }
    if (hotpath.isEmpty()) {
      problems.add("no hotpath*.json in " + dir);
    }

    System.out.println("# header path (key -> Authorization header value): ops/s in millions (M),"
        + " all threads together; ratio_vs_X = tokenkeeper / X; alloc = gc.alloc.rate.norm in"
        + " bytes per call");
    System.out.println("# targets: ratio_vs_limit >= 0.8 (0.6 at 100,000 keys),"
        + " ratio_vs_caffeine >= 0.8, ratio_vs_google >= 1, ratio_vs_spring > 1, tokenkeeper"
        + " alloc 0 B/call; google looks the key up in a map as an app must, google_held is"
        + " handed the credentials object (reference only)");
    hotpath.forEach((keys, byThreads) -> byThreads.forEach((threads, figures) -> {
      StringBuilder line = new StringBuilder(
          String.format(Locale.ROOT, "hotpath keys=%d threads=%d", keys, threads));
      for (String c : CONTENDERS) {
        Figure f = figures.get(c);
        line.append(' ').append(label(c)).append('=')
            .append(f == null ? "n/a" : String.format(Locale.ROOT, "%.2fM", f.opsPerSecond() / 1e6));
        if (f == null) {
          problems.add("no result for " + c + " keys=" + keys + " threads=" + threads
              + " (see the JMH log next to the JSON)");
        }
      }
      Figure tk = figures.get("tokenkeeper");
      List<String> missed = new ArrayList<>();
      for (String peer : CONTENDERS.subList(1, CONTENDERS.size())) {
        Figure other = figures.get(peer);
        double ratio = tk == null || other == null ? Double.NaN
            : tk.opsPerSecond() / other.opsPerSecond();
        line.append(" ratio_vs_").append(label(peer)).append('=')
            .append(Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2f", ratio));
        if (!Double.isNaN(ratio) && !met(peer, keys, ratio) && TARGETS.contains(peer)) {
          missed.add(peer);
        }
      }
      StringJoiner alloc = new StringJoiner(",", " alloc_B_per_op=", "");
      for (String c : CONTENDERS) {
        Figure f = figures.get(c);
        alloc.add(label(c) + ":" + (f == null ? "n/a" : bytes(f.bytesPerOp())));
      }
      line.append(alloc);
      if (tk != null && !(tk.bytesPerOp() < 1.0)) {
        missed.add("alloc");
      }
      if (tk != null) {
        line.append(" targets=").append(missed.isEmpty() ? "met" : "missed:" + String.join(",", missed));
      }
      System.out.println(line);
    }));

    Path herd = dir.resolve("herd.json");
    if (Files.exists(herd)) {
      printHerd(JSONObjectUtils.parse(Files.readString(herd)), problems);
    } else {
      problems.add("no herd.json in " + dir);
    }

    printFilter(dir, problems);
    printBudget(dir, problems);

    Path steady = dir.resolve("steady.json");
    if (Files.exists(steady)) {
      printSteady(JSONObjectUtils.parse(Files.readString(steady)), problems);
    } else {
      problems.add("no steady.json in " + dir);
    }
    printSend(dir, problems);
    printClock(dir);

    for (String problem : problems) {
      System.out.println("# MISSING: " + problem);
    }
    if (!problems.isEmpty()) {
      System.exit(1);
    }
  }

  /** FilterOverheadBenchmark's methods, in the order of the line. */
  static final List<String> FILTER_VARIANTS = List.of("plain", "filter", "filterHeaders", "noopFilter");
  /** The filter's target, "a few percent of throughput", read as at most 5 %. */
  static final double FILTER_TARGET = 0.05;

  /** One line per transport and thread count from {@code filter*.json}. */
  private static void printFilter(Path dir, List<String> problems) throws IOException, ParseException {
    // transport -> threads -> variant -> ops/s
    Map<String, Map<Integer, Map<String, Double>>> byTransport = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "filter*.json")) {
      for (Path file : files) {
        Map<String, Object> root = JSONObjectUtils.parse("{\"runs\":" + Files.readString(file) + "}");
        for (Object o : JSONObjectUtils.getJSONArray(root, "runs")) {
          @SuppressWarnings("unchecked")
          Map<String, Object> run = (Map<String, Object>) o;
          String benchmark = JSONObjectUtils.getString(run, "benchmark");
          String transport = JSONObjectUtils.getString(
              JSONObjectUtils.getJSONObject(run, "params"), "transport");
          byTransport.computeIfAbsent(transport, t -> new TreeMap<>())
              .computeIfAbsent(number(run.get("threads")).intValue(), n -> new TreeMap<>())
              .put(benchmark.substring(benchmark.lastIndexOf('.') + 1),
                  number(JSONObjectUtils.getJSONObject(run, "primaryMetric").get("score")).doubleValue());
        }
      }
    }
    if (byTransport.isEmpty()) {
      problems.add("no filter*.json in " + dir);
      return;
    }
    System.out.println("# filter: Jetty 12 requests/s in thousands (k), all threads together;"
        + " overhead = 1 - filter / plain, overhead_headers and overhead_noop likewise for"
        + " filter_headers and noop_filter (a pass-through filter: Jetty's own chain cost); target: overhead (TokenFilter, no headers) <= "
        + Math.round(FILTER_TARGET * 100) + "%; local = LocalConnector (server work only, the"
        + " strict ratio), http = loopback TCP (what a deployment sees)");
    byTransport.forEach((transport, byThreads) -> byThreads.forEach((threads, ops) -> {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
          "filter keys=1 transport=%s threads=%d", transport, threads));
      for (String v : FILTER_VARIANTS) {
        Double f = ops.get(v);
        line.append(" jetty_").append(filterLabel(v)).append('=')
            .append(f == null ? "n/a" : String.format(Locale.ROOT, "%.1fk/s", f / 1e3));
        if (f == null) {
          problems.add("no result for filter " + v + " transport=" + transport + " threads=" + threads
              + " (see the JMH log next to the JSON)");
        }
      }
      Double plain = ops.get("plain");
      double overhead = Double.NaN;
      for (String v : FILTER_VARIANTS.subList(1, FILTER_VARIANTS.size())) {
        Double f = ops.get(v);
        double o = plain == null || f == null ? Double.NaN : 1 - f / plain;
        if (v.equals("filter")) {
          overhead = o;
        }
        line.append(' ').append(switch (v) {
          case "filter" -> "overhead";
          case "filterHeaders" -> "overhead_headers";
          default -> "overhead_noop";
        }).append('=')
            .append(Double.isNaN(o) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", o * 100));
      }
      if (!Double.isNaN(overhead)) {
        line.append(" targets=").append(overhead <= FILTER_TARGET ? "met" : "missed");
      }
      System.out.println(line);
    }));
  }

  /** The hot path with a token budget may cost at most this much more than without (issue 9). */
  static final double BUDGET_HOTPATH_TARGET = 1.05;

  /**
   * {@code budget-hotpath.json} (JMH: plain vs budgeted per key count) and
   * {@code budget-coldstart.json} ({@link BudgetColdStartBenchmark}).
   */
  @SuppressWarnings("unchecked")
  private static void printBudget(Path dir, List<String> problems)
      throws IOException, ParseException {
    Path hot = dir.resolve("budget-hotpath.json");
    if (Files.exists(hot)) {
      Map<Integer, Map<Integer, Map<String, Figure>>> byKeys = new TreeMap<>();
      readJmh(hot, byKeys);
      System.out.println("# budget hot path: ops/s in millions, plain = no budget, budgeted ="
          + " RingCentral's 5/60s + 5/60s per key; slowdown = plain / budgeted; target <= "
          + BUDGET_HOTPATH_TARGET);
      byKeys.forEach((keys, byThreads) -> byThreads.forEach((threads, figures) -> {
        Figure plain = figures.get("plain");
        Figure budgeted = figures.get("budgeted");
        if (plain == null || budgeted == null) {
          problems.add("no budget hot-path result for keys=" + keys + " threads=" + threads);
          return;
        }
        double slowdown = plain.opsPerSecond() / budgeted.opsPerSecond();
        System.out.println(String.format(Locale.ROOT, "budget_hotpath keys=%d threads=%d"
                + " plain=%.2fM budgeted=%.2fM slowdown=%.3f targets=%s", keys, threads,
            plain.opsPerSecond() / 1e6, budgeted.opsPerSecond() / 1e6, slowdown,
            slowdown <= BUDGET_HOTPATH_TARGET ? "met" : "missed"));
      }));
    } else {
      problems.add("no budget-hotpath.json in " + dir);
    }
    Path cold = dir.resolve("budget-coldstart.json");
    if (Files.exists(cold)) {
      Map<String, Object> root = JSONObjectUtils.parse(Files.readString(cold));
      System.out.println("# budget cold start: keys asking for their first token at once, the"
          + " endpoint answering in " + root.get("delayMs") + " ms; max_per_1s = the most"
          + " requests the provider saw in any second; waits of the callers served");
      for (Object o : (List<Object>) root.get("runs")) {
        Map<String, Object> r = (Map<String, Object>) o;
        String run = (String) r.get("run");
        System.out.println(String.format(Locale.ROOT, "budget_coldstart run=%s budget=%s keys=%d"
                + " requests=%d max_per_1s=%d mean_rate=%.1f/s served=%d refused=%d failed=%d"
                + " p50=%s p99=%s", run, run.equals("budget") ? root.get("budget") : "none",
            number(r.get("keys")).intValue(), number(r.get("requests")).intValue(),
            number(r.get("maxInOneSecond")).intValue(),
            number(r.get("meanRatePerSecond")).doubleValue(), number(r.get("served")).intValue(),
            number(r.get("refused")).intValue(), number(r.get("failed")).intValue(),
            millis(r.get("p50Ms")), millis(r.get("p99Ms"))));
      }
    } else {
      problems.add("no budget-coldstart.json in " + dir);
    }
  }

  /** filterHeaders prints as filter_headers, noopFilter as noop_filter. */
  private static String filterLabel(String variant) {
    return switch (variant) {
      case "filterHeaders" -> "filter_headers";
      case "noopFilter" -> "noop_filter";
      default -> variant;
    };
  }

  private static void readJmh(Path file, Map<Integer, Map<Integer, Map<String, Figure>>> into)
      throws IOException, ParseException {
    // JMH writes a top-level array; Nimbus parses objects, so wrap it.
    Map<String, Object> root = JSONObjectUtils.parse("{\"runs\":" + Files.readString(file) + "}");
    for (Object o : JSONObjectUtils.getJSONArray(root, "runs")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> run = (Map<String, Object>) o;
      String benchmark = JSONObjectUtils.getString(run, "benchmark");
      String contender = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      int threads = number(run.get("threads")).intValue();
      int keys = Integer.parseInt(JSONObjectUtils.getString(JSONObjectUtils.getJSONObject(run, "params"), "keys"));
      double ops = number(JSONObjectUtils.getJSONObject(run, "primaryMetric").get("score")).doubleValue();
      double alloc = Double.NaN;
      Map<String, Object> secondary = JSONObjectUtils.getJSONObject(run, "secondaryMetrics");
      if (secondary != null) {
        for (Map.Entry<String, Object> e : secondary.entrySet()) {
          // "gc.alloc.rate.norm"; JMH before 1.36 wrote "·gc.alloc.rate.norm".
          if (e.getKey().endsWith("gc.alloc.rate.norm")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> metric = (Map<String, Object>) e.getValue();
            alloc = number(metric.get("score")).doubleValue();
          }
        }
      }
      into.computeIfAbsent(keys, k -> new TreeMap<>())
          .computeIfAbsent(threads, t -> new TreeMap<>())
          .put(contender, new Figure(ops, alloc));
    }
  }

  @SuppressWarnings("unchecked")
  private static void printHerd(Map<String, Object> herd, List<String> problems) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "herd callers=%d delay=%dms",
        number(herd.get("callers")).intValue(), number(herd.get("delayMs")).longValue()));
    for (Object o : (List<Object>) herd.get("results")) {
      Map<String, Object> r = (Map<String, Object>) o;
      String library = (String) r.get("library");
      List<Object> perRound = (List<Object>) r.get("requestsPerRound");
      int min = Integer.MAX_VALUE;
      int max = Integer.MIN_VALUE;
      for (Object n : perRound) {
        min = Math.min(min, number(n).intValue());
        max = Math.max(max, number(n).intValue());
      }
      String requests = perRound.isEmpty() ? "n/a" : min == max ? "" + min : min + "-" + max;
      line.append(String.format(Locale.ROOT, " %s requests=%s p50=%s p99=%s", library, requests,
          millis(r.get("p50Ms")), millis(r.get("p99Ms"))));
      int errors = number(r.get("errors")).intValue();
      if (errors > 0) {
        line.append(" errors=").append(errors);
        problems.add("herd " + library + ": " + errors + " failed callers; first: " + r.get("firstError"));
      }
    }
    System.out.println(line);
  }

  /**
   * The steady state: callers' latency while tokens are refreshed under them. Targets: no
   * TokenKeeper caller over 10 ms, its p99 no higher than google-auth's, and no duplicate token
   * request (exactly one per key per refresh).
   */
  @SuppressWarnings("unchecked")
  private static void printSteady(Map<String, Object> steady, List<String> problems) {
    System.out.println("# steady state: " + steady.get("callers") + " paced callers, "
        + steady.get("keys") + " keys, " + steady.get("lifetimeSeconds") + " s tokens, "
        + steady.get("windowMillis") + " ms refresh window, " + steady.get("measuredSeconds")
        + " s measured; targets: tokenkeeper over_10ms = 0, p99 <= google's, duplicates = 0");
    Map<String, Map<String, Object>> byLibrary = new TreeMap<>();
    for (Object o : (List<Object>) steady.get("results")) {
      Map<String, Object> r = (Map<String, Object>) o;
      byLibrary.put((String) r.get("library"), r);
      System.out.println(String.format(Locale.ROOT,
          "steady library=%s calls=%d p50=%.2fus p99=%.2fus p99.9=%.2fus max=%.2fms"
              + " over_10ms=%d token_requests=%d duplicates=%d",
          r.get("library"), number(r.get("calls")).longValue(),
          number(r.get("p50Us")).doubleValue(), number(r.get("p99Us")).doubleValue(),
          number(r.get("p999Us")).doubleValue(), number(r.get("maxMs")).doubleValue(),
          number(r.get("over10ms")).longValue(), number(r.get("tokenRequests")).longValue(),
          number(r.get("duplicateRequests")).longValue())
          + (r.get("error") == null ? "" : " error=" + r.get("error")));
      if (r.get("error") != null) {
        problems.add("steady " + r.get("library") + ": " + r.get("error"));
      }
    }
    Map<String, Object> tk = byLibrary.get("tokenkeeper");
    Map<String, Object> google = byLibrary.get("google");
    if (tk != null && google != null) {
      boolean met = number(tk.get("over10ms")).longValue() == 0
          && number(tk.get("duplicateRequests")).longValue() == 0
          && number(tk.get("p99Us")).doubleValue() <= number(google.get("p99Us")).doubleValue();
      System.out.println(String.format(Locale.ROOT,
          "steady p99_ratio_vs_google=%.2f targets=%s",
          number(tk.get("p99Us")).doubleValue() / number(google.get("p99Us")).doubleValue(),
          met ? "met" : "missed"));
    }
  }

  /** BearerHttpClient.send against the same HttpClient.send: at most 2 % more. */
  private static void printSend(Path dir, List<String> problems) throws IOException, ParseException {
    Map<String, Double> ops = jmhScores(dir.resolve("send.json"));
    Double plain = ops.get("plain");
    Double bearer = ops.get("bearer");
    if (plain == null || bearer == null) {
      problems.add("no plain and bearer results in send.json");
      return;
    }
    double overhead = 1 - bearer / plain;
    System.out.println(String.format(Locale.ROOT,
        "send plain=%.1fk/s bearer=%.1fk/s overhead=%.1f%% targets=%s", plain / 1e3, bearer / 1e3,
        overhead * 100, overhead <= 0.02 ? "met" : "missed"));
  }

  /** What reading the time costs on this machine, in ns per read. */
  private static void printClock(Path dir) throws IOException, ParseException {
    Map<String, Double> ns = jmhScores(dir.resolve("clock.json"));
    if (!ns.isEmpty()) {
      StringBuilder line = new StringBuilder("clock");
      ns.forEach((k, v) -> line.append(' ').append(k).append('=')
          .append(String.format(Locale.ROOT, "%.1fns", v)));
      System.out.println(line);
    }
  }

  /** The primary score of each benchmark method in one JMH JSON file; empty when it is missing. */
  private static Map<String, Double> jmhScores(Path file) throws IOException, ParseException {
    Map<String, Double> scores = new TreeMap<>();
    if (!Files.exists(file)) {
      return scores;
    }
    Map<String, Object> root = JSONObjectUtils.parse("{\"runs\":" + Files.readString(file) + "}");
    for (Object o : JSONObjectUtils.getJSONArray(root, "runs")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> run = (Map<String, Object>) o;
      String benchmark = JSONObjectUtils.getString(run, "benchmark");
      scores.put(benchmark.substring(benchmark.lastIndexOf('.') + 1),
          number(JSONObjectUtils.getJSONObject(run, "primaryMetric").get("score")).doubleValue());
    }
    return scores;
  }

  /** googleHeld prints as google_held, in the key=value style of the other names. */
  private static String label(String contender) {
    return contender.equals("googleHeld") ? "google_held" : contender;
  }

  private static String bytes(double b) {
    if (Double.isNaN(b)) {
      return "n/a";
    }
    return b < 10 ? String.format(Locale.ROOT, "%.2f", b) : String.format(Locale.ROOT, "%.0f", b);
  }

  private static String millis(Object value) {
    double ms = number(value).doubleValue();
    return Double.isNaN(ms) ? "n/a" : String.format(Locale.ROOT, "%.1fms", ms);
  }

  /** JMH writes "NaN" as a string where it has no number. */
  private static Number number(Object value) {
    if (value instanceof Number n) {
      return n;
    }
    if (value instanceof String s) {
      return Double.parseDouble(s);
    }
    return Double.NaN;
  }
}

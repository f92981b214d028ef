#!/usr/bin/env bash
# Builds the benchmarks, runs the header-path JMH benchmark (1 and 2 threads, with -prof gc), the
# herd, the token budget (hot path and cold start), the filter overhead (Jetty 12, 2 threads), the
# steady state under refresh, BearerHttpClient.send's overhead and the time sources, writes JSON
# to the results folder and prints one comparable line per figure.
#
#   bash benchmarks/run.sh            full run, ~13-15 minutes on 2 cores; run it on a quiet machine
#   QUICK=1 bash benchmarks/run.sh    smoke run, ~4 minutes; figures are indicative only
#
# Environment: RESULTS (folder; default benchmarks/results, or benchmarks/results/quick with
# QUICK=1), JAVA (default java), MVN_FLAGS (extra Maven flags, e.g. -o), SKIP_BUILD=1.
set -euo pipefail

cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}

if [[ "${QUICK:-0}" == 1 ]]; then
  # Two 1 s warm-ups and one measured second per configuration: enough to see that every
  # contender runs and to get a rough figure, not enough to compare close numbers.
  jmh_time=(-wi 2 -w 1s -i 1 -r 1s)
  # Jetty's request path needs ~3 s of JIT before it settles: 2 x 2 s warm-up, 3 x 2 s measured.
  filter_time=(-wi 2 -w 2s -i 3 -r 2s)
  rounds=2
  steady_seconds=4
  # 2,000 keys drain in 10 s at 200/s (10,000 take 50 s).
  coldstart_keys=2000
  RESULTS=${RESULTS:-benchmarks/results/quick}
else
  # 4 x 2 s warm-up (Spring needs ~3 s to settle) and 5 x 2 s measurement per configuration:
  # 30 configurations (5 contenders x 3 key counts x 2 thread counts) of ~21 s each, including
  # the fork and the 100,000-key set-up.
  jmh_time=(-wi 4 -w 2s -i 5 -r 2s)
  # 8 configurations (4 variants x 2 transports) of ~19 s each.
  filter_time=(-wi 4 -w 2s -i 5 -r 2s)
  rounds=5
  steady_seconds=12
  coldstart_keys=10000
  RESULTS=${RESULTS:-benchmarks/results}
fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building (mvn -B -q -pl benchmarks -am package -DskipTests)"
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_FLAGS:-} -pl benchmarks -am package -DskipTests
fi
JAR=benchmarks/target/benchmarks.jar
mkdir -p "$RESULTS"
rm -f "$RESULTS"/redis-hotpath.json "$RESULTS"/cluster.txt
rm -f "$RESULTS"/hotpath-t*.json "$RESULTS"/herd.json "$RESULTS"/filter.json \
  "$RESULTS"/budget-hotpath.json "$RESULTS"/budget-coldstart.json \
  "$RESULTS"/steady.json "$RESULTS"/send.json "$RESULTS"/clock.json

for threads in 1 2; do
  echo "== hot path, $threads thread(s): JMH log in $RESULTS/hotpath-t$threads.log"
  # -f 1: one fork per configuration (2 cores: more forks buy little); -foe false: a failing
  # contender does not stop the others, and the summary reports it as missing.
  # The dots anchor the class name: 'HotPathBenchmark' alone also matches the budget's and the
  # Redis store's hot-path benchmarks, which run below with their own settings.
  "$JAVA" -jar "$JAR" '\.HotPathBenchmark\.' -f 1 "${jmh_time[@]}" -t "$threads" -foe false \
    -prof gc -rf json -rff "$RESULTS/hotpath-t$threads.json" >"$RESULTS/hotpath-t$threads.log" 2>&1 \
    || echo "   JMH exited with $?; see the log"
  grep -E '^HotPathBenchmark\.[a-z]+ ' "$RESULTS/hotpath-t$threads.log" | sed 's/^/   /' || true
done

echo "== herd: 64 callers at expiry, endpoint answers in 50 ms, $rounds rounds per library"
"$JAVA" -cp "$JAR" dev.tokenkeeper.benchmarks.HerdBenchmark --callers 64 --delay-ms 50 \
  --rounds "$rounds" --json "$RESULTS/herd.json" | sed 's/^/   /'

echo "== token budget: hot path with and without a budget (JMH log in $RESULTS/budget-hotpath.log)"
"$JAVA" -jar "$JAR" '\.BudgetHotPathBenchmark\.' -f 1 "${jmh_time[@]}" -t 1 -foe false \
  -rf json -rff "$RESULTS/budget-hotpath.json" >"$RESULTS/budget-hotpath.log" 2>&1 \
  || echo "   JMH exited with $?; see the log"
grep -E '^BudgetHotPathBenchmark\.[a-z]+ ' "$RESULTS/budget-hotpath.log" | sed 's/^/   /' || true
echo "== token budget: cold start of $coldstart_keys keys, endpoint answers in 50 ms, budget 200/s vs none"
"$JAVA" -cp "$JAR" dev.tokenkeeper.benchmarks.BudgetColdStartBenchmark --keys "$coldstart_keys" \
  --budget 200/1s --delay-ms 50 --json "$RESULTS/budget-coldstart.json" | sed 's/^/   /'

echo "== filter overhead on a Jetty 12 request, 2 threads: JMH log in $RESULTS/filter.log"
# -t 2: both cores busy, so the ratio is one of throughput (CPU per request), not of latency.
"$JAVA" -jar "$JAR" 'FilterOverheadBenchmark' -f 1 "${filter_time[@]}" -t 2 -foe false \
  -rf json -rff "$RESULTS/filter.json" >"$RESULTS/filter.log" 2>&1 \
  || echo "   JMH exited with $?; see the log"
grep -E '^FilterOverheadBenchmark\.[a-zA-Z]+ ' "$RESULTS/filter.log" | sed 's/^/   /' || true

echo "== Redis store: near-cache hit vs in-process (JMH log in $RESULTS/redis-hotpath.log)"
# Needs redis-server on the PATH; the benchmark starts its own on a free loopback port.
"$JAVA" -jar "$JAR" '\.RedisHotPathBenchmark\.' -f 1 "${jmh_time[@]}" -t 1 -foe false \
  -prof gc -rf json -rff "$RESULTS/redis-hotpath.json" >"$RESULTS/redis-hotpath.log" 2>&1 \
  || echo "   JMH exited with $?; see the log"
grep -E '^RedisHotPathBenchmark\.[a-zA-Z]+ ' "$RESULTS/redis-hotpath.log" | sed 's/^/   /' || true
echo "== Redis store: cluster herd (4 instances x 32 threads, 50 ms provider) and cold acquisition"
"$JAVA" -cp "$JAR" dev.tokenkeeper.benchmarks.ClusterBenchmark --instances 4 --threads 32 \
  --delay-ms 50 --rounds "$rounds" --cold 500 | tee "$RESULTS/cluster.txt" | sed 's/^/   /'

echo "== steady state: 16 paced callers, 8 keys, 3 s tokens, 1 s refresh window, per library"
"$JAVA" -cp "$JAR" dev.tokenkeeper.benchmarks.SteadyStateBenchmark --seconds "$steady_seconds" \
  --json "$RESULTS/steady.json" 2>/dev/null | sed 's/^/   /'

echo "== BearerHttpClient.send against the same HttpClient.send (loopback), 1 thread"
"$JAVA" -jar "$JAR" 'SendOverheadBenchmark' -f 1 "${jmh_time[@]}" -t 1 -foe false \
  -rf json -rff "$RESULTS/send.json" >"$RESULTS/send.log" 2>&1 \
  || echo "   JMH exited with $?; see the log"
grep -E '^SendOverheadBenchmark\.[a-z]+ ' "$RESULTS/send.log" | sed 's/^/   /' || true

echo "== time sources: nanoTime, currentTimeMillis, a cached clock (ns per read)"
"$JAVA" -jar "$JAR" 'TimeSourceBenchmark' -f 1 -wi 2 -w 1s -i 3 -r 1s -t 1 -foe false \
  -rf json -rff "$RESULTS/clock.json" >"$RESULTS/clock.log" 2>&1 \
  || echo "   JMH exited with $?; see the log"
grep -E '^TimeSourceBenchmark\.[a-zA-Z]+ ' "$RESULTS/clock.log" | sed 's/^/   /' || true

echo "== summary ($RESULTS/summary.txt)"
set +e
"$JAVA" -cp "$JAR" dev.tokenkeeper.benchmarks.Summary "$RESULTS" | tee "$RESULTS/summary.txt"
status=${PIPESTATUS[0]}
exit "$status"

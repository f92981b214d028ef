package dev.tokenkeeper.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The price of reading the time on the hot path, on this machine: {@code System.nanoTime()} (the
 * monotonic ticker TokenManager reads once per call), {@code System.currentTimeMillis()} (the wall
 * clock it read before), and a coarse cached clock (a daemon thread writes
 * {@code System.nanoTime()} to a volatile every millisecond; a read is one volatile load). The
 * cached clock is cheapest to read but can lag by however long its thread is not scheduled, which
 * a token cache would have to allow for in its expiry margin.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TimeSourceBenchmark {

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }

  @Benchmark
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }

  @Benchmark
  public long cachedClock(Cached c) {
    return c.now;
  }

  @State(Scope.Benchmark)
  public static class Cached {
    volatile long now = System.nanoTime();
    private volatile boolean running = true;
    private Thread ticker;

    @Setup(Level.Trial)
    public void setUp() {
      ticker = new Thread(() -> {
        while (running) {
          now = System.nanoTime();
          LockSupport.parkNanos(1_000_000L);
        }
      }, "cached-clock");
      ticker.setDaemon(true);
      ticker.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      running = false;
      ticker.join();
    }
  }
}

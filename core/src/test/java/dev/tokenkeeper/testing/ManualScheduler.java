package dev.tokenkeeper.testing;

import dev.tokenkeeper.TokenManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TokenManager.Scheduler} driven by a test's clock (its ticker): tasks run only when the test calls
 * {@link #runDue()} after moving the clock past their due time. Thread-safe.
 */
public final class ManualScheduler implements TokenManager.Scheduler {

  /** A task waiting for its time: {@code dueAt} on the clock's ticker, in nanoseconds. */
  public record Task(long dueAt, Duration delay, Runnable runnable) {}

  private final MutableClock clock;
  private final List<Task> tasks = new ArrayList<>();
  private final List<Duration> delays = new ArrayList<>();

  public ManualScheduler(MutableClock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized void schedule(Runnable task, Duration delay) {
    tasks.add(new Task(saturatedAdd(clock.read(), delay), delay, task));
    delays.add(delay);
    notifyAll();
  }

  private static long saturatedAdd(long now, Duration delay) {
    try {
      return Math.addExact(now, delay.toNanos());
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Every delay ever scheduled, in order. */
  public synchronized List<Duration> delays() {
    return List.copyOf(delays);
  }

  public synchronized List<Task> pending() {
    return List.copyOf(tasks);
  }

  /**
   * Waits (in real time, for another thread to schedule) until at least {@code n} tasks are
   * pending; returns them.
   */
  public synchronized List<Task> awaitPending(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (tasks.size() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " scheduled tasks, have " + tasks);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return List.copyOf(tasks);
  }

  /** Runs, in due order, every task due on the clock now (including ones they schedule). */
  public int runDue() {
    int ran = 0;
    for (;;) {
      Task next;
      synchronized (this) {
        next = tasks.stream()
            .filter(t -> t.dueAt() <= clock.read())
            .min(Comparator.comparingLong(Task::dueAt))
            .orElse(null);
        if (next == null) {
          return ran;
        }
        tasks.remove(next);
      }
      next.runnable().run();
      if (++ran > 10_000) {
        throw new AssertionError("tasks keep scheduling themselves: a loop");
      }
    }
  }
}

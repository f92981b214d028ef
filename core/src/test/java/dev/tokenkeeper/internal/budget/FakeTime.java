package dev.tokenkeeper.internal.budget;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A ticker, a wall clock and a {@link BudgetQueue.Wakeups} that a test moves by hand: tasks run
 * only in {@link #advance}, when the time passes their due moment. Thread-safe.
 */
final class FakeTime extends Clock implements LongSupplier, BudgetQueue.Wakeups {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private record Task(long due, long seq, Runnable task) {}

  private final List<Task> tasks = new ArrayList<>();
  private long seq;
  // Starts far from zero, negative: the code must compare ticker values by difference.
  private static final long ORIGIN = Long.MAX_VALUE - Duration.ofHours(1).toNanos();
  private volatile long nanos = ORIGIN;

  @Override
  public long getAsLong() {
    return nanos;
  }

  long elapsedNanos() {
    return nanos - ORIGIN;
  }

  @Override
  public synchronized void schedule(Runnable task, long delayNanos) {
    tasks.add(new Task(nanos + delayNanos, seq++, task));
  }

  synchronized int pendingWakeups() {
    return tasks.size();
  }

  /** Moves time forward by {@code d}, running every task that falls due on the way, in order. */
  void advance(Duration d) {
    long target = nanos + d.toNanos();
    for (;;) {
      Task next;
      synchronized (this) {
        next = tasks.stream().filter(t -> t.due - target <= 0)
            .min(Comparator.comparingLong((Task t) -> t.due - ORIGIN).thenComparingLong(Task::seq))
            .orElse(null);
        if (next == null) {
          nanos = target;
          return;
        }
        tasks.remove(next);
        if (next.due - nanos > 0) {
          nanos = next.due;
        }
      }
      next.task.run();
    }
  }

  @Override
  public Instant instant() {
    return T0.plusNanos(elapsedNanos());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}

package dev.tokenkeeper.internal;

import dev.tokenkeeper.RetryPolicy;
import dev.tokenkeeper.Ticker;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenRequest;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * What the parts of one {@code TokenManager} share: its settings (immutable, durations in
 * nanoseconds), its two time sources, its counters and whether it is closed. Thread-safe. Not part
 * of the API.
 */
public final class ManagerContext {
  /** Acquires a token for a key, or {@code null} when there is no primary grant. */
  public final Function<String, TokenRequest> primaryRequest;
  public final long refreshWindow;
  public final long expiryMargin;
  public final long sessionWarning;
  public final long failureCoolDown;
  public final long rejectionInterval;
  public final RetryPolicy retryPolicy;
  /** The wall clock: only for absolute instants ({@code session_expiration_time}). */
  public final Clock clock;
  /** The monotonic time source for every duration. */
  public final Ticker ticker;
  public final Executor executor;
  public final TokenManager.Scheduler scheduler;
  public final Events events;

  public final LongAdder hits = new LongAdder();
  public final LongAdder waits = new LongAdder();
  public final LongAdder requests = new LongAdder();
  public final LongAdder refreshes = new LongAdder();
  public final LongAdder acquisitions = new LongAdder();
  public final LongAdder failures = new LongAdder();
  public final LongAdder rejections = new LongAdder();

  private volatile boolean closed;

  public ManagerContext(Function<String, TokenRequest> primaryRequest, long refreshWindow,
      long expiryMargin, long sessionWarning, long failureCoolDown, long rejectionInterval,
      RetryPolicy retryPolicy, Clock clock, Ticker ticker, Executor executor,
      TokenManager.Scheduler scheduler, Events events) {
    this.primaryRequest = primaryRequest;
    this.refreshWindow = refreshWindow;
    this.expiryMargin = expiryMargin;
    this.sessionWarning = sessionWarning;
    this.failureCoolDown = failureCoolDown;
    this.rejectionInterval = rejectionInterval;
    this.retryPolicy = retryPolicy;
    this.clock = clock;
    this.ticker = ticker;
    this.executor = executor;
    this.scheduler = scheduler;
    this.events = events;
  }

  /** The ticker now. */
  public long now() {
    return ticker.read();
  }

  /** The wall clock now, epoch milliseconds. */
  public long wallNow() {
    return clock.millis();
  }

  public boolean hasPrimaryGrant() {
    return primaryRequest != null;
  }

  public boolean closed() {
    return closed;
  }

  public void close() {
    closed = true;
  }

  public void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("this TokenManager is closed; build a new one");
    }
  }

  /** Runs {@code task} on the executor, or here if the executor refuses it. */
  public void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  /**
   * Schedules {@code task} after {@code delay} nanoseconds. Never runs it here: a scheduler that
   * refuses (or a delay it cannot take) returns {@code false}, and the caller decides what the
   * missing task means (a retry fails its request; a session timer is left to the next use).
   */
  public boolean schedule(Runnable task, long delay) {
    try {
      scheduler.schedule(task, Times.duration(delay));
      return true;
    } catch (RuntimeException e) {
      events.warn("scheduler", () -> "the scheduler refused a task (" + e
          + "); it was not run at once");
      return false;
    }
  }
}

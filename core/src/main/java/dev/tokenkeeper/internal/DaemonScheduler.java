package dev.tokenkeeper.internal;

import dev.tokenkeeper.TokenManager;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks after a delay on one {@link Daemons} thread of its own, started on the first task
 * and ended after a minute with nothing scheduled, and at once by {@link #close()}. Not part of
 * the API; thread-safe.
 *
 * <p>It replaces the JDK's {@code CompletableFuture.delayedExecutor} and
 * {@code completeOnTimeout}, whose one JVM-wide {@code CompletableFutureDelayScheduler} thread
 * keeps the context class loader of whoever used it first (a web application's, which it then
 * pins for the life of the JVM) and can never be stopped.
 *
 * <p>When a task is due it is handed to the hand-off executor (or run on the timer thread if that
 * refuses it). {@link #close()} hands every task not yet due over at once, so that nobody waits
 * for ever on a task that will never run: tasks must check their owner's closed state.
 */
public final class DaemonScheduler implements TokenManager.Scheduler, AutoCloseable {
  private final ScheduledThreadPoolExecutor timer;
  private final Executor handOff;
  private final Set<Pending> pending = ConcurrentHashMap.newKeySet();

  /**
   * @param role the middle of the thread name, {@code tokenkeeper-<role>-<n>}
   * @param handOff where due tasks run; {@code Runnable::run} for the timer thread itself
   */
  public DaemonScheduler(String role, Executor handOff) {
    this.handOff = Objects.requireNonNull(handOff, "handOff");
    this.timer = new ScheduledThreadPoolExecutor(1, Daemons.threadFactory(role));
    timer.setRemoveOnCancelPolicy(true);
    timer.setKeepAliveTime(60, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
  }

  @Override
  public void schedule(Runnable task, Duration delay) {
    scheduleCancellable(task, delay);
  }

  /**
   * As {@link #schedule}; running the returned {@code Runnable} cancels the task (and drops it
   * from the queue) if it has not started.
   *
   * @throws RejectedExecutionException the scheduler is closed
   */
  public Runnable scheduleCancellable(Runnable task, Duration delay) {
    Pending p = new Pending(Objects.requireNonNull(task, "task"));
    pending.add(p);
    try {
      p.future = timer.schedule(p, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      pending.remove(p);
      throw e;
    }
    return p::cancel;
  }

  /** Stops the thread; tasks not yet due are handed over now, on the calling thread's watch. */
  @Override
  public void close() {
    timer.shutdownNow();
    for (Pending p : pending) {
      p.fire();
    }
  }

  /** Whether the timer thread has ended (after {@link #close()}). */
  public boolean isTerminated() {
    return timer.isTerminated();
  }

  private void runTask(Runnable task) {
    try {
      handOff.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  private final class Pending implements Runnable {
    private final Runnable task;
    volatile ScheduledFuture<?> future;

    Pending(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      fire();
    }

    /** Runs the task unless it already ran, was cancelled or was handed over by close(). */
    void fire() {
      if (pending.remove(this)) {
        runTask(task);
      }
    }

    void cancel() {
      if (pending.remove(this)) {
        ScheduledFuture<?> f = future;
        if (f != null) {
          f.cancel(false);
        }
      }
    }
  }
}

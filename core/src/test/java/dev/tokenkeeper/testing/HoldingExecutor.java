package dev.tokenkeeper.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * An executor that holds the tasks it is given until the test runs them, then, once told to stop
 * holding, passes later ones to the common pool: lands a step a manager runs on its executor (the
 * fetch of a store's announcement, say) at the point the test chooses, with no sleeps. Pair it with
 * {@link HookTicker} to land it inside a decision. Thread-safe.
 */
public final class HoldingExecutor implements Executor {
  private final List<Runnable> held = new CopyOnWriteArrayList<>();
  private volatile boolean holding = true;

  @Override
  public void execute(Runnable task) {
    if (holding) {
      held.add(task);
    } else {
      ForkJoinPool.commonPool().execute(task);
    }
  }

  /** Tasks given from now on run on the common pool; those held so far stay held. */
  public void stopHolding() {
    holding = false;
  }

  /** How many tasks are held. */
  public int held() {
    return held.size();
  }

  /** Runs the held tasks on this thread, in the order they were given. */
  public void runHeld() {
    held.forEach(Runnable::run);
  }
}

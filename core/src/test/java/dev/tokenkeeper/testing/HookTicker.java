package dev.tokenkeeper.testing;

import dev.tokenkeeper.Ticker;

/**
 * A {@link Ticker} that runs a hook inside its n-th reading, to land an event (a put(), the answer
 * of a refresh) at an exact point of a decision the manager is making, with no sleeps and no
 * racing threads. Thread-safe; the hook runs once, on the thread that reads the ticker.
 */
public final class HookTicker implements Ticker {
  private final Ticker delegate;
  private int countdown;
  private Runnable hook;

  public HookTicker(Ticker delegate) {
    this.delegate = delegate;
  }

  /** Runs {@code hook} inside the {@code n}-th reading from now (1 = the next one). */
  public synchronized void onReading(int n, Runnable hook) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be 1 or more, not " + n);
    }
    this.countdown = n;
    this.hook = hook;
  }

  /** Whether the hook has run (or none was set). */
  public synchronized boolean fired() {
    return hook == null;
  }

  @Override
  public long read() {
    Runnable h = null;
    synchronized (this) {
      if (hook != null && --countdown == 0) {
        h = hook;
        hook = null;
      }
    }
    if (h != null) {
      h.run(); // outside the lock: the hook may read the ticker itself
    }
    return delegate.read();
  }
}

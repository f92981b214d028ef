package dev.tokenkeeper.redis.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * WARNING lines at most once per interval (the first of a burst is logged, the rest are
 * counted and reported with the next one), so that a Redis outage does not flood the log.
 *
 * <p>Thread-safe. Internal: not part of TokenKeeper's API.
 */
public final class RateLimitedLog {
  private final System.Logger log;
  private final long intervalNanos;
  private final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  public RateLimitedLog(System.Logger log, Duration interval) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
  }

  /** Logs {@code message} at WARNING unless one was logged less than an interval ago. */
  public void warn(String message) {
    long now = System.nanoTime();
    long next = nextAt.get();
    if ((next == Long.MIN_VALUE || now - next >= 0) && nextAt.compareAndSet(next, now + intervalNanos)) {
      long skipped = suppressed.getAndSet(0);
      log.log(System.Logger.Level.WARNING, skipped == 0 ? message
          : message + " (" + skipped + " similar warnings suppressed)");
    } else {
      suppressed.incrementAndGet();
    }
  }
}

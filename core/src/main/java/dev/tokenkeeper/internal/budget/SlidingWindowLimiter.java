package dev.tokenkeeper.internal.budget;

import dev.tokenkeeper.TokenBudget;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The in-process {@link RateLimiter}: an exact sliding window. It remembers when each of the last
 * {@code N} permits was granted and grants another only when the oldest of them is one
 * {@linkplain TokenBudget#occupancy occupancy} (the window plus a small guard) old, so no window of
 * that length ever holds more than {@code N} requests, however they are timed. The per-key limit
 * is the same, per key; a key's record is dropped once its last request has left its window, so
 * memory follows the keys active within one window.
 *
 * <p>Thread-safe (one lock; every operation is a few array reads and writes, no I/O). Time comes
 * from a monotonic ticker in nanoseconds, so a wall-clock step changes nothing.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class SlidingWindowLimiter implements RateLimiter {
  private final LongSupplier ticker;
  private final Window endpoint;
  private final int perKeyRequests;
  private final long perKeyOccupancy;
  /** Per-key windows, in the order of their last grant (oldest first), so expired ones are found first. */
  private final Map<String, Window> keys = new LinkedHashMap<>();
  private long pausedUntil;
  private boolean paused;

  /**
   * @param budget the limits
   * @param ticker monotonic nanoseconds, such as {@code System::nanoTime}
   */
  public SlidingWindowLimiter(TokenBudget budget, LongSupplier ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.endpoint = new Window(budget.requests(),
        TokenBudget.occupancy(budget.window()).toNanos());
    this.perKeyRequests = budget.perKeyRequests().orElse(0);
    this.perKeyOccupancy = budget.perKeyWindow().map(w -> TokenBudget.occupancy(w).toNanos())
        .orElse(0L);
  }

  @Override
  public synchronized long tryAcquire(String key) {
    long now = ticker.getAsLong();
    if (paused) {
      if (pausedUntil - now > 0) {
        return pausedUntil - now;
      }
      paused = false;
    }
    long wait = endpoint.waitNanos(now);
    if (wait > 0) {
      return wait;
    }
    Window perKey = null;
    if (perKeyRequests > 0) {
      dropIdleKeys(now);
      perKey = keys.get(key);
      if (perKey != null) {
        long keyWait = perKey.waitNanos(now);
        if (keyWait > 0) {
          return -keyWait;
        }
        keys.remove(key); // re-inserted below: the map stays in order of the last grant
      } else {
        perKey = new Window(perKeyRequests, perKeyOccupancy);
      }
      perKey.record(now);
      keys.put(key, perKey);
    }
    endpoint.record(now);
    return GRANTED;
  }

  private void dropIdleKeys(long now) {
    Iterator<Window> it = keys.values().iterator();
    while (it.hasNext()) {
      Window w = it.next();
      if (now - w.newest() < w.occupancy) {
        return;
      }
      it.remove();
    }
  }

  @Override
  public synchronized void pause(long nanos) {
    if (nanos <= 0) {
      return;
    }
    long now = ticker.getAsLong();
    long until = now + Math.min(nanos, Long.MAX_VALUE / 4);
    if (!paused || until - pausedUntil > 0) {
      pausedUntil = until;
      paused = true;
    }
  }

  @Override
  public synchronized Usage usage() {
    long now = ticker.getAsLong();
    long pausedFor = paused && pausedUntil - now > 0 ? pausedUntil - now : 0;
    return new Usage(endpoint.used(now), endpoint.limit(), pausedFor,
        Math.max(pausedFor, endpoint.waitNanos(now)));
  }

  /** Keys with a per-key record now (for tests: memory stays bounded). */
  synchronized int trackedKeys() {
    return keys.size();
  }

  /** The grant times of the last {@code limit} permits, in a ring. */
  private static final class Window {
    final long occupancy;
    final long[] granted;
    int count;
    int next;

    Window(int limit, long occupancy) {
      this.granted = new long[limit];
      this.occupancy = occupancy;
    }

    int limit() {
      return granted.length;
    }

    /** 0 when a permit may be granted at {@code now}, else the nanoseconds until one may. */
    long waitNanos(long now) {
      if (count < granted.length) {
        return 0;
      }
      long oldest = granted[next]; // the ring is full: the next slot to overwrite is the oldest
      long age = now - oldest;
      return age >= occupancy ? 0 : occupancy - age;
    }

    void record(long now) {
      granted[next] = now;
      next = (next + 1) % granted.length;
      if (count < granted.length) {
        count++;
      }
    }

    long newest() {
      return granted[(next - 1 + granted.length) % granted.length];
    }

    int used(long now) {
      int used = 0;
      for (int i = 0; i < count; i++) {
        if (now - granted[i] < occupancy) {
          used++;
        }
      }
      return used;
    }
  }
}

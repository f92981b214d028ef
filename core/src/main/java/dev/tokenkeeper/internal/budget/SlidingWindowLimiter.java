package dev.tokenkeeper.internal.budget;

import dev.tokenkeeper.TokenBudget;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The in-process {@link RateLimiter}: an exact sliding window counted from the answers. A permit
 * holds its slot while its request is in flight and for one {@linkplain TokenBudget#occupancy
 * occupancy} (the window plus a small guard) after the answer arrived; a new permit is granted only
 * while fewer than {@code N} slots are held. The provider logs a request at some moment between
 * its sending and its answer, so two requests it logs in the same slot are always at least one
 * window apart: no window it measures ever holds more than {@code N}, however late the network
 * delivers them. The per-key limit is the same, per key; a key's record is dropped once it has
 * nothing in flight and nothing left in its window, so memory follows the keys active within one
 * window.
 *
 * <p>Thread-safe (one lock; every operation is a few deque operations, no I/O). Time comes from a
 * monotonic ticker in nanoseconds, so a wall-clock step changes nothing.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class SlidingWindowLimiter implements RateLimiter {
  private final LongSupplier ticker;
  private final Window endpoint;
  private final int perKeyRequests;
  private final long perKeyOccupancy;
  /** Per-key windows, in the order they were last touched (oldest first). */
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
    if (perKeyRequests > 0) {
      dropIdleKeys(now);
      Window perKey = keys.remove(key); // re-inserted last: the map stays in order of use
      if (perKey == null) {
        perKey = new Window(perKeyRequests, perKeyOccupancy);
      }
      long keyWait = perKey.waitNanos(now);
      keys.put(key, perKey);
      if (keyWait > 0) {
        return -keyWait;
      }
      perKey.inFlight++;
    }
    endpoint.inFlight++;
    return GRANTED;
  }

  @Override
  public synchronized void complete(String key) {
    long now = ticker.getAsLong();
    endpoint.complete(now);
    if (perKeyRequests > 0) {
      Window perKey = keys.remove(key);
      if (perKey != null) {
        perKey.complete(now);
        keys.put(key, perKey);
      }
    }
  }

  private void dropIdleKeys(long now) {
    Iterator<Window> it = keys.values().iterator();
    while (it.hasNext()) {
      Window w = it.next();
      w.expire(now);
      if (w.inFlight > 0 || !w.answered.isEmpty()) {
        return; // still holding a slot; the keys behind it were used later
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
    endpoint.expire(now);
    return new Usage(endpoint.inFlight + endpoint.answered.size(), endpoint.limit, pausedFor,
        Math.max(pausedFor, endpoint.waitNanos(now)));
  }

  /** Keys with a per-key record now (for tests: memory stays bounded). */
  synchronized int trackedKeys() {
    dropIdleKeys(ticker.getAsLong());
    return keys.size();
  }

  /** The slots of one limit: requests in flight, and when the answered ones were answered. */
  private static final class Window {
    final int limit;
    final long occupancy;
    /** Answer times within the last occupancy, oldest first; at most {@code limit}. */
    final java.util.ArrayDeque<Long> answered = new java.util.ArrayDeque<>();
    int inFlight;

    Window(int limit, long occupancy) {
      this.limit = limit;
      this.occupancy = occupancy;
    }

    void expire(long now) {
      while (!answered.isEmpty() && now - answered.peekFirst() >= occupancy) {
        answered.pollFirst();
      }
    }

    /** 0 when a permit may be granted at {@code now}, else the nanoseconds until one may. */
    long waitNanos(long now) {
      expire(now);
      if (inFlight + answered.size() < limit) {
        return 0;
      }
      // Full: the oldest answer's slot frees first; with every slot in flight, one window after
      // the first answer, which is at least one window away.
      return answered.isEmpty() ? occupancy : occupancy - (now - answered.peekFirst());
    }

    void complete(long now) {
      if (inFlight > 0) {
        inFlight--;
        answered.addLast(now);
        if (answered.size() > limit) {
          answered.pollFirst();
        }
      }
    }
  }
}

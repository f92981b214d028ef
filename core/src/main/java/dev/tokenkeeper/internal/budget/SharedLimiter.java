package dev.tokenkeeper.internal.budget;

import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenStore;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The {@link RateLimiter} of a cluster: the permits live in a shared {@link TokenStore} (Redis),
 * counted for every instance together, and the provider's {@code Retry-After} pauses them all.
 * When the store cannot answer, this instance falls back to its own in-process limiter (so it
 * still never exceeds the budget on its own) and reports it; the next call asks the store again.
 *
 * <p>Once the store says the endpoint is full for the next {@code w} nanoseconds, the answer is
 * remembered until then: no slot can free earlier (slots free with time only, and a pause only
 * grows), so a queue of waiting requests does not ask the store again for each of them.
 *
 * <p>Thread-safe. Internal: not part of TokenKeeper's API.
 */
public final class SharedLimiter implements RateLimiter {
  private final TokenStore store;
  private final String name;
  private final TokenBudget budget;
  private final RateLimiter local;
  private final LongSupplier ticker;
  private final Consumer<Throwable> onFailure;
  /** Permits the local fallback granted, per key, whose requests have not completed. */
  private final ConcurrentHashMap<String, AtomicInteger> localOpen = new ConcurrentHashMap<>();
  private volatile long fullUntil;
  private volatile boolean full;

  /**
   * @param name the budget's name in the store (one per token endpoint)
   * @param local the in-process limiter used while the store is unreachable
   * @param onFailure told when the store failed (the caller logs, rate-limited)
   */
  public SharedLimiter(TokenStore store, String name, TokenBudget budget, RateLimiter local,
      LongSupplier ticker, Consumer<Throwable> onFailure) {
    this.store = Objects.requireNonNull(store, "store");
    this.name = Objects.requireNonNull(name, "name");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.local = Objects.requireNonNull(local, "local");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
  }

  @Override
  public long tryAcquire(String key) {
    long now = ticker.getAsLong();
    if (full && fullUntil - now > 0) {
      return fullUntil - now;
    }
    long r;
    try {
      r = store.acquirePermit(name, budget, key);
    } catch (RuntimeException e) {
      onFailure.accept(e);
      long granted = local.tryAcquire(key);
      if (granted == GRANTED) {
        localOpen.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      }
      return granted;
    }
    if (r > 0) {
      fullUntil = now + r;
      full = true;
    } else {
      full = false;
    }
    return r;
  }

  @Override
  public void complete(String key) {
    AtomicInteger open = localOpen.get(key);
    if (open != null && open.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      if (open.get() == 0) {
        localOpen.remove(key, open);
      }
      local.complete(key); // granted by the fallback while the store was away
      return;
    }
    try {
      store.completePermit(name, key);
    } catch (RuntimeException e) {
      onFailure.accept(e);
    }
  }

  @Override
  public void pause(long nanos) {
    local.pause(nanos);
    if (nanos > 0) {
      long now = ticker.getAsLong();
      fullUntil = full && fullUntil - now > nanos ? fullUntil : now + nanos;
      full = true;
    }
    try {
      store.pausePermits(name, nanos);
    } catch (RuntimeException e) {
      onFailure.accept(e);
    }
  }

  @Override
  public Usage usage() {
    try {
      long pause = store.permitPause(name);
      int used = store.permitsUsed(name, budget);
      long now = ticker.getAsLong();
      long next = full && fullUntil - now > 0 ? fullUntil - now : 0;
      return new Usage(used, budget.requests(), pause, Math.max(pause, next));
    } catch (RuntimeException e) {
      onFailure.accept(e);
      return local.usage();
    }
  }
}

package dev.tokenkeeper.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the per-key slots of a {@code TokenManager} live: the one place that finds, creates,
 * re-times and removes them (a shared token store would sit here). Thread-safe. Not part of the
 * API.
 *
 * <p>A plain {@link ConcurrentHashMap} is the key's one source of truth ({@link #peek} is the hot
 * path's single map read); a bounded Caffeine cache beside it is the eviction policy: its size
 * bound and its per-entry expiry (the moment nothing can revive the state) decide which slots go,
 * and its eviction listener retires them. A slot with a request in flight is never retired by
 * eviction: it stays in the map, and goes back into the cache when its request is over, so that
 * eviction can neither start a second request for the key nor lose the first one's answer.
 */
public final class KeyTable {
  /** How long an empty slot is kept after it was made, so that it is claimed before it expires. */
  static final long EMPTY_GRACE = 60_000_000_000L;
  /**
   * How long a key whose provider session ended is remembered (when a primary grant can start a
   * new one), so that the new session is reported as {@code REACQUIRED}: an hour.
   */
  public static final long ENDED_SESSION_MEMORY = 3_600_000_000_000L;

  /** Hears that Caffeine retired a slot. */
  @FunctionalInterface
  public interface EvictionListener {
    void evicted(KeySlot slot, TokenState state, boolean expired);
  }

  private final ManagerContext ctx;
  private final ConcurrentHashMap<String, KeySlot> index = new ConcurrentHashMap<>();
  private final Cache<String, KeySlot> cache;
  private final EvictionListener onEvicted;

  public KeyTable(ManagerContext ctx, long maximumSize, EvictionListener onEvicted) {
    this.ctx = ctx;
    this.onEvicted = onEvicted;
    // A synchronous Cache of slots rather than an AsyncCache of tokens: the value put in the
    // cache is a slot (no I/O, so nothing blocks other writers), and the token request lives in
    // the slot's own in-flight future. This lets a STALE key keep serving its current token while
    // the refresh runs, which a future-valued AsyncCache entry cannot do.
    this.cache = Caffeine.newBuilder()
        .maximumSize(maximumSize)
        .expireAfter(new SlotExpiry())
        .ticker(ctx.ticker::read)
        // Maintenance (and so eviction) on the writing thread: the index shrinks as soon as the
        // cache does, and no pool thread is needed.
        .executor(Runnable::run)
        .evictionListener(this::evicted)
        .build();
  }

  /**
   * The map of slots itself, for the hot path of {@code TokenManager} to read without an extra
   * hop; read only, never written through this reference.
   */
  public ConcurrentHashMap<String, KeySlot> hotPathView() {
    return index;
  }

  /** The key's slot, or {@code null}; one map read. */
  public KeySlot peek(String key) {
    return index.get(key);
  }

  /** The key's live slot, or {@code null}. */
  public KeySlot live(String key) {
    KeySlot slot = index.get(key);
    return slot == null || slot.retired() ? null : slot;
  }

  /** The key's live slot, made empty if there is none. */
  public KeySlot getOrCreate(String key) {
    for (;;) {
      KeySlot slot = index.get(key);
      if (slot != null && !slot.retired()) {
        return slot;
      }
      KeySlot made = new KeySlot(key, ctx.now());
      made.keepUntil = Times.add(ctx.now(), EMPTY_GRACE);
      boolean in = slot == null ? index.putIfAbsent(key, made) == null
          : index.replace(key, slot, made);
      if (in) {
        cache.asMap().put(key, made);
        return made;
      }
    }
  }

  /** Removes a retired slot from both structures. */
  public void remove(KeySlot slot) {
    index.remove(slot.key, slot);
    cache.asMap().remove(slot.key, slot);
  }

  /** Makes Caffeine ask the expiry of {@code slot} again (after its state or request changed). */
  public void retime(KeySlot slot) {
    if (slot.takeEvictedWhileBusy()) {
      reinsert(slot);
      return;
    }
    // replace(k, v, v) makes Caffeine ask the Expiry again (expireAfterUpdate).
    cache.asMap().replace(slot.key, slot, slot);
  }

  /** A slot evicted while its request ran goes back into the cache when the request is over. */
  public void reinsert(KeySlot slot) {
    if (!slot.retired() && index.get(slot.key) == slot) {
      cache.asMap().putIfAbsent(slot.key, slot);
    }
  }

  /** Records a use for Caffeine's size eviction (and re-times the entry). */
  public void touch(KeySlot slot) {
    cache.getIfPresent(slot.key);
  }

  /** Every slot now, for close(). */
  public Iterable<KeySlot> slots() {
    return index.values();
  }

  /** Forgets every slot (close()). */
  public void clear() {
    cache.invalidateAll();
    index.clear();
  }

  /**
   * The earliest expiry among the tokens held that have not expired yet, as a wall-clock instant
   * ({@code wallNow} plus the remaining ticker time), or empty. Walks every slot: for metrics.
   */
  public java.util.Optional<java.time.Instant> earliestExpiry(java.time.Instant wallNow) {
    long now = ctx.now();
    long earliest = Long.MAX_VALUE;
    for (KeySlot slot : index.values()) {
      TokenState s = slot.retired() ? null : slot.state;
      if (s != null && s.expiresAt > now && s.expiresAt < earliest) {
        earliest = s.expiresAt;
      }
    }
    return earliest == Long.MAX_VALUE ? java.util.Optional.empty()
        : java.util.Optional.of(wallNow.plusNanos(earliest - now));
  }

  public long estimatedSize() {
    return cache.estimatedSize();
  }

  /** Runs Caffeine's pending maintenance (tests). */
  public void cleanUp() {
    cache.cleanUp();
  }

  /** The size of the index (tests). */
  public int size() {
    return index.size();
  }

  /** Caffeine evicted {@code slot} (size or expiry); called inside the eviction: keep it short. */
  private void evicted(String key, KeySlot slot, RemovalCause cause) {
    if (key == null || slot == null) {
      return;
    }
    TokenState s = slot.state;
    if (slot.retireIfIdle()) {
      index.remove(key, slot);
      onEvicted.evicted(slot, s, cause == RemovalCause.EXPIRED);
    }
  }

  private final class SlotExpiry implements Expiry<String, KeySlot> {
    @Override
    public long expireAfterCreate(String key, KeySlot slot, long currentTime) {
      return nanosToLive(slot, currentTime);
    }

    @Override
    public long expireAfterUpdate(String key, KeySlot slot, long currentTime,
        long currentDuration) {
      return nanosToLive(slot, currentTime);
    }

    @Override
    public long expireAfterRead(String key, KeySlot slot, long currentTime,
        long currentDuration) {
      return nanosToLive(slot, currentTime);
    }

    private long nanosToLive(KeySlot slot, long currentTime) {
      if (slot.busy()) {
        return Long.MAX_VALUE; // see the class comment
      }
      TokenState s = slot.state;
      long deadline = slot.keepUntil;
      if (s != null) {
        long revive = s.reviveDeadline(slot.lastUsed);
        if (ctx.hasPrimaryGrant() && s.hasSessionDeadline()) {
          // Past the session's end the slot is kept a while, so that the next token is known as
          // a re-acquisition, whether the session timer or a caller notices the end first.
          revive = Times.add(revive, ENDED_SESSION_MEMORY);
        }
        deadline = Math.max(deadline, revive);
      }
      if (deadline == Times.NEVER) {
        return Long.MAX_VALUE;
      }
      return Math.max(0, Times.minus(deadline, currentTime));
    }
  }
}

package dev.tokenkeeper.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * The per-key slot of a {@code TokenManager}: the current {@link TokenState}, the one token request
 * in flight, and whether the slot still stands for its key. Not part of the API.
 *
 * <p><b>The invariants it guards.</b> Every transition (claim the request, publish its answer,
 * release it, put a state, strip a refused refresh token, end, retire) runs under the slot's own
 * monitor, briefly and with no I/O, so that
 * <ul>
 *   <li>at most one request is in flight per slot, and a retired slot never starts one;
 *   <li>a state lives in one slot only: a retired slot's state is never moved to another slot, and
 *       an answer that lands on a retired slot is handed to its waiting callers, never stored;
 *   <li>a slot with a request in flight is never retired by eviction (Caffeine's size or expiry
 *       eviction), so the request's answer is never lost and no second request starts for the key.
 * </ul>
 * The hot path takes no lock: it reads {@link #state} and {@link #lastUsed}, two volatile fields.
 * Callers never call into Caffeine while holding a slot's monitor (Caffeine's eviction listener
 * takes it inside Caffeine's own lock, so that order is the only one).
 */
public final class KeySlot {
  private static final VarHandle WARNED_FOR;
  private static final VarHandle WARNED_AT;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      WARNED_FOR = lookup.findVarHandle(KeySlot.class, "warnedFor", long.class);
      WARNED_AT = lookup.findVarHandle(KeySlot.class, "warnedAt", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** What became of an answer offered to {@link #publish}. */
  public enum Outcome {
    /** Stored: it is the key's state now. */
    STORED,
    /** A put() (or another answer) replaced the state the request started from: that one wins. */
    SUPERSEDED,
    /** The slot was retired (invalidate, end): the answer goes to the waiting callers only. */
    DROPPED,
    /** revoke(key) retired the slot: the answer must be revoked, not served. */
    REVOKED
  }

  public final String key;
  /** The state the hot path serves; {@code null} while none is held. Written under the monitor. */
  public volatile TokenState state;
  /** The last recorded use, ticker nanos: the idle timeout runs from here. */
  public volatile long lastUsed;

  /**
   * The one request in flight, or {@code null}. Written under the monitor only; volatile so that
   * {@link #busy()} is a lock-free read: every caller of a STALE key asks it, and a monitor taken
   * by 16 callers on 2 cores parks some of them for a whole time slice.
   */
  private volatile CompletableFuture<TokenState> inFlight;
  private volatile boolean retired;
  private boolean revoked;
  private boolean evictedWhileBusy;
  /** A session of this key ended and a new one is acquired: report it as REACQUIRED. */
  private boolean reacquire;

  /** Background refreshes wait until here after one failed; callers without a token fail fast. */
  volatile long coolDownUntil;
  /** Why the key cools down, for callers that fail fast; {@code null} when not cooling down. */
  volatile RuntimeException coolDownCause;
  /** The empty slot is kept until here (cool-down, the memory of an ended session). */
  volatile long keepUntil;
  /** The session end {@code onSessionEnding} was last fired for. */
  volatile long warnedFor;
  /** When a WARNING about this key was last logged. */
  volatile long warnedAt = Long.MIN_VALUE;
  /** When a 401 last caused a refresh. */
  volatile long rejectedRefreshAt = Long.MIN_VALUE;
  /** The revocation of an answer that arrived after revoke(key), for revoke(key) to wait on. */
  volatile CompletableFuture<Throwable> lateRevocation;
  /** The answer {@link #lateRevocation} revokes, set before it. */
  volatile TokenState lateRevoked;
  /** The request of this slot waiting for a token-budget slot, to promote when a caller waits. */
  volatile dev.tokenkeeper.internal.budget.BudgetQueue.Ticket budgetTicket;
  /** The pending session timer of this slot, or {@code null}; see {@link SessionWatch}. */
  volatile SessionWatch.Timer timer;
  /** The shared store's version of the state held here (0: none seen); see {@link SharedState}. */
  private volatile long version;

  KeySlot(String key, long now) {
    this.key = key;
    this.lastUsed = now;
  }

  /** Whether the slot no longer stands for its key (forgotten, ended, revoked or evicted). */
  public boolean retired() {
    return retired;
  }

  /** The store version this slot's state corresponds to, 0 when none. */
  public long version() {
    return version;
  }

  /**
   * Records that the state held here is the store's {@code seen}; never goes back. A version is
   * only ever recorded together with the state it belongs to (under this monitor), so a claim
   * never presents a version newer than the state it would refresh from.
   */
  synchronized void advanceVersion(long seen) {
    if (seen > version) {
      version = seen;
    }
  }

  /** {@link #advanceVersion} if {@code expected} is still the state. */
  synchronized boolean advanceVersionIf(TokenState expected, long seen) {
    if (state != expected) {
      return false;
    }
    advanceVersion(seen);
    return true;
  }

  /**
   * Replaces {@code basis} by {@code next}, the store's version {@code seen}, unless a request
   * is in flight (it owns the slot's state until it publishes) or the state moved on.
   */
  synchronized boolean replaceIfIdle(TokenState basis, TokenState next, long seen) {
    if (retired || inFlight != null || state != basis) {
      return false;
    }
    state = next;
    advanceVersion(seen);
    return true;
  }

  /** {@link #replace} and record the store's version of {@code next}, in one step. */
  synchronized boolean replace(TokenState basis, TokenState next, long seen) {
    if (!replace(basis, next)) {
      return false;
    }
    advanceVersion(seen);
    return true;
  }

  /** Whether revoke(key) retired the slot: a request of it still waiting must not be sent. */
  synchronized boolean revoked() {
    return revoked;
  }

  /** Whether a token request is in flight. */
  public boolean busy() {
    return inFlight != null;
  }

  /**
   * Claims the request slot for a request from {@code basis} (the state the caller judged,
   * {@code null} for none).
   *
   * @return {@code promise} when the caller must send the request; the request in flight to
   *     join; or {@code null} when the slot was retired or its state changed meanwhile, and the
   *     caller must look again
   */
  synchronized CompletableFuture<TokenState> claim(TokenState basis,
      CompletableFuture<TokenState> promise) {
    if (retired) {
      return null;
    }
    if (inFlight != null) {
      return inFlight;
    }
    if (state != basis) {
      // A request completed, put() stored a token, or the store's copy replaced the state after
      // the caller looked: the caller judges the new state (it may be a copy that is just as
      // expired). This is also what keeps a late 401 for a replaced token from refreshing again.
      return null;
    }
    inFlight = promise;
    keepUntil = 0; // the grace of an empty slot, or the memory of an ended session, is used up
    return promise;
  }

  /** The request in flight, or {@code null}. */
  synchronized CompletableFuture<TokenState> inFlight() {
    return inFlight;
  }

  /**
   * Offers the answer of the request in flight, which started from {@code basis}, and frees the
   * request slot. Stored only if the slot is live and its state is still {@code basis} (or has
   * ended meanwhile).
   */
  synchronized Outcome publish(TokenState basis, TokenState next) {
    return publish(basis, next, 0);
  }

  /** {@link #publish}, recording the store's version of {@code next} when it is stored. */
  synchronized Outcome publish(TokenState basis, TokenState next, long seen) {
    inFlight = null;
    if (retired) {
      return revoked ? Outcome.REVOKED : Outcome.DROPPED;
    }
    TokenState current = state;
    if (current != basis && current != null) {
      return Outcome.SUPERSEDED;
    }
    state = next;
    advanceVersion(seen);
    reacquire = false;
    keepUntil = 0;
    coolDownUntil = 0;
    coolDownCause = null;
    return Outcome.STORED;
  }

  /**
   * Frees the request slot after a failure.
   *
   * @return whether the slot was evicted while the request ran and must go back into the cache
   */
  synchronized boolean release() {
    inFlight = null;
    boolean evicted = evictedWhileBusy && !retired;
    evictedWhileBusy = false;
    return evicted;
  }

  /**
   * Whether the slot was evicted while its request ran (it must go back into the cache now that
   * the request is over); clears the flag.
   */
  synchronized boolean takeEvictedWhileBusy() {
    boolean evicted = evictedWhileBusy && !retired;
    evictedWhileBusy = false;
    return evicted;
  }

  /** Stores {@code next} (a put()); {@code false} when the slot is retired. */
  synchronized boolean put(TokenState next) {
    if (retired) {
      return false;
    }
    state = next;
    reacquire = false;
    keepUntil = 0;
    coolDownUntil = 0;
    coolDownCause = null;
    return true;
  }

  /**
   * The provider refused the refresh token of {@code basis} ({@code invalid_grant}): the state
   * loses it at once, before any fallback starts, so nothing can send it again.
   *
   * @return the state without the refresh token, or {@code null} when {@code basis} is no longer
   *     the state
   */
  synchronized TokenState stripRefreshToken(TokenState basis, boolean renewable) {
    if (retired || state != basis) {
      return null;
    }
    TokenState stripped = basis.withoutRefreshToken(renewable);
    state = stripped;
    return stripped;
  }

  /** Replaces {@code basis} by {@code next} if it is still the state. */
  synchronized boolean replace(TokenState basis, TokenState next) {
    if (retired || state != basis) {
      return false;
    }
    state = next;
    return true;
  }

  /**
   * Ends the state {@code judged} dead. With {@code keepSlot} (a primary grant can start a new
   * session) the slot stays, empty, and remembers that the next token is REACQUIRED; otherwise it
   * is retired.
   *
   * @return whether {@code judged} was still the state and is ended now
   */
  synchronized boolean end(TokenState judged, boolean keepSlot, long keepUntil) {
    if (retired || state != judged || judged == null) {
      return false;
    }
    state = null;
    if (keepSlot) {
      reacquire = true;
      this.keepUntil = Math.max(this.keepUntil, keepUntil);
    } else {
      retired = true;
    }
    return true;
  }

  /** Retires an empty slot whose request failed; {@code false} if it holds a state now. */
  synchronized boolean retireIfEmpty() {
    if (retired || state != null || inFlight != null) {
      return false;
    }
    retired = true;
    return true;
  }

  /**
   * Retires the slot whatever it holds (invalidate, revoke, close) and takes its state out.
   *
   * @param revoke an answer that lands later is revoked rather than handed out
   */
  synchronized TokenState retire(boolean revoke) {
    retired = true;
    revoked |= revoke;
    TokenState s = state;
    state = null;
    return s;
  }

  /**
   * Retires the slot if {@code expected} is still its state (the store announced a removal): a
   * put() that landed after the caller looked is kept.
   */
  synchronized boolean retireIfStill(TokenState expected) {
    if (retired || state != expected) {
      return false;
    }
    retired = true;
    state = null;
    return true;
  }

  /** The state and the request in flight of a slot that revoke(key) retired. */
  record Revoked(TokenState state, CompletableFuture<TokenState> inFlight) {}

  /**
   * Retires the slot for revoke(key), and takes its state and its request in flight in the same
   * step: an answer that lands afterwards sees the slot revoked and revokes its tokens itself.
   */
  synchronized Revoked retireForRevocation() {
    retired = true;
    revoked = true;
    TokenState s = state;
    state = null;
    return new Revoked(s, inFlight);
  }

  /**
   * Retires the slot for Caffeine's eviction, unless a request is in flight: then it stays the
   * key's slot (it is only out of the cache until the request is over).
   */
  synchronized boolean retireIfIdle() {
    if (retired) {
      return true;
    }
    if (inFlight != null) {
      evictedWhileBusy = true;
      return false;
    }
    retired = true;
    return true;
  }

  /**
   * The key failed without a usable token: callers fail fast with {@code cause} until
   * {@code until}, and the empty slot is kept that long.
   */
  synchronized void coolDown(long until, RuntimeException cause) {
    coolDownUntil = until;
    coolDownCause = cause;
    keepUntil = Math.max(keepUntil, until);
  }

  /** The failure callers get at {@code now} while the key cools down, or {@code null}. */
  RuntimeException coolingDown(long now) {
    RuntimeException cause = coolDownCause;
    return cause != null && now < coolDownUntil ? cause : null;
  }

  /** Whether the next token of this key is a re-acquisition after a session end. */
  synchronized boolean reacquire() {
    return reacquire;
  }

  /** Claims the one {@code onSessionEnding} for the session end {@code end}. */
  boolean claimWarning(long end) {
    long warned = warnedFor;
    return warned != end && WARNED_FOR.compareAndSet(this, warned, end);
  }

  /** Whether a WARNING about this key may be logged now (at most one per {@code interval}). */
  boolean mayWarn(long now, long interval) {
    long last = warnedAt;
    return (last == Long.MIN_VALUE || now - last >= interval)
        && WARNED_AT.compareAndSet(this, last, now);
  }

  @Override
  public String toString() {
    return "KeySlot[key=" + key + ", state=" + state + ", retired=" + retired + "]";
  }
}

package dev.tokenkeeper.internal;

import static dev.tokenkeeper.internal.Times.NEVER;

import dev.tokenkeeper.SessionTimeouts;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches the provider sessions of a {@code TokenManager}'s keys: fires
 * {@code onSessionEnding} a warning period before the earlier deadline, and ends the session when
 * it has passed, on use and on a timer, so an idle session is reported too. Thread-safe. Not part
 * of the API.
 *
 * <p><b>The invariant it guards: timers are bounded.</b> Each slot has at most one pending timer,
 * held here in one ordered queue; forgetting, replacing, ending or evicting a key removes its
 * timer at once. The scheduler sees at most one wake-up per earlier deadline (normally one in all),
 * and a wake-up runs every timer that is due. A timer never runs on the thread that arms it: when
 * the scheduler refuses, the session is still checked on the key's next use.
 */
public final class SessionWatch {
  private static final VarHandle WAKE_AT;

  static {
    try {
      WAKE_AT = MethodHandles.lookup().findVarHandle(SessionWatch.class, "wakeAt", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Ends a session found over. */
  @FunctionalInterface
  public interface Ender {
    void sessionOver(KeySlot slot, TokenState judged);
  }

  /** One pending check of one slot's session. */
  static final class Timer implements Comparable<Timer> {
    final KeySlot slot;
    final long due;
    final long seq;

    Timer(KeySlot slot, long due, long seq) {
      this.slot = slot;
      this.due = due;
      this.seq = seq;
    }

    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private final ManagerContext ctx;
  private final ConcurrentSkipListSet<Timer> queue = new ConcurrentSkipListSet<>();
  private final AtomicLong sequence = new AtomicLong();
  private volatile long wakeAt = NEVER;
  private volatile Ender ender;

  public SessionWatch(ManagerContext ctx) {
    this.ctx = ctx;
  }

  public void ender(Ender ender) {
    this.ender = ender;
  }

  /** Fires the session events that are due for {@code slot}. */
  public void check(KeySlot slot, long now, long wallNow) {
    TokenState s = slot.state;
    if (s == null || slot.retired()) {
      return;
    }
    long lastUsed = slot.lastUsed;
    if (s.sessionOver(now, wallNow, lastUsed)) {
      ender.sessionOver(slot, s);
      return;
    }
    long end = s.sessionEnd(lastUsed);
    if (end != NEVER && now >= warningFrom(s, end) && slot.claimWarning(end)) {
      ctx.events.sessionEnding(slot.key, timeouts(s, lastUsed));
    }
  }

  /**
   * Makes sure {@code slot}'s timer fires when its next session event is due, replacing the
   * pending one; removes it when there is nothing to watch.
   */
  public void arm(KeySlot slot) {
    TokenState s = slot.state;
    if (ctx.closed() || s == null || slot.retired() || !s.hasSessionDeadline()) {
      forget(slot);
      return;
    }
    long now = ctx.now();
    long end = s.sessionEnd(slot.lastUsed);
    if (end == NEVER) {
      forget(slot); // only a wall-clock end too far away to time: checked on use
      return;
    }
    long warnFrom = warningFrom(s, end);
    long due = slot.warnedFor != end && now < warnFrom ? warnFrom : end;
    if (due <= now) {
      // Due already, yet the check that ran before found nothing to do (the wall clock, which
      // decides an absolute end, was stepped back): look again a touch interval later.
      due = Times.add(now, s.touchInterval);
    }
    synchronized (slot) {
      Timer old = slot.timer;
      if (old != null && old.due == due) {
        return;
      }
      Timer t = new Timer(slot, due, sequence.incrementAndGet());
      slot.timer = t;
      queue.add(t);
      if (old != null) {
        queue.remove(old);
      }
    }
    if (slot.retired()) {
      forget(slot); // retired meanwhile: whoever retired it may have looked before we armed
      return;
    }
    wakeUpBy(due, now);
  }

  /** Removes {@code slot}'s timer. */
  public void forget(KeySlot slot) {
    Timer t;
    synchronized (slot) {
      t = slot.timer;
      slot.timer = null;
    }
    if (t != null) {
      queue.remove(t);
    }
  }

  /** Forgets every timer (close()). */
  public void clear() {
    queue.clear();
  }

  /** Pending timers (tests): at most one per watched key. */
  public int pending() {
    return queue.size();
  }

  /**
   * The provider session's timeouts as known now, instants on the wall clock (converted from the
   * ticker through the state's own anchor, so the same state and use give the same instants).
   */
  public SessionTimeouts timeouts(TokenState s, long lastUsed) {
    boolean idle = s.idleTimeout != NEVER;
    Instant absolute = s.absoluteWall != NEVER ? Instant.ofEpochMilli(s.absoluteWall)
        : s.absoluteDeadline == NEVER ? null
        : Instant.ofEpochMilli(s.wallMillis(s.absoluteDeadline));
    return new SessionTimeouts(s.sessionId, idle ? Times.duration(s.idleTimeout) : null,
        idle ? Instant.ofEpochMilli(s.wallMillis(s.idleDeadline(lastUsed))) : null, absolute);
  }

  private long warningFrom(TokenState s, long end) {
    // Against the idle deadline, warn at most half the idle timeout ahead: otherwise a key used
    // steadily would be "ending" after every use.
    long warning = end == s.absoluteDeadline
        ? ctx.sessionWarning : Math.min(ctx.sessionWarning, s.idleTimeout / 2);
    return Times.before(end, warning);
  }

  private void wakeUpBy(long due, long now) {
    for (;;) {
      long armed = wakeAt;
      if (armed <= due) {
        return;
      }
      if (WAKE_AT.compareAndSet(this, armed, due)) {
        if (!ctx.schedule(() -> wake(due), Times.minus(due, now))) {
          WAKE_AT.compareAndSet(this, due, NEVER);
        }
        return;
      }
    }
  }

  /** A wake-up armed for {@code armedFor}: runs every due timer, then arms the next wake-up. */
  private void wake(long armedFor) {
    WAKE_AT.compareAndSet(this, armedFor, NEVER);
    if (ctx.closed()) {
      return;
    }
    long now = ctx.now();
    for (;;) {
      Timer t = queue.isEmpty() ? null : first();
      if (t == null || t.due > now) {
        break;
      }
      if (queue.remove(t)) {
        fire(t, now);
      }
    }
    Timer head = first();
    if (head != null) {
      wakeUpBy(head.due, ctx.now());
    }
  }

  private Timer first() {
    try {
      return queue.first();
    } catch (java.util.NoSuchElementException e) {
      return null;
    }
  }

  private void fire(Timer t, long now) {
    KeySlot slot = t.slot;
    synchronized (slot) {
      if (slot.timer != t) {
        return; // replaced meanwhile
      }
      slot.timer = null;
    }
    if (slot.retired()) {
      return;
    }
    check(slot, now, ctx.wallNow());
    arm(slot);
  }
}

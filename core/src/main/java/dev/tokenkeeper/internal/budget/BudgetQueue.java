package dev.tokenkeeper.internal.budget;

import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.TokenBudgetExceededException.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Who gets the next permit of a {@link RateLimiter}: requests that find no free slot queue here,
 * in two lanes. {@link Lane#WAITING} (a caller waits for the answer) goes first, in arrival order,
 * and each entry waits at most the budget's maximum wait; {@link Lane#REFRESH} (a refresh ahead of
 * expiry, while the current token stays in service) comes after, the earliest deadline first, and
 * never times out. A request of a key that its per-key limit holds back does not block the
 * requests behind it. When the queue is full, a waiting request pushes out the refresh with the
 * latest deadline, or is refused; a refresh is refused (deferred).
 *
 * <p>Thread-safe. Decisions are made under one lock; {@link Request#send} and
 * {@link Request#refuse} are always called after it is released, so they may send, complete
 * futures and submit again. Time comes from a monotonic ticker; the queue arms one wake-up at a
 * time on the given {@link Wakeups}, for the moment the next permit may free or the oldest waiting
 * request runs out of time. It never blocks a thread: callers wait on their own futures.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class BudgetQueue {
  private static final System.Logger LOG = System.getLogger(BudgetQueue.class.getName());

  /** Runs a task once after a delay; must not run it on the calling thread before returning. */
  @FunctionalInterface
  public interface Wakeups {
    void schedule(Runnable task, long delayNanos);
  }

  /** The two priorities. */
  public enum Lane {
    /** A caller waits for this request: no usable token, a 401, or a revocation. */
    WAITING,
    /** A refresh ahead of expiry: the current token stays in service meanwhile. */
    REFRESH
  }

  /** A request that wants a permit. */
  public interface Request {
    /** The key whose per-key limit applies. */
    String key();

    /**
     * Whether the request is still wanted; checked before a permit is taken for it, so an
     * obsolete request (its key was given a token meanwhile, or forgotten) costs no permit and is
     * dropped silently. Called under the queue's lock: read state, never block or call back.
     */
    default boolean wanted() {
      return true;
    }

    /** {@link #wanted()} said no: the request left the queue without a permit. */
    default void dropped() {}

    /** A permit was taken: send the request now. */
    void send();

    /**
     * No permit came: the maximum wait passed, or the queue was full. For {@link Lane#REFRESH},
     * the request is deferred: the caller keeps its token and may try again.
     */
    void refuse(TokenBudgetExceededException e);
  }

  private final TokenBudget budget;
  private final RateLimiter limiter;
  private final LongSupplier ticker;
  private final Clock clock;
  private final Wakeups wakeups;
  private final long maxWaitNanos;
  private final int maxQueued;

  private final TreeSet<Entry> queue = new TreeSet<>(ORDER);
  private long seq;
  private boolean armed;
  private long armedAt;

  private long sent;
  private long queuedTotal;
  private long deferred;
  private long refused;

  /**
   * @param budget the budget's settings (queue size, maximum wait), for decisions and messages
   * @param limiter the permits
   * @param ticker monotonic nanoseconds, the limiter's time
   * @param clock the wall clock, only to tell users when the next slot frees
   * @param wakeups where the queue's timer runs
   * @param defaultMaxWait the maximum wait when the budget sets none (the retry policy's budget)
   */
  public BudgetQueue(TokenBudget budget, RateLimiter limiter, LongSupplier ticker, Clock clock,
      Wakeups wakeups, Duration defaultMaxWait) {
    this.budget = Objects.requireNonNull(budget, "budget");
    this.limiter = Objects.requireNonNull(limiter, "limiter");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.wakeups = Objects.requireNonNull(wakeups, "wakeups");
    this.maxWaitNanos = saturatedNanos(budget.maxWait().orElse(defaultMaxWait));
    this.maxQueued = budget.maxQueuedKeys();
  }

  public TokenBudget budget() {
    return budget;
  }

  public RateLimiter limiter() {
    return limiter;
  }

  /**
   * Sends {@code request} at once if a permit is free and nothing of higher priority queues,
   * else queues it (or refuses it when the queue is full or no wait is allowed).
   *
   * @param deadlineNanos for {@link Lane#REFRESH}: the ticker time by which the refresh should be
   *     done (the token's expiry margin), which orders the lane; ignored for {@link Lane#WAITING}
   * @return the ticket, which can {@linkplain Ticket#promote promote} a queued refresh once a
   *     caller waits for it
   */
  public Ticket submit(Request request, Lane lane, long deadlineNanos) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(lane, "lane");
    Entry entry = new Entry(request, lane, deadlineNanos);
    List<Runnable> actions = new ArrayList<>(2);
    synchronized (this) {
      long now = ticker.getAsLong();
      if (queue.isEmpty()) {
        long r = limiter.tryAcquire(request.key());
        if (r == RateLimiter.GRANTED) {
          sent++;
          entry.state = Entry.SENT;
          actions.add(request::send);
        }
      }
      if (entry.state != Entry.SENT) {
        enqueue(entry, now, actions);
        dispatch(now, actions);
      }
    }
    run(actions);
    return new Ticket(entry);
  }

  /**
   * A request of {@code key} that took a permit has its answer (or failed): its slot frees one
   * window from now; the queue is looked at again (with every slot in flight, this is what wakes
   * it).
   */
  public void completed(String key) {
    limiter.complete(key);
    poll();
  }

  /** Pauses every permit for {@code delay} from now: the provider answered 429 or 503. */
  public void pause(Duration delay) {
    limiter.pause(saturatedNanos(delay));
    List<Runnable> actions = new ArrayList<>(0);
    synchronized (this) {
      dispatch(ticker.getAsLong(), actions); // re-arms the wake-up for the end of the pause
    }
    run(actions);
  }

  /** Runs the queue now: for the wake-up, and for tests. */
  public void poll() {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      dispatch(ticker.getAsLong(), actions);
    }
    run(actions);
  }

  /**
   * Takes every request out of the queue without a permit and calls {@link Request#dropped} on
   * each: for a manager that closes, whose queued callers must not wait for ever.
   */
  public void dropAll() {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      for (Entry e : queue) {
        e.state = Entry.DROPPED;
        actions.add(e.request::dropped);
      }
      queue.clear();
    }
    run(actions);
  }

  /** A snapshot of the queue and the limiter. */
  public synchronized Snapshot snapshot() {
    int waiting = 0;
    for (Entry e : queue) {
      if (e.lane == Lane.WAITING) {
        waiting++;
      }
    }
    return new Snapshot(limiter.usage(), queue.size(), waiting, sent, queuedTotal, deferred,
        refused);
  }

  /**
   * The queue's counters.
   *
   * @param usage the limiter's state
   * @param queued requests queued now
   * @param waiting of which callers wait for
   * @param sent permits taken through this queue
   * @param queuedTotal requests that had to queue
   * @param deferred refreshes ahead of expiry that found no slot at once (queued or refused)
   * @param refused waiting requests refused (maximum wait, or queue full)
   */
  public record Snapshot(RateLimiter.Usage usage, int queued, int waiting, long sent,
      long queuedTotal, long deferred, long refused) {}

  /** A submitted request's handle. */
  public final class Ticket {
    private final Entry entry;

    private Ticket(Entry entry) {
      this.entry = entry;
    }

    /** Whether the request still waits in the queue. */
    public boolean queued() {
      synchronized (BudgetQueue.this) {
        return entry.state == Entry.QUEUED;
      }
    }

    /** Whether a permit was taken for it. */
    public boolean sent() {
      synchronized (BudgetQueue.this) {
        return entry.state == Entry.SENT;
      }
    }

    /**
     * A caller now waits for this queued refresh (its token expired, or was rejected): it moves
     * to the waiting lane, behind the callers already waiting, with the maximum wait from now.
     * Does nothing once the request has left the queue.
     */
    public void promote() {
      List<Runnable> actions = new ArrayList<>(1);
      synchronized (BudgetQueue.this) {
        if (entry.state != Entry.QUEUED || entry.lane == Lane.WAITING) {
          return;
        }
        long now = ticker.getAsLong();
        queue.remove(entry);
        entry.lane = Lane.WAITING;
        entry.seq = ++seq;
        entry.enqueuedAt = now;
        entry.expiresAt = now + maxWaitNanos;
        queue.add(entry);
        dispatch(now, actions);
      }
      run(actions);
    }

    /** Takes the request out of the queue without a callback; whether it was still queued. */
    public boolean cancel() {
      synchronized (BudgetQueue.this) {
        if (entry.state != Entry.QUEUED) {
          return false;
        }
        queue.remove(entry);
        entry.state = Entry.DROPPED;
        return true;
      }
    }
  }

  // ---- under the lock --------------------------------------------------------------------

  private void enqueue(Entry entry, long now, List<Runnable> actions) {
    if (entry.lane == Lane.REFRESH) {
      deferred++;
    }
    if (queue.size() >= maxQueued) {
      Entry worst = queue.isEmpty() ? null : queue.last();
      if (entry.lane == Lane.WAITING && worst != null && worst.lane == Lane.REFRESH) {
        queue.remove(worst); // waiting callers first: the refresh with the latest deadline yields
        worst.state = Entry.REFUSED;
        actions.add(refusal(worst, Reason.QUEUE_FULL, now));
      } else {
        entry.state = Entry.REFUSED;
        if (entry.lane == Lane.WAITING) {
          refused++;
        }
        actions.add(refusal(entry, Reason.QUEUE_FULL, now));
        return;
      }
    }
    entry.seq = ++seq;
    entry.enqueuedAt = now;
    entry.expiresAt = now + maxWaitNanos;
    entry.state = Entry.QUEUED;
    queue.add(entry);
    queuedTotal++;
  }

  /** Grants what the limiter allows in priority order, expires waits, and arms the wake-up. */
  private void dispatch(long now, List<Runnable> actions) {
    long endpointWait = 0;
    long keyWait = Long.MAX_VALUE;
    Iterator<Entry> it = queue.iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      if (!wanted(e)) {
        it.remove();
        e.state = Entry.DROPPED;
        actions.add(e.request::dropped);
        continue;
      }
      long r = limiter.tryAcquire(e.request.key());
      if (r == RateLimiter.GRANTED) {
        it.remove();
        e.state = Entry.SENT;
        sent++;
        actions.add(e.request::send);
      } else if (r > 0) {
        endpointWait = r;
        break;
      } else {
        keyWait = Math.min(keyWait, -r);
      }
    }
    // Waiting requests out of time, oldest first (the lane is in arrival order, all with the same
    // maximum wait, so the first one not out of time ends the scan).
    long nextExpiry = Long.MAX_VALUE;
    it = queue.iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      if (e.lane != Lane.WAITING) {
        break;
      }
      if (e.expiresAt - now > 0) {
        nextExpiry = e.expiresAt - now;
        break;
      }
      it.remove();
      e.state = Entry.REFUSED;
      refused++;
      actions.add(refusal(e, Reason.WAITED_TOO_LONG, now));
    }
    if (queue.isEmpty()) {
      return;
    }
    long delay = Math.min(nextExpiry, Math.min(keyWait, endpointWait > 0 ? endpointWait
        : Long.MAX_VALUE));
    if (delay == Long.MAX_VALUE) {
      // Only refreshes, each held back by its key, or entries whose key limit did not say: poll
      // again once the endpoint's next slot frees.
      delay = Math.max(1, limiter.usage().nextSlotInNanos());
    }
    arm(now, Math.max(1, delay));
  }

  private boolean wanted(Entry e) {
    try {
      return e.request.wanted();
    } catch (RuntimeException ex) {
      return true; // a broken check must not lose the request
    }
  }

  private void arm(long now, long delay) {
    long at = now + delay;
    if (armed && at - armedAt >= 0 && armedAt - now >= 0) {
      return; // a wake-up at or before then is pending
    }
    armed = true;
    armedAt = at;
    wakeups.schedule(() -> {
      synchronized (this) {
        if (armedAt == at) {
          armed = false;
        }
      }
      poll();
    }, delay);
  }

  private Runnable refusal(Entry e, Reason reason, long now) {
    RateLimiter.Usage usage = limiter.usage();
    Instant wallNow = clock.instant();
    Instant nextSlot = wallNow.plusNanos(usage.nextSlotInNanos());
    Instant pausedUntil = usage.pausedForNanos() > 0
        ? wallNow.plusNanos(usage.pausedForNanos()) : null;
    Duration waited = e.seq != 0 ? Duration.ofNanos(Math.max(0, now - e.enqueuedAt))
        : Duration.ZERO; // refused on arrival: it never queued
    TokenBudgetExceededException ex = new TokenBudgetExceededException(e.request.key(), budget,
        reason, waited, queue.size(), nextSlot, pausedUntil, wallNow);
    return () -> e.request.refuse(ex);
  }

  /** Runs the callbacks; one that throws must not stop the others nor reach an unrelated caller. */
  private static void run(List<Runnable> actions) {
    for (Runnable a : actions) {
      try {
        a.run();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "a budgeted request's callback threw; ignored", e);
      }
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  private static final Comparator<Entry> ORDER = (a, b) -> {
    if (a.lane != b.lane) {
      return a.lane.compareTo(b.lane);
    }
    if (a.lane == Lane.REFRESH && a.deadline != b.deadline) {
      // Ticker values: compare by difference, as System.nanoTime() may wrap.
      return a.deadline - b.deadline < 0 ? -1 : 1;
    }
    return Long.compare(a.seq, b.seq);
  };

  private static final class Entry {
    static final int NEW = 0;
    static final int QUEUED = 1;
    static final int SENT = 2;
    static final int REFUSED = 3;
    static final int DROPPED = 4;

    final Request request;
    final long deadline;
    Lane lane;
    long seq;
    long enqueuedAt;
    long expiresAt;
    int state = NEW;

    Entry(Request request, Lane lane, long deadline) {
      this.request = request;
      this.lane = lane;
      this.deadline = deadline;
    }
  }
}

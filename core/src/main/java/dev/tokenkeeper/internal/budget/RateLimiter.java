package dev.tokenkeeper.internal.budget;

/**
 * The rate half of a token budget: hands out permits within the endpoint's limit (and, when set,
 * a per-key limit), and pauses them all when the provider asks. The priority half, who gets the
 * next permit, is {@link BudgetQueue}'s. This is the seam where a limiter shared by several
 * processes (for example one kept in Redis) replaces the {@linkplain SlidingWindowLimiter
 * in-process} one, so every duration here is relative: each implementation keeps its own time.
 *
 * <p>Implementations must be thread-safe, and must never grant more permits in any window than
 * the limit allows.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public interface RateLimiter {

  /** What {@link #tryAcquire} returns when it took a permit. */
  long GRANTED = 0;

  /**
   * Takes one permit for a request of {@code key} if the endpoint's and the key's limits both
   * allow one now.
   *
   * @return {@link #GRANTED} when the permit was taken; else no permit was taken, and the value
   *     is a positive number of nanoseconds until the <em>endpoint</em> may have a free slot (it is
   *     full or paused), or a negative number whose magnitude is the nanoseconds until
   *     <em>this key</em> may have one (the endpoint has room, the key has not)
   */
  long tryAcquire(String key);

  /**
   * The request of {@code key} that took a permit has its answer, or failed: from now on its slot
   * counts for one window, then frees. A permit counts from the moment it is granted until then,
   * so the provider, whichever moment between sending and answering it logs the request at, never
   * sees more than the limit in any window. Must be called once per granted permit.
   */
  void complete(String key);

  /** Grants no permit for {@code nanos} from now; never shortens a pause already in force. */
  void pause(long nanos);

  /** What the limiter looks like now. */
  Usage usage();

  /**
   * A snapshot.
   *
   * @param used requests counting against the endpoint's limit now: in flight, or answered
   *     within the last window
   * @param limit the endpoint's limit per window
   * @param pausedForNanos how much longer the pause lasts, or 0
   * @param nextSlotInNanos when the endpoint has a free slot, 0 for now; when every slot is taken
   *     by a request still in flight, one window (the earliest it can be)
   */
  record Usage(int used, int limit, long pausedForNanos, long nextSlotInNanos) {}
}

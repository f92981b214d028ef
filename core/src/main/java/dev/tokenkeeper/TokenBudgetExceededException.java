package dev.tokenkeeper;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A token request was not sent because the endpoint's {@link TokenBudget} had no free slot: the
 * caller waited its {@linkplain TokenBudget#maxWait() maximum}, or the queue was
 * {@linkplain TokenBudget#maxQueuedKeys() full}. Nothing reached the provider, so no token and no
 * refresh token was touched; calling again later may succeed.
 *
 * <p>A {@link TokenEndpointException} with {@link #statusCode()} {@code 0} (no answer, so
 * {@link #isTransient()}), whose {@link #retryAfter()} is the time until the next slot frees: the
 * servlet filter answers it with 503 and that {@code Retry-After}. The message names the budget,
 * how many requests queue and when the next slot frees. Immutable.
 */
public class TokenBudgetExceededException extends TokenEndpointException {
  private static final long serialVersionUID = 1L;

  /** Why the request was refused. Immutable, like every enum. */
  public enum Reason {
    /** The caller queued for the budget's maximum wait and no slot came. */
    WAITED_TOO_LONG,
    /** The queue already held the budget's maximum of requests. */
    QUEUE_FULL
  }

  private final TokenBudget budget;
  private final Reason reason;
  private final int queued;
  private final Instant nextSlot;
  private final Instant pausedUntil;

  /**
   * @param key the key whose request was refused
   * @param budget the budget
   * @param reason why
   * @param waited how long the caller queued
   * @param queued how many requests queue now
   * @param nextSlot when the next slot frees (on the wall clock)
   * @param pausedUntil until when the provider paused the budget, or {@code null}
   * @param now the wall-clock time of the refusal
   */
  public TokenBudgetExceededException(String key, TokenBudget budget, Reason reason,
      Duration waited, int queued, Instant nextSlot, Instant pausedUntil, Instant now) {
    super(message(key, budget, reason, waited, queued, nextSlot, pausedUntil, now), 0, null, null,
        null, nonNegative(Duration.between(now, nextSlot)), null);
    this.budget = budget;
    this.reason = reason;
    this.queued = queued;
    this.nextSlot = nextSlot;
    this.pausedUntil = pausedUntil;
  }

  private static String message(String key, TokenBudget budget, Reason reason, Duration waited,
      int queued, Instant nextSlot, Instant pausedUntil, Instant now) {
    String why = reason == Reason.QUEUE_FULL
        ? "the queue for the token budget is full (" + queued + " requests queued, at most "
            + budget.maxQueuedKeys() + ")"
        : "the token budget had no free slot within the maximum wait of " + waited.toMillis()
            + " ms (" + queued + " requests queued)";
    String paused = pausedUntil != null && pausedUntil.isAfter(now)
        ? "; the provider asked to pause until " + pausedUntil + " (429/503 Retry-After)" : "";
    return "the token request for key '" + key + "' was not sent: " + why + "; budget "
        + budget.describe() + "; the next slot frees at " + nextSlot + " (in "
        + Math.max(0, Duration.between(now, nextSlot).toMillis()) + " ms)" + paused
        + ". Try again then, or, if the provider allows more, raise the budget"
        + " (TokenEndpoint.Builder.budget, init-param token-budget), the wait"
        + " (init-param token-budget-max-wait) or the queue (init-param token-budget-max-queued)";
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** The budget that had no slot. */
  public TokenBudget budget() {
    return budget;
  }

  public Reason reason() {
    return reason;
  }

  /** How many requests queued for a slot when this was thrown. */
  public int queued() {
    return queued;
  }

  /** When the next slot frees, on the wall clock. */
  public Instant nextSlot() {
    return nextSlot;
  }

  /** Until when the provider paused the budget (429/503 {@code Retry-After}), if it did. */
  public Optional<Instant> pausedUntil() {
    return Optional.ofNullable(pausedUntil);
  }
}

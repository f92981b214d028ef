package dev.tokenkeeper;

import java.time.Instant;
import java.util.Optional;

/**
 * A snapshot of a {@link TokenManager}'s {@link TokenBudget}: how much of the window is used,
 * whether the provider paused it, who queues, and what the budget has done so far. Immutable;
 * from {@link TokenManager#budgetStatus()}.
 *
 * @param budget the budget
 * @param used requests counting against the endpoint's limit now (sent within the last window,
 *     by every manager on the endpoint)
 * @param pausedUntil until when a 429/503 with {@code Retry-After} paused the budget, or
 *     {@code null} when it is not paused
 * @param nextSlot when the next slot frees: now, or later when the window is full or paused
 * @param queued requests of this manager waiting for a slot now
 * @param waiting of which callers wait for (the rest are refreshes ahead of expiry)
 * @param sent requests this manager sent through the budget
 * @param queuedTotal requests that found no slot at once and queued
 * @param deferred refreshes ahead of expiry that found no slot at once (queued, or put off while
 *     the current token stayed in service)
 * @param refused callers' requests the budget refused with {@link TokenBudgetExceededException}
 */
public record BudgetStatus(TokenBudget budget, int used, Instant pausedUntil, Instant nextSlot,
    int queued, int waiting, long sent, long queuedTotal, long deferred, long refused) {

  /** {@link #pausedUntil()}, when paused. */
  public Optional<Instant> pause() {
    return Optional.ofNullable(pausedUntil);
  }
}

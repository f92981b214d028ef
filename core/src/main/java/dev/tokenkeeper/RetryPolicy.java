package dev.tokenkeeper;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link TokenManager} retries a token request that failed transiently
 * ({@link TokenEndpointException#isTransient()}: no answer, 5xx, or 429): exponential backoff with
 * full jitter, honouring the provider's {@code Retry-After} (RFC 9110, section 10.2.3), within a
 * budget of attempts and of total time. Immutable and thread-safe. A request that fails for any
 * other reason is not retried.
 *
 * <p>The delay before attempt <i>n</i> + 1 is the provider's {@code Retry-After} when it sent one,
 * else a uniformly random duration between zero and
 * {@code min(maxDelay, initialDelay * 2^(n-1))} ("full jitter", which spreads the retries of many
 * clients that failed together). When that delay would end after {@code maxElapsed} from the
 * first attempt, or {@code maxAttempts} attempts have been made, the request fails with a
 * {@link TokenEndpointException} that says the budget is used up.
 *
 * @param maxAttempts attempts in all, the first included; {@code 1} disables retries
 * @param initialDelay the backoff cap after the first failure
 * @param maxDelay the largest backoff cap; a longer {@code Retry-After} is still honoured
 * @param maxElapsed the longest time from the first attempt to the start of the last one
 */
public record RetryPolicy(
    int maxAttempts, Duration initialDelay, Duration maxDelay, Duration maxElapsed) {

  /** 4 attempts, backoff from 250 ms up to 10 s, all within 30 s. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(4, Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(30));

/** Checks the values; the message names a wrong one. */
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(
          "maxAttempts must be at least 1 (1 disables retries); got " + maxAttempts);
    }
    requireNonNegative("initialDelay", initialDelay);
    requireNonNegative("maxDelay", maxDelay);
    requireNonNegative("maxElapsed", maxElapsed);
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException(
          "maxDelay (" + maxDelay + ") must not be shorter than initialDelay (" + initialDelay + ")");
    }
  }

  /** No retries: a transient failure fails the request at once. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);
  }

  /**
   * The backoff before the next attempt after {@code failures} failed attempts, without
   * {@code Retry-After}.
   *
   * @param random a number in {@code [0, 1)}, the jitter
   */
  public Duration backoff(int failures, double random) {
    long max = millis(maxDelay);
    long cap = millis(initialDelay);
    for (int i = 1; i < failures && cap < max; i++) {
      cap = cap > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : cap * 2;
    }
    cap = Math.min(cap, max);
    return Duration.ofMillis((long) (cap * random));
  }

  /** Milliseconds, saturated: a delay of centuries is "as long as it gets", not an overflow. */
  private static long millis(Duration d) {
    return d.getSeconds() >= Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : d.toMillis();
  }

  private static void requireNonNegative(String name, Duration value) {
    Objects.requireNonNull(value, name + " is required");
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative; got " + value);
    }
  }
}

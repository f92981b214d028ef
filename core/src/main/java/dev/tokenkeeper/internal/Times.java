package dev.tokenkeeper.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * Saturating time arithmetic: a provider's "never" ({@code 9999-12-31T23:59:59Z},
 * {@code expires_in} of 10^16 seconds, {@code Retry-After: 9999999999999999}) becomes
 * {@link #NEVER}, never an overflow or an {@link ArithmeticException}. Monotonic instants are
 * {@link dev.tokenkeeper.Ticker} nanoseconds. Not part of the API.
 */
public final class Times {
  /** A deadline that never comes, and the longest duration. */
  public static final long NEVER = Long.MAX_VALUE;

  private Times() {}

  /** {@code a + b}, saturated to {@link Long#MAX_VALUE} / {@link Long#MIN_VALUE}. */
  public static long add(long a, long b) {
    long sum = a + b;
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return a < 0 ? Long.MIN_VALUE : NEVER;
    }
    return sum;
  }

  /** {@code deadline - amount} for a non-negative amount, where {@link #NEVER} stays NEVER. */
  public static long before(long deadline, long amount) {
    return deadline == NEVER ? NEVER : add(deadline, -Math.max(0, amount));
  }

  /** {@code a - b}, saturated. */
  public static long minus(long a, long b) {
    if (b == Long.MIN_VALUE) {
      return a >= 0 ? NEVER : a - b;
    }
    return add(a, -b);
  }

  /** The duration in nanoseconds; {@code null} gives {@link #NEVER}, a negative one 0. */
  public static long nanos(Duration d) {
    if (d == null) {
      return NEVER;
    }
    if (d.isNegative()) {
      return 0;
    }
    if (d.getSeconds() >= NEVER / 1_000_000_000L) {
      return NEVER;
    }
    return d.getSeconds() * 1_000_000_000L + d.getNano();
  }

  /** Whole seconds as nanoseconds, saturated; a negative count gives 0. */
  public static long secondsToNanos(long seconds) {
    if (seconds <= 0) {
      return 0;
    }
    return seconds >= NEVER / 1_000_000_000L ? NEVER : seconds * 1_000_000_000L;
  }

  /** Milliseconds as nanoseconds, saturated. */
  public static long millisToNanos(long millis) {
    if (millis >= NEVER / 1_000_000L) {
      return NEVER;
    }
    if (millis <= Long.MIN_VALUE / 1_000_000L) {
      return Long.MIN_VALUE;
    }
    return millis * 1_000_000L;
  }

  /** An instant as epoch milliseconds, saturated ({@code null} gives {@link #NEVER}). */
  public static long epochMillis(Instant instant) {
    if (instant == null) {
      return NEVER;
    }
    try {
      return instant.toEpochMilli();
    } catch (ArithmeticException e) {
      return instant.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : NEVER;
    }
  }

  /** A duration of {@code nanos}, {@link #NEVER} shown as the longest duration. */
  public static Duration duration(long nanos) {
    return Duration.ofNanos(Math.max(0, nanos));
  }
}

package dev.tokenkeeper.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * Saturating arithmetic for the lifetimes and delays a provider sends. A provider may say "never"
 * as {@code expires_in} 10^16 or {@code Retry-After: 9999999999999999}; read literally such
 * values overflow {@link Duration#toNanos()} (past 292 years) or {@link Instant} (past year
 * 1,000,000,000). They are read as {@link #MAX} instead, which every computation downstream
 * (nanosecond tickers, schedulers, instants) can take.
 *
 * <p>Not part of the API.
 */
public final class Lifetimes {
  private Lifetimes() {}

  /** The longest lifetime or delay taken from a provider: 100 years (36,525 days). */
  public static final Duration MAX = Duration.ofDays(36_525);

  /** {@code seconds} as a duration, at most {@link #MAX}; {@code seconds} must be >= 0. */
  public static Duration ofSeconds(long seconds) {
    return seconds >= MAX.getSeconds() ? MAX : Duration.ofSeconds(seconds);
  }

  /** {@code d} at most {@link #MAX}; null stays null. */
  public static Duration atMost(Duration d) {
    return d == null || d.compareTo(MAX) <= 0 ? d : MAX;
  }

  /** {@code at + d}, saturated at {@link Instant#MAX} and {@link Instant#MIN}. */
  public static Instant plus(Instant at, Duration d) {
    try {
      return at.plus(d);
    } catch (ArithmeticException | java.time.DateTimeException overflow) {
      return d.isNegative() ? Instant.MIN : Instant.MAX;
    }
  }
}

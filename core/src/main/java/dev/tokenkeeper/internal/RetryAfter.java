package dev.tokenkeeper.internal;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Parses {@code Retry-After} (RFC 9110, section 10.2.3): either delay-seconds or an HTTP-date,
 * the latter read relative to the injected clock. Not part of the API.
 */
public final class RetryAfter {
  private RetryAfter() {}

  /**
   * The delay, or {@code null} when the header is absent or unreadable (a bad header must not
   * hide the provider's real answer). A date in the past gives {@link Duration#ZERO}; a delay
   * longer than {@link Lifetimes#MAX} gives {@link Lifetimes#MAX}. Never throws.
   */
  public static Duration parse(String header, Clock clock) {
    if (header == null) {
      return null;
    }
    String value = header.trim();
    if (value.isEmpty()) {
      return null;
    }
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      String significant = value.replaceFirst("^0+(?=.)", "");
      // A provider's "never" (9999999999999999) is read as the longest delay there is.
      return significant.length() > 18 ? Lifetimes.MAX
          : Lifetimes.ofSeconds(Long.parseLong(significant));
    }
    try {
      // RFC 1123 covers the preferred IMF-fixdate form of an HTTP-date.
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration delay = Duration.between(clock.instant(), at);
      return delay.isNegative() ? Duration.ZERO : Lifetimes.atMost(delay);
    } catch (DateTimeException notADate) {
      return null;
    }
  }
}

package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private final Clock clock = Clock.fixed(Instant.parse("2025-03-01T10:00:00Z"), ZoneOffset.UTC);

  @Test
  void delaySecondsAreReadAsSeconds() {
    assertEquals(Duration.ofSeconds(120), RetryAfter.parse(" 120 ", clock));
    assertEquals(Duration.ZERO, RetryAfter.parse("0", clock));
  }

  @Test
  void anHttpDateIsReadRelativeToTheClock() {
    assertEquals(Duration.ofSeconds(90),
        RetryAfter.parse("Sat, 01 Mar 2025 10:01:30 GMT", clock));
  }

  @Test
  void anHttpDateInThePastMeansRetryNow() {
    assertEquals(Duration.ZERO, RetryAfter.parse("Sat, 01 Mar 2025 09:00:00 GMT", clock));
  }

  @Test
  void anAbsentOrUnreadableHeaderIsIgnored() {
    assertNull(RetryAfter.parse(null, clock));
    assertNull(RetryAfter.parse("  ", clock));
    assertNull(RetryAfter.parse("soon", clock));
    assertNull(RetryAfter.parse("-5", clock));
  }
}

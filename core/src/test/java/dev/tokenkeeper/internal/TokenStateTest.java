package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenkeeper.TokenResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** How often the hot path records a use: as precise as the session needs, no more. */
class TokenStateTest {
  private static final long MS = 1_000_000L;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static TokenState state(UnaryOperator<TokenResponse.Builder> session) {
    TokenResponse response = session.apply(TokenResponse.builder("at-1", T0)
        .expiresIn(Duration.ofHours(1)).refreshToken("rt-1")).build();
    return TokenState.of(response, null, null, 300_000_000_000L, 30_000_000_000L, true, 0,
        T0.toEpochMilli());
  }

  @Test
  void withoutSessionTimeoutsTheUseIsRecordedOnlyForSizeEvictionEvery30Seconds() {
    assertEquals(TokenState.COARSE_TOUCH_INTERVAL, state(b -> b).touchInterval);
    assertEquals(30_000_000_000L, TokenState.COARSE_TOUCH_INTERVAL);
  }

  @Test
  void withAnAbsoluteDeadlineOnlyTheUseIsCheckedEverySecond() {
    assertEquals(MS * 1000, state(b -> b.sessionExpiresIn(Duration.ofHours(8))).touchInterval);
  }

  @Test
  void withAnIdleTimeoutTheIdleDeadlineErrsByAHundredthOfItAtMostASecond() {
    assertEquals(MS * 1000, state(b -> b.sessionIdleTimeout(Duration.ofMinutes(15))).touchInterval);
    assertEquals(MS * 1000, state(b -> b.sessionIdleTimeout(Duration.ofSeconds(100))).touchInterval);
    assertEquals(MS * 100, state(b -> b.sessionIdleTimeout(Duration.ofSeconds(10))).touchInterval);
    assertEquals(MS, state(b -> b.sessionIdleTimeout(Duration.ofMillis(50))).touchInterval);
  }

  @Test
  void withoutItsRefreshTokenAStateKeepsItsTouchInterval() {
    TokenState s = state(b -> b.sessionIdleTimeout(Duration.ofSeconds(10)));
    assertEquals(MS * 100, s.withoutRefreshToken(false).touchInterval);
  }
}

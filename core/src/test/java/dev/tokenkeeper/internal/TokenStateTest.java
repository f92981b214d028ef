package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenkeeper.TokenResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** How often the hot path records a use: as precise as the session needs, no more. */
class TokenStateTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static TokenState state(UnaryOperator<TokenResponse.Builder> session) {
    TokenResponse response = session.apply(TokenResponse.builder("at-1", T0)
        .expiresIn(Duration.ofHours(1)).refreshToken("rt-1")).build();
    return TokenState.of(response, null, null, 300_000, 30_000, true);
  }

  @Test
  void withoutSessionTimeoutsTheUseIsRecordedOnlyForSizeEvictionEvery30Seconds() {
    assertEquals(TokenState.COARSE_TOUCH_INTERVAL, state(b -> b).touchInterval);
    assertEquals(30_000, TokenState.COARSE_TOUCH_INTERVAL);
  }

  @Test
  void withAnAbsoluteDeadlineOnlyTheUseIsCheckedEverySecond() {
    assertEquals(1000, state(b -> b.sessionExpiresIn(Duration.ofHours(8))).touchInterval);
  }

  @Test
  void withAnIdleTimeoutTheIdleDeadlineErrsByAHundredthOfItAtMostASecond() {
    assertEquals(1000, state(b -> b.sessionIdleTimeout(Duration.ofMinutes(15))).touchInterval);
    assertEquals(1000, state(b -> b.sessionIdleTimeout(Duration.ofSeconds(100))).touchInterval);
    assertEquals(100, state(b -> b.sessionIdleTimeout(Duration.ofSeconds(10))).touchInterval);
    assertEquals(1, state(b -> b.sessionIdleTimeout(Duration.ofMillis(50))).touchInterval);
  }

  @Test
  void withoutItsRefreshTokenAStateKeepsItsTouchInterval() {
    TokenState s = state(b -> b.sessionIdleTimeout(Duration.ofSeconds(10)));
    assertEquals(100, s.withoutRefreshToken().touchInterval);
  }
}

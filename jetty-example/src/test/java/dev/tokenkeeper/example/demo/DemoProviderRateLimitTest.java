package dev.tokenkeeper.example.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoProviderRateLimitTest {
  private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
      (DemoProvider.CLIENT_ID + ":" + DemoProvider.CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));

  private static DemoProvider.Reply clientCredentials(DemoProvider provider, String endpointId) {
    return provider.token(Map.of("grant_type", new String[] {"client_credentials"},
        "endpoint_id", new String[] {endpointId}), BASIC);
  }

  @Test
  void pastTheLimitTheTokenEndpointAnswers429WithRetryAfterUntilTheOldestLeavesTheWindow() {
    DemoProvider provider = new DemoProvider(
        DemoSettings.DEFAULTS.withRateLimit(DemoSettings.RateLimit.parse("5/60s")), clock);
    for (int i = 0; i < 5; i++) {
      assertEquals(200, clientCredentials(provider, "e" + i).status());
      clock.advance(Duration.ofSeconds(10));
    }
    // 50 s in: the first request (at 0 s) leaves the window at 60 s.
    DemoProvider.Reply limited = clientCredentials(provider, "e5");
    assertEquals(429, limited.status());
    assertEquals("10", limited.headers().get("Retry-After"));
    assertEquals("auth", limited.headers().get("X-Rate-Limit-Group"));
    assertEquals("5", limited.headers().get("X-Rate-Limit-Limit"));
    assertEquals("60", limited.headers().get("X-Rate-Limit-Window"));
    assertEquals("rate_limit_exceeded", limited.json().get("error"));
    clock.advance(Duration.ofMillis(9_999));
    assertEquals(429, clientCredentials(provider, "e5").status(), "not a millisecond early");
    clock.advance(Duration.ofMillis(1));
    assertEquals(200, clientCredentials(provider, "e5").status());
    Map<String, Object> stats = provider.stats();
    assertEquals("5/60s", stats.get("rate_limit"));
    assertEquals(2L, stats.get("rate_limited"));
    assertEquals(5L, stats.get("most_in_one_window"));
  }

  @Test
  void withoutALimitNothingIsRefused() {
    DemoProvider provider = new DemoProvider(DemoSettings.DEFAULTS, clock);
    for (int i = 0; i < 50; i++) {
      assertEquals(200, clientCredentials(provider, "e" + i).status());
    }
    assertNull(provider.stats().get("rate_limit"));
    assertEquals(0L, provider.stats().get("rate_limited"));
  }

  @Test
  void aWrongRateNamesTheFlag() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DemoSettings.RateLimit.parse("5 per minute"));
    assertTrue(e.getMessage().startsWith("--provider-rate-limit must be REQUESTS/WINDOW such as"
        + " 5/60s"), e.getMessage());
  }
}

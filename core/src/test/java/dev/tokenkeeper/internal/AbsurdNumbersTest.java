package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenResponse;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 8, item 2 (the parser's side): a provider's "never" and other absurd numbers never end
 * in an {@code ArithmeticException} or {@code DateTimeException}; durations and instants
 * saturate, and a value that cannot be used is a {@link TokenEndpointException} naming the field.
 */
class AbsurdNumbersTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Duration HUNDRED_YEARS = Duration.ofDays(36_525);

  private final TokenResponseParser parser = new TokenResponseParser(CLOCK, Duration.ofHours(1));

  private TokenResponse parse(String extraFields, Instant receivedAt) {
    return parser.parseTokenResponse(200, headers(Map.of()),
        ("{\"access_token\":\"at-1\",\"token_type\":\"Bearer\"" + extraFields + "}")
            .getBytes(StandardCharsets.UTF_8), receivedAt, Redactor.none());
  }

  private TokenResponse parse(String extraFields) {
    return parse(extraFields, NOW);
  }

  private static HttpHeaders headers(Map<String, List<String>> map) {
    return HttpHeaders.of(map, (a, b) -> true);
  }

  @Test
  void aSessionExpirationTimeOfNeverIsKeptAsTheInstantItIs() {
    TokenResponse r = parse(",\"expires_in\":3600,"
        + "\"session_expiration_time\":\"9999-12-31T23:59:59Z\"");

    assertEquals(Instant.parse("9999-12-31T23:59:59Z"), r.sessionExpiresAt().orElseThrow());
    assertEquals(NOW.plusSeconds(3600), r.expiresAt());
  }

  @ParameterizedTest
  @ValueSource(strings = {"10000000000000000", "1000000000000", "\"10000000000000000\"",
      "\"99999999999999999999999\"", "1e30", "100000000000000000000000000000",
      "9223372036854775807", "9.3e18"})
  void anAbsurdlyLongLifetimeIsReadAsAHundredYears(String value) {
    TokenResponse r = parse(",\"expires_in\":" + value + ",\"refresh_token\":\"rt\","
        + "\"refresh_token_expires_in\":" + value + ",\"session_expires_in\":" + value
        + ",\"session_idle_timeout\":" + value);

    assertEquals(HUNDRED_YEARS, r.expiresIn());
    assertEquals(NOW.plus(HUNDRED_YEARS), r.expiresAt());
    assertEquals(HUNDRED_YEARS, r.refreshTokenExpiresIn().orElseThrow());
    assertEquals(NOW.plus(HUNDRED_YEARS), r.refreshTokenExpiresAt().orElseThrow());
    assertEquals(NOW.plus(HUNDRED_YEARS), r.sessionExpiresAt().orElseThrow());
    assertEquals(HUNDRED_YEARS, r.sessionIdleTimeout().orElseThrow());
    // Every consumer turns these into nanoseconds: that must not overflow.
    assertEquals(HUNDRED_YEARS.toNanos(), r.expiresIn().toNanos());
  }

  @Test
  void zeroMeansExpiredOnArrival() {
    TokenResponse r = parse(",\"expires_in\":0");

    assertEquals(NOW, r.expiresAt());
  }

  @Test
  void lifetimesSaturateAtTheEndOfTimeInsteadOfOverflowingInstant() {
    Instant nearTheEnd = Instant.MAX.minus(Duration.ofDays(1));

    TokenResponse r = parse(",\"expires_in\":172800,\"refresh_token\":\"rt\","
        + "\"refresh_token_expires_in\":172800,\"session_expires_in\":172800", nearTheEnd);

    assertEquals(Instant.MAX, r.expiresAt());
    assertEquals(Instant.MAX, r.refreshTokenExpiresAt().orElseThrow());
    assertEquals(Instant.MAX, r.sessionExpiresAt().orElseThrow());
  }

  @Test
  void aJwtAccessTokenWhoseExpIsFarAwayLivesAHundredYears() throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
        .expirationTime(Date.from(Instant.parse("+100000-01-01T00:00:00Z"))).build());
    jwt.sign(new MACSigner("0123456789abcdef0123456789abcdef"));

    TokenResponse r = parser.parseTokenResponse(200, headers(Map.of()),
        ("{\"access_token\":\"" + jwt.serialize() + "\",\"token_type\":\"Bearer\"}")
            .getBytes(StandardCharsets.UTF_8), NOW, Redactor.none());

    assertEquals(HUNDRED_YEARS, r.expiresIn());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "\"-60\"", "\"abc\"", "1.5", "[]", "{}", "true", "\"\"",
      "-1e30", "\"1e3\""})
  void anUnusableLifetimeIsRefusedNamingTheField(String value) {
    for (String field : new String[] {"expires_in", "refresh_token_expires_in",
        "session_expires_in", "session_idle_timeout"}) {
      TokenEndpointException e = assertThrows(TokenEndpointException.class,
          () -> parse(",\"" + field + "\":" + value));
      assertTrue(e.getMessage().startsWith("the token endpoint answered HTTP 200 with ")
          && e.getMessage().contains(field), e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"+1000000000-01-01T00:00:00Z\"", "\"9999-99-99T00:00:00Z\"", "12",
      "\"never\""})
  void anUnusableSessionExpirationTimeIsRefusedNamingTheField(String value) {
    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> parse(",\"session_expiration_time\":" + value));

    assertTrue(e.getMessage().contains("session_expiration_time"), e.getMessage());
  }

  @Test
  void anAbsurdRetryAfterSaturates() {
    assertEquals(HUNDRED_YEARS, RetryAfter.parse("9999999999999999", CLOCK));
    assertEquals(HUNDRED_YEARS, RetryAfter.parse("99999999999999999999999", CLOCK));
    assertEquals(HUNDRED_YEARS, RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", CLOCK));
    assertEquals(HUNDRED_YEARS.toNanos(), RetryAfter.parse("9999999999999999", CLOCK).toNanos());
  }

  @Test
  void aRetryAfterOfNeverOnA429IsReportedNotThrown() {
    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> parser.parseTokenResponse(429,
            headers(Map.of("Retry-After", List.of("9999999999999999"))),
            "{\"error\":\"slow_down\"}".getBytes(StandardCharsets.UTF_8), NOW, Redactor.none()));

    assertEquals(HUNDRED_YEARS, e.retryAfter().orElseThrow());
    assertEquals("the token endpoint answered HTTP 429 slow_down; retry after "
        + HUNDRED_YEARS.toSeconds() + " s", e.getMessage());
  }

  @Test
  void aTokenResponseBuiltByHandSaturatesToo() {
    TokenResponse r = TokenResponse.builder("at", Instant.MAX.minusSeconds(10))
        .expiresIn(Duration.ofSeconds(Long.MAX_VALUE))
        .sessionExpiresIn(Duration.ofSeconds(Long.MAX_VALUE))
        .refreshToken("rt").refreshTokenExpiresIn(Duration.ofSeconds(Long.MAX_VALUE))
        .build();

    assertEquals(Instant.MAX, r.expiresAt());
    assertEquals(Instant.MAX, r.sessionExpiresAt().orElseThrow());
    assertEquals(Instant.MAX, r.refreshTokenExpiresAt().orElseThrow());
    assertEquals(HUNDRED_YEARS, r.expiresIn());
  }
}

package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BearerChallengesTest {

  private static HttpHeaders headers(String... values) {
    return HttpHeaders.of(Map.of("WWW-Authenticate", List.of(values)), (a, b) -> true);
  }

  @Test
  void readsTheErrorOfTheBearerChallenge() {
    assertEquals("invalid_token", BearerChallenges.bearerError(
        "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"expired\""));
    assertEquals("invalid_token", BearerChallenges.bearerError("bearer error=invalid_token"));
    assertEquals("", BearerChallenges.bearerError("Bearer realm=\"example\""));
    assertEquals("", BearerChallenges.bearerError("Bearer"));
    assertNull(BearerChallenges.bearerError("Basic realm=\"x\""));
    assertNull(BearerChallenges.bearerError(""));
    assertNull(BearerChallenges.bearerError((String) null));
  }

  @Test
  void findsTheBearerChallengeAmongOthersAndIgnoresCommasInQuotes() {
    assertEquals("insufficient_scope", BearerChallenges.bearerError(
        "Basic realm=\"a, b\", Bearer realm=\"c\", error=\"insufficient_scope\""));
    assertEquals("invalid_token", BearerChallenges.bearerError(
        "Negotiate abc/def==, Bearer error=\"invalid_token\", scope=\"x y\""));
    assertEquals("x\"y", BearerChallenges.bearerError("Bearer error=\"x\\\"y\""));
    assertNull(BearerChallenges.bearerError(
        "Basic realm=\"x\", error=\"invalid_token\""), "the error of another scheme");
  }

  @Test
  void readsAcrossHeaderLinesPreferringAnError() {
    assertEquals("invalid_token",
        BearerChallenges.bearerError(headers("Bearer realm=\"a\"", "Bearer error=\"invalid_token\"")));
    assertEquals("", BearerChallenges.bearerError(headers("Basic realm=\"a\"", "Bearer")));
    assertNull(BearerChallenges.bearerError(HttpHeaders.of(Map.of(), (a, b) -> true)));
  }

  @Test
  void originsCompareSchemeHostAndEffectivePort() {
    assertEquals(Origin.of(URI.create("https://API.example.com/v1")),
        Origin.of(URI.create("https://api.example.com:443")));
    assertEquals(new Origin("http", "localhost", 80), Origin.of(URI.create("http://localhost/")));
    assertEquals("https://a.example:8443", Origin.of(URI.create("https://a.example:8443/")).toString());
    assertNull(Origin.of(URI.create("/relative")));
    assertNull(Origin.of(URI.create("ftp://files.example.com/")));
    assertNull(Origin.of(null));
  }
}

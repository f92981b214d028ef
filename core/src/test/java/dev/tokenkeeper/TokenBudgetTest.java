package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TokenBudgetTest {

  @ParameterizedTest
  @CsvSource({
      "5/60s, 5, PT60S",
      "50/1s, 50, PT1S",
      "50/s, 50, PT1S",
      "5/min, 5, PT1M",
      "5 / 1m, 5, PT1M",
      "1000/1h, 1000, PT1H",
      "10/500ms, 10, PT0.5S",
      "5/PT1M, 5, PT1M",
      "200/1S, 200, PT1S"})
  void parsesTheRateForms(String text, int requests, Duration window) {
    TokenBudget b = TokenBudget.parse(text);
    assertEquals(requests, b.requests());
    assertEquals(window, b.window());
    assertEquals(b, TokenBudget.parse(b.rate()), "rate() reads back");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5/", "/60s", "five/60s", "5/60x", "5/-1s", "5/PT", "-5/60s",
      "5/60s/2"})
  void refusesAnythingElseShowingTheForm(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenBudget.parse(text));
    assertTrue(e.getMessage().startsWith("a token budget is written REQUESTS/WINDOW, such as"
        + " 5/60s"), e.getMessage());
  }

  @Test
  void limitsAreChecked() {
    assertEquals("the budget must allow from 1 to 1000000 requests per window; got 0",
        assertThrows(IllegalArgumentException.class, () -> TokenBudget.parse("0/1s"))
            .getMessage());
    assertEquals("the budget's window must be from 1 ms to 1 day; got PT0S",
        assertThrows(IllegalArgumentException.class, () -> TokenBudget.parse("5/0s"))
            .getMessage());
    assertEquals("the per-key budget must allow from 1 to 1000 requests per window; got 5000",
        assertThrows(IllegalArgumentException.class,
            () -> TokenBudget.parse("5/1s").withPerKey(5000, Duration.ofSeconds(1))).getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> TokenBudget.parse("5/1s").withMaxWait(Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class,
        () -> TokenBudget.parse("5/1s").withMaxQueuedKeys(-1));
    assertThrows(IllegalArgumentException.class, () -> TokenBudget.parse("5/1s").withSpread(0.6));
    assertThrows(IllegalArgumentException.class,
        () -> TokenBudget.parse("5/1s").withSpread(Double.NaN));
  }

  @Test
  void defaultsAndWithers() {
    TokenBudget b = TokenBudget.parse("50/1s");
    assertFalse(b.perKeyRequests().isPresent());
    assertEquals(Optional.empty(), b.maxWait());
    assertEquals(10_000, b.maxQueuedKeys());
    assertEquals(0.2, b.spread());
    TokenBudget all = b.withPerKey(TokenBudget.parse("5/60s")).withMaxWait(Duration.ofSeconds(5))
        .withMaxQueuedKeys(100).withSpread(0.1);
    assertEquals(5, all.perKeyRequests().getAsInt());
    assertEquals(Duration.ofSeconds(60), all.perKeyWindow().orElseThrow());
    assertEquals("50/1s for the endpoint, 5/60s per key", all.describe());
    assertEquals("TokenBudget[50/1s for the endpoint, 5/60s per key, maxWait=PT5S,"
        + " maxQueuedKeys=100, spread=10%]", all.toString());
    assertEquals(b.withMaxWait(Duration.ofSeconds(5)).withMaxQueuedKeys(100).withSpread(0.1),
        all.withoutPerKey());
    assertEquals("50/1s for the endpoint", b.describe());
  }

  @Test
  void theGuardIsAHundredthOfTheWindowAtMostASecond() {
    assertEquals(Duration.ofMillis(1010), TokenBudget.occupancy(Duration.ofSeconds(1)));
    assertEquals(Duration.ofMillis(60_600), TokenBudget.occupancy(Duration.ofSeconds(60)));
    assertEquals(Duration.ofMillis(3_601_000), TokenBudget.occupancy(Duration.ofHours(1)));
  }

  @Test
  void ringCentralDialectsBringRingCentralsPublishedLimit() {
    assertEquals(5, TokenBudget.RINGCENTRAL_AUTH.requests());
    assertEquals(Duration.ofSeconds(60), TokenBudget.RINGCENTRAL_AUTH.window());
    assertEquals(Optional.of(TokenBudget.RINGCENTRAL_AUTH), Dialect.ringCentral().budget());
    assertEquals(Optional.of(TokenBudget.RINGCENTRAL_AUTH), Dialect.ringCentralLegacy().budget());
    assertEquals(Optional.empty(), Dialect.standard().budget());
    assertEquals(Optional.empty(), Dialect.clientCredentialsRequireScope().budget());
    // Composition keeps the budget, and the rules of both.
    Dialect composed = Dialect.ringCentralLegacy().andThen(Dialect.clientCredentialsRequireScope());
    assertEquals(Optional.of(TokenBudget.RINGCENTRAL_AUTH), composed.budget());
    assertEquals(600, composed.apply(TokenRequest.builder(Grant.password("u", "p"))
        .accessTokenTtl(10).build()).accessTokenTtl());
    assertThrows(IllegalArgumentException.class,
        () -> composed.apply(TokenRequest.of(Grant.clientCredentials())));
    TokenBudget mine = TokenBudget.parse("1/1s");
    assertEquals(Optional.of(mine),
        Dialect.ringCentral().andThen(Dialect.standard().withBudget(mine)).budget());
  }

  @Test
  void theEndpointTakesTheDialectsBudgetUnlessToldOtherwise() {
    URI uri = URI.create("http://localhost:1/token");
    ClientAuthentication auth = ClientAuthentication.basic("id", "secret");
    try (TokenEndpoint plain = TokenEndpoint.builder(uri, auth).build();
        TokenEndpoint rc = TokenEndpoint.builder(uri, auth).dialect(Dialect.ringCentral()).build();
        TokenEndpoint raised = TokenEndpoint.builder(uri, auth).dialect(Dialect.ringCentral())
            .budget(TokenBudget.parse("100/60s").withPerKey(TokenBudget.RINGCENTRAL_AUTH)).build();
        TokenEndpoint off = TokenEndpoint.builder(uri, auth).dialect(Dialect.ringCentral())
            .budget(null).build()) {
      assertEquals(Optional.empty(), plain.budget());
      assertEquals(Optional.of(TokenBudget.RINGCENTRAL_AUTH), rc.budget());
      assertEquals("100/60s for the endpoint, 5/60s per key",
          raised.budget().orElseThrow().describe());
      assertEquals(Optional.empty(), off.budget());
    }
  }
}

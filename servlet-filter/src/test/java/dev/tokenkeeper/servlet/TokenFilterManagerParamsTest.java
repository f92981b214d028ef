package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.TokenKeeperException;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.internal.InitParams;
import dev.tokenkeeper.servlet.it.FakeProvider;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The init-params for the manager's options that had no {@code web.xml} form before
 * ({@code failure-cool-down}, {@code rejection-interval}, {@code expiry-margin},
 * {@code default-expires-in}, {@code access-token-ttl}, {@code refresh-token-ttl},
 * {@code record-stats}): each shown by what reaches a loopback token endpoint, with time driven by
 * an injected ticker, and each wrong value named in the failure.
 */
class TokenFilterManagerParamsTest {
  private final AtomicLong nanos = new AtomicLong();
  private FakeProvider provider;
  private InitParams.Parsed parsed;

  @BeforeEach
  void startProvider() throws Exception {
    provider = new FakeProvider();
  }

  @AfterEach
  void tearDown() {
    if (parsed != null) {
      parsed.close();
    }
    provider.close();
  }

  private Map<String, String> base() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("token-endpoint", provider.tokenUri().toString());
    p.put("dialect", "ringcentral");
    p.put("token-budget", "none");
    p.put("client-id", "client-1");
    p.put("client-secret-env", "TK_SECRET");
    p.put("endpoint-id", "trusted-header:X-Endpoint-Id");
    return p;
  }

  private TokenManager manager(Map<String, String> params) throws ServletException {
    parsed = InitParams.parse(new FakeFilterConfig(params), TokenFilterInitTest.ENV::get,
        name -> null, nanos::get);
    return parsed.manager();
  }

  private void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  @Test
  void failureCoolDownKeepsAWrongClientFromSendingMoreTokenRequestsForItsWholeLength()
      throws Exception {
    provider.failStatus = 401;
    provider.failError = "invalid_client";
    Map<String, String> p = base();
    p.put("failure-cool-down", "PT1M");
    TokenManager manager = manager(p);
    for (int i = 0; i < 10; i++) {
      assertThrows(TokenKeeperException.class, () -> manager.token("svc"));
      advance(Duration.ofSeconds(5)); // 50 s in all: far past the 10 s default
    }
    assertEquals(1, provider.received.size(), "one token request in the minute's cool-down");
    advance(Duration.ofSeconds(11));
    assertThrows(TokenKeeperException.class, () -> manager.token("svc"));
    assertEquals(2, provider.received.size(), "the next request once the cool-down is over");
  }

  @Test
  void failureCoolDownZeroTriesAgainOnEveryRequest() throws Exception {
    provider.failStatus = 401;
    provider.failError = "invalid_client";
    Map<String, String> p = base();
    p.put("failure-cool-down", "0");
    TokenManager manager = manager(p);
    for (int i = 0; i < 5; i++) {
      assertThrows(TokenKeeperException.class, () -> manager.token("svc"));
    }
    assertEquals(5, provider.received.size(), "no cool-down: one token request per call");
  }

  @Test
  void rejectionIntervalAllowsOneRefreshPerIntervalFor401s() throws Exception {
    Map<String, String> p = base();
    p.put("rejection-interval", "PT1M");
    TokenManager manager = manager(p);
    AccessToken first = manager.token("svc");
    AccessToken second = manager.rejected("svc", first).join();
    assertNotEquals(first.value(), second.value(), "the first 401 refreshes");
    for (int i = 0; i < 5; i++) {
      advance(Duration.ofSeconds(10)); // 50 s in all: the default 10 s would refresh each time
      assertEquals(second.value(), manager.rejected("svc", second).join().value(),
          "within the interval a 401 passes through");
    }
    assertEquals(2, provider.received.size());
    advance(Duration.ofSeconds(11));
    assertNotEquals(second.value(), manager.rejected("svc", second).join().value());
    assertEquals(3, provider.received.size(), "one refresh once the interval is over");
  }

  @Test
  void rejectionIntervalZeroRefreshesOnEvery401() throws Exception {
    Map<String, String> p = base();
    p.put("rejection-interval", "0");
    TokenManager manager = manager(p);
    AccessToken token = manager.token("svc");
    for (int i = 0; i < 4; i++) {
      token = manager.rejected("svc", token).join();
    }
    assertEquals(5, provider.received.size(), "the first token and four refreshes");
  }

  @Test
  void expiryMarginStopsHandingOutATokenThatCloseToItsExpiry() throws Exception {
    Map<String, String> p = base();
    p.put("expiry-margin", "PT5M");
    p.put("refresh-window", "0"); // no background refresh: only the margin decides
    TokenManager manager = manager(p);
    String first = manager.token("svc").value(); // expires_in 3600
    advance(Duration.ofSeconds(3600 - 301));
    assertEquals(first, manager.token("svc").value(), "still outside the margin");
    advance(Duration.ofSeconds(2)); // 299 s left: inside 5 min, outside the 30 s default
    assertNotEquals(first, manager.token("svc").value(), "inside the margin: a new token");
    assertEquals(2, provider.received.size());
  }

  @Test
  void defaultExpiresInIsTheEndpointsAssumedLifetime() throws Exception {
    Map<String, String> p = base();
    p.put("default-expires-in", "PT15M");
    manager(p);
    assertEquals(Duration.ofMinutes(15), parsed.endpoint().defaultExpiresIn());
  }

  @Test
  void tokenLifetimesAreSentWithTheTokenRequestAndTheRefresh() throws Exception {
    Map<String, String> p = base();
    p.put("access-token-ttl", "PT30M");
    p.put("refresh-token-ttl", "604800");
    p.put("rejection-interval", "0");
    TokenManager manager = manager(p);
    manager.rejected("svc", manager.token("svc")).join();
    assertEquals(2, provider.received.size());
    assertEquals("refresh_token", provider.received.get(1).form().get("grant_type"));
    for (FakeProvider.Received sent : provider.received) {
      assertEquals("1800", sent.form().get("access_token_ttl"), sent.form().toString());
      assertEquals("604800", sent.form().get("refresh_token_ttl"), sent.form().toString());
    }
  }

  @Test
  void withoutTheLifetimeParamsNothingIsSent() throws Exception {
    manager(base()).token("svc");
    assertNull(provider.received.get(0).form().get("access_token_ttl"));
    assertNull(provider.received.get(0).form().get("refresh_token_ttl"));
  }

  @Test
  void recordStatsCountsHits() throws Exception {
    Map<String, String> p = base();
    p.put("record-stats", "true");
    TokenManager manager = manager(p);
    manager.token("svc");
    manager.token("svc");
    manager.token("svc");
    assertEquals(2, manager.stats().hits());
    parsed.close();
    parsed = null;
    TokenManager quiet = manager(base());
    quiet.token("svc");
    quiet.token("svc");
    assertEquals(0, quiet.stats().hits(), "off by default");
  }

  static Arguments bad(String name, Consumer<Map<String, String>> change, String... fragments) {
    return Arguments.of(name, change, fragments);
  }

  static Stream<Arguments> misconfigurations() {
    String duration = "expected whole seconds (120) or an ISO-8601 duration (PT2M), zero or more";
    String ttl = "expected whole seconds (3600) or an ISO-8601 duration (PT1H), at least 1"
        + " second, in whole seconds";
    return Stream.of(
        bad("failure-cool-down not a duration", p -> p.put("failure-cool-down", "soon"),
            "init-param failure-cool-down is \"soon\"; " + duration),
        bad("failure-cool-down negative", p -> p.put("failure-cool-down", "-5"),
            "init-param failure-cool-down is negative (-5); " + duration),
        bad("rejection-interval not a duration", p -> p.put("rejection-interval", "10 s"),
            "init-param rejection-interval is \"10 s\"; " + duration),
        bad("rejection-interval negative", p -> p.put("rejection-interval", "PT-1S"),
            "init-param rejection-interval is negative (PT-1S)"),
        bad("expiry-margin not a duration", p -> p.put("expiry-margin", "30s"),
            "init-param expiry-margin is \"30s\"; " + duration),
        bad("default-expires-in zero", p -> p.put("default-expires-in", "0"),
            "init-param default-expires-in is zero; expected a positive duration"),
        bad("default-expires-in not a duration", p -> p.put("default-expires-in", "1h"),
            "init-param default-expires-in is \"1h\""),
        bad("access-token-ttl zero", p -> p.put("access-token-ttl", "0"),
            "init-param access-token-ttl is \"0\"; " + ttl),
        bad("access-token-ttl with a fraction", p -> p.put("access-token-ttl", "PT0.5S"),
            "init-param access-token-ttl is \"PT0.5S\"; " + ttl),
        bad("refresh-token-ttl not a duration", p -> p.put("refresh-token-ttl", "week"),
            "init-param refresh-token-ttl is \"week\""),
        bad("refresh-token-ttl too long", p -> p.put("refresh-token-ttl", "P100000D"),
            "init-param refresh-token-ttl is \"P100000D\"; " + ttl),
        bad("a lifetime with grant none", p -> {
              p.put("grant", "none");
              p.put("access-token-ttl", "3600");
            }, "init-param access-token-ttl is set, but grant is none, which does not use it"),
        bad("record-stats not a boolean", p -> p.put("record-stats", "yes"),
            "init-param record-stats is \"yes\"; expected true or false"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("misconfigurations")
  void aWrongValueFailsInitNamingTheInitParamAndTheForm(
      String name, Consumer<Map<String, String>> change, String[] fragments) {
    Map<String, String> params = base();
    change.accept(params);
    TokenFilter filter = new TokenFilter(null, TokenFilterInitTest.ENV::get);
    ServletException e = assertThrows(ServletException.class,
        () -> filter.init(new FakeFilterConfig(params)));
    String message = e.getMessage();
    assertTrue(message.startsWith("TokenFilter 'tk': "), message);
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), () -> "expected <" + fragment + "> in: " + message);
    }
    assertFalse(message.contains(TokenFilterInitTest.CLIENT_SECRET), message);
  }
}

package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session attributes and headers stay right per request when the filter's caches (idle
 * timeout, HTTP-dates) see keys with different values in turn.
 */
class TokenFilterExposeTest {
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

  private TokenManager manager;

  @BeforeEach
  void setUp() {
    // Never contacted: every key's token is put.
    TokenEndpoint endpoint = TokenEndpoint.builder(URI.create("https://idp.example.com/token"),
        ClientAuthentication.basic("client", "secret")).build();
    manager = TokenManager.builder(endpoint).primaryGrant(Grant.clientCredentials()).build();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private void signIn(String key, Duration idle, Instant end, String sessionId) {
    TokenResponse.Builder b = TokenResponse.builder("at-" + key, Instant.now())
        .expiresIn(Duration.ofHours(1));
    if (idle != null) {
      b.sessionIdleTimeout(idle);
    }
    if (end != null) {
      b.sessionExpirationTime(end);
    }
    if (sessionId != null) {
      b.sessionId(sessionId);
    }
    manager.put(key, b.build());
  }

  private FakeHttp pass(TokenFilter filter, String key) throws Exception {
    FakeHttp http = new FakeHttp();
    http.requestHeaders.put("X-Endpoint-Id", key);
    boolean[] ran = {false};
    filter.doFilter(http.request(), http.response(), (req, res) -> ran[0] = true);
    assertEquals(true, ran[0], "the chain ran for " + key);
    return http;
  }

  private void check(FakeHttp http, String key) {
    SessionTimeouts st = manager.session(key);
    assertEquals(st, http.attributes.get(TokenContext.SESSION_TIMEOUTS_ATTRIBUTE));
    assertEquals(st.sessionId(), http.attributes.get(TokenContext.SESSION_ID_ATTRIBUTE));
    assertEquals(st.idleDeadline(), http.attributes.get(TokenContext.IDLE_DEADLINE_ATTRIBUTE));
    assertEquals(st.absoluteDeadline(), http.attributes.get(TokenContext.EXPIRES_AT_ATTRIBUTE));
    if (st.idleTimeout() == null) {
      assertNull(http.attributes.get(TokenContext.IDLE_TIMEOUT_ATTRIBUTE));
      assertNull(http.responseHeaders.get(TokenFilter.IDLE_TIMEOUT_HEADER));
      assertNull(http.responseHeaders.get(TokenFilter.IDLE_DEADLINE_HEADER));
    } else {
      Object seconds = http.attributes.get(TokenContext.IDLE_TIMEOUT_ATTRIBUTE);
      assertInstanceOf(Long.class, seconds);
      assertEquals(st.idleTimeout().toSeconds(), seconds);
      assertEquals(Long.toString(st.idleTimeout().toSeconds()),
          http.responseHeaders.get(TokenFilter.IDLE_TIMEOUT_HEADER));
      assertEquals(HTTP_DATE.format(st.idleDeadline().atOffset(ZoneOffset.UTC)),
          http.responseHeaders.get(TokenFilter.IDLE_DEADLINE_HEADER));
    }
    if (st.absoluteDeadline() == null) {
      assertNull(http.responseHeaders.get(TokenFilter.EXPIRES_HEADER));
    } else {
      assertEquals(HTTP_DATE.format(st.absoluteDeadline().atOffset(ZoneOffset.UTC)),
          http.responseHeaders.get(TokenFilter.EXPIRES_HEADER));
    }
  }

  @Test
  void keysWithDifferentTimeoutsInTurnEachGetTheirOwnValues() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    signIn("a", Duration.ofMinutes(15), now.plus(Duration.ofHours(8)), "sess-a");
    signIn("b", Duration.ofMinutes(30), now.plus(Duration.ofHours(9)).plusMillis(500), null);
    signIn("c", null, null, "sess-c");
    signIn("d", Duration.ofSeconds(100), null, null);
    TokenFilter filter = new TokenFilter(TokenFilterConfig
        .builder(manager, EndpointIdResolver.trustedHeader("X-Endpoint-Id")).exposeHeaders(true).build());
    for (String key : new String[] {"a", "b", "a", "a", "c", "b", "d", "c", "a", "d", "d"}) {
      check(pass(filter, key), key);
    }
    FakeHttp a = pass(filter, "a");
    assertEquals(900L, a.attributes.get(TokenContext.IDLE_TIMEOUT_ATTRIBUTE));
    assertEquals("900", a.responseHeaders.get(TokenFilter.IDLE_TIMEOUT_HEADER));
    assertEquals("sess-a", a.attributes.get(TokenContext.SESSION_ID_ATTRIBUTE));
  }

  @Test
  void withoutExposeHeadersNoHeaderIsWrittenButTheAttributesAreSet() throws Exception {
    signIn("a", Duration.ofMinutes(15), Instant.now().plus(Duration.ofHours(8)), "sess-a");
    TokenFilter filter = new TokenFilter(TokenFilterConfig
        .builder(manager, EndpointIdResolver.trustedHeader("X-Endpoint-Id")).build());
    FakeHttp http = pass(filter, "a");
    assertFalse(http.responseHeaders.keySet().stream().anyMatch(h -> h.startsWith("TokenKeeper-")),
        http.responseHeaders.toString());
    assertEquals(900L, http.attributes.get(TokenContext.IDLE_TIMEOUT_ATTRIBUTE));
    assertEquals(manager.session("a").absoluteDeadline(),
        http.attributes.get(TokenContext.EXPIRES_AT_ATTRIBUTE));
  }
}

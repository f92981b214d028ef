package dev.tokenkeeper.servlet.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TokenFilter in a real web app on Jetty 12 (port 0, WEB-INF/web.xml), against a token endpoint
 * and a resource API on loopback.
 */
class TokenFilterIT {
  static final String IDLE = "900";
  static final String SESSION_END = "2030-01-02T03:04:05Z";

  @TempDir static Path dir;
  static FakeProvider provider;
  static TestWebApp app;

  @BeforeAll
  static void start() throws Exception {
    provider = new FakeProvider();
    provider.extraFields.put("session_idle_timeout", Integer.parseInt(IDLE));
    provider.extraFields.put("session_expiration_time", SESSION_END);
    provider.extraFields.put("session_id", "sess-42");
    app = TestWebApp.start(dir, "/", params(provider), provider.apiOrigin());
  }

  static Map<String, String> params(FakeProvider provider) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("token-endpoint", provider.tokenUri().toString());
    p.put("dialect", "ringcentral"); // keys are sent as endpoint_id
    p.put("token-budget", "none"); // not RingCentral's 5 requests a minute: tests make many
    p.put("client-id", "it-client");
    p.put("client-secret-env", "TK_IT_CLIENT_SECRET");
    p.put("scope", "ReadAccounts");
    p.put("endpoint-id", "session:endpointId");
    p.put("allowed-origins", provider.apiOrigin().toString());
    p.put("expose-headers", "true");
    p.put("align-session-timeout", "true");
    return p;
  }

  @AfterAll
  static void stop() throws Exception {
    app.close();
    provider.close();
  }

  static Browser signedIn(String id) throws Exception {
    Browser browser = new Browser();
    HttpResponse<String> r = browser.get(app.uri("/login?id=" + id));
    assertEquals(200, r.statusCode());
    return browser;
  }

  @Test
  void aServletCallsTheApiThroughTheRequestsBearerClientAndTheApiSeesAValidToken()
      throws Exception {
    Browser alice = signedIn("alice");
    HttpResponse<String> r = alice.get(app.uri("/app/call"));
    assertEquals(200, r.statusCode(), r.body());
    String token = provider.currentToken("alice");
    assertEquals("200 alice " + token, r.body());
    assertEquals(1, provider.tokenRequests("alice"));
    FakeProvider.Received sent = provider.received.stream()
        .filter(x -> "alice".equals(x.form().get("endpoint_id"))).findFirst().orElseThrow();
    assertEquals("client_credentials", sent.form().get("grant_type"));
    assertEquals("ReadAccounts", sent.form().get("scope"));
    assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString(
        "it-client:it-client-secret-value".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        sent.authorization());
    // A second request is served from the cache.
    assertEquals("200 alice " + token, alice.get(app.uri("/app/call")).body());
    assertEquals(1, provider.tokenRequests("alice"));
  }

  @Test
  void whenTheApiRejectsATokenRevokedServerSideTheSameRequestSucceedsAfterOneRefresh()
      throws Exception {
    Browser bob = signedIn("bob");
    assertEquals(200, bob.get(app.uri("/app/call")).statusCode());
    String revoked = provider.currentToken("bob");
    int before = provider.received.size();
    provider.revokeServerSide(revoked);

    HttpResponse<String> r = bob.get(app.uri("/app/call"));

    assertEquals(200, r.statusCode(), r.body());
    String fresh = provider.currentToken("bob");
    assertNotEquals(revoked, fresh);
    assertEquals("200 bob " + fresh, r.body());
    assertEquals(1, provider.apiRejections("bob"), "the API rejected exactly one call");
    assertEquals(before + 1, provider.received.size(), "exactly one refresh");
  }

  @Test
  void responseHeadersAndRequestAttributesCarryTheTokenInfoSessionTimeouts() throws Exception {
    Browser carol = signedIn("carol");
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    HttpResponse<String> r = carol.get(app.uri("/app/info"));
    Instant after = Instant.now();
    assertEquals(200, r.statusCode(), r.body());

    assertEquals(IDLE, r.headers().firstValue("TokenKeeper-Session-Idle-Timeout").orElseThrow());
    assertEquals("Wed, 02 Jan 2030 03:04:05 GMT",
        r.headers().firstValue("TokenKeeper-Session-Expires").orElseThrow());
    Instant idleDeadline = ZonedDateTime.parse(
        r.headers().firstValue("TokenKeeper-Session-Idle-Deadline").orElseThrow(),
        DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    assertFalse(idleDeadline.isBefore(before.plusSeconds(900)), idleDeadline + " vs " + before);
    assertFalse(idleDeadline.isAfter(after.plusSeconds(900)), idleDeadline + " vs " + after);

    Map<String, String> info = Browser.lines(r.body());
    assertEquals("carol", info.get("endpointId"));
    assertEquals("TokenContext[endpointId=carol]", info.get("dev.tokenkeeper.TokenContext"));
    assertEquals(IDLE, info.get("dev.tokenkeeper.session.idleTimeout"));
    assertEquals(SESSION_END, info.get("dev.tokenkeeper.session.expiresAt"));
    assertEquals(idleDeadline, Instant.parse(info.get("dev.tokenkeeper.session.idleDeadline"))
        .truncatedTo(ChronoUnit.SECONDS));
    assertEquals("sess-42", info.get("dev.tokenkeeper.session.id"));
    assertTrue(info.get("dev.tokenkeeper.SessionTimeouts").startsWith("SessionTimeouts["),
        info.toString());
    assertEquals("null", info.get("ended"));
  }

  @Test
  void theHttpSessionMaxInactiveIntervalFollowsSessionIdleTimeout() throws Exception {
    Browser dave = signedIn("dave");
    Map<String, String> info = Browser.lines(dave.get(app.uri("/app/info")).body());
    assertEquals(IDLE, info.get("maxInactiveInterval"));
  }

  @Test
  void anEndpointIdThatBreaksTheRuleIsAnswered400AndNoTokenIsRequested() throws Exception {
    for (String id : List.of("line%0Abreak", "a".repeat(513), "", "tab%09here")) {
      int before = provider.received.size();
      Browser browser = signedIn(id);
      HttpResponse<String> r = browser.get(app.uri("/app/call"));
      assertEquals(400, r.statusCode(), id);
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow()
          .split(";")[0]);
      assertTrue(r.body().contains("\"error\":\"invalid_endpoint_id\""), r.body());
      assertTrue(r.body().contains("The endpoint id taken from session:endpointId must be 1 to 512"
          + " characters without control characters"), r.body());
      assertEquals(before, provider.received.size(), "no token request for " + id);
    }
  }

  @Test
  void aRequestWithoutAnEndpointIdGetsTheSessionEndedPolicy() throws Exception {
    int before = provider.received.size();
    HttpResponse<String> r = new Browser().get(app.uri("/app/call"));
    assertEquals(401, r.statusCode());
    assertTrue(r.headers().firstValue("WWW-Authenticate").orElseThrow()
        .startsWith("Bearer realm=\"tokenkeeper\", error=\"invalid_token\""));
    assertTrue(r.body().contains("\"error\":\"session_ended\""), r.body());
    assertEquals(before, provider.received.size());
  }

  @Test
  void aTokenEndpointThatRefusesIsAnswered502AndOneThatIsDownIs503WithRetryAfter()
      throws Exception {
    try {
      provider.failStatus = 401;
      provider.failError = "invalid_client";
      HttpResponse<String> refused = signedIn("refused").get(app.uri("/app/call"));
      assertEquals(502, refused.statusCode());
      assertEquals("{\"error\":\"token_endpoint_error\",\"error_description\":\"The token"
          + " endpoint refused to give a token.\",\"provider_error\":\"invalid_client\"}",
          refused.body());

      provider.failStatus = 503;
      provider.failError = "temporarily_unavailable";
      provider.failRetryAfter = "0";
      HttpResponse<String> down = signedIn("down").get(app.uri("/app/call"));
      assertEquals(503, down.statusCode());
      assertTrue(down.body().startsWith("{\"error\":\"token_endpoint_unavailable\""), down.body());
      assertEquals("1", down.headers().firstValue("Retry-After").orElseThrow());
    } finally {
      provider.failStatus = 0;
      provider.failRetryAfter = null;
    }
    assertEquals(200, signedIn("down").get(app.uri("/app/call")).statusCode(), "recovers");
  }

  @Test
  void theContextStaysUsableFromAsyncContextWork() throws Exception {
    Browser erin = signedIn("erin");
    HttpResponse<String> r = erin.get(app.uri("/app/async"));
    assertEquals(200, r.statusCode(), r.body());
    String token = provider.currentToken("erin");
    assertTrue(r.body().startsWith("200 erin " + token + " token=" + token), r.body());
  }

  @Test
  void concurrentRequestsFromDifferentSessionsGetTheirOwnTokensAndNeverAnotherKeys()
      throws Exception {
    int keys = 12;
    int requestsPerKey = 5;
    List<Browser> browsers = new ArrayList<>();
    for (int k = 0; k < keys; k++) {
      browsers.add(signedIn("user-" + k));
    }
    ExecutorService pool = Executors.newFixedThreadPool(keys * requestsPerKey);
    CountDownLatch ready = new CountDownLatch(keys * requestsPerKey);
    CountDownLatch go = new CountDownLatch(1);
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int k = 0; k < keys; k++) {
        String key = "user-" + k;
        Browser browser = browsers.get(k);
        for (int i = 0; i < requestsPerKey; i++) {
          String path = i % 2 == 0 ? "/app/call" : "/app/async";
          futures.add(pool.submit(() -> {
            ready.countDown();
            go.await();
            HttpResponse<String> r = browser.get(app.uri(path));
            String expected = "200 " + key + " at-" + key + "-";
            if (r.statusCode() != 200 || !r.body().startsWith(expected)
                || (r.body().contains("token=") && !r.body().contains("token=at-" + key + "-"))) {
              wrong.add(key + " got " + r.statusCode() + " " + r.body());
            }
            return null;
          }));
        }
      }
      assertTrue(ready.await(30, TimeUnit.SECONDS));
      go.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of(), List.copyOf(wrong));
    for (int k = 0; k < keys; k++) {
      assertEquals(1, provider.tokenRequests("user-" + k), "one token request for user-" + k);
    }
  }
}

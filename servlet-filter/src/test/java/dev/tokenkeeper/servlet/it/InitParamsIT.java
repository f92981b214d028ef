package dev.tokenkeeper.servlet.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenkeeper.servlet.LogCapture;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.TestKeys;
import dev.tokenkeeper.servlet.internal.InitParams;
import jakarta.servlet.ServletException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every init-param, in a real web.xml on Jetty, shown by what reaches the token endpoint and the
 * API; and a broken web.xml fails the app's start with the param's name.
 */
class InitParamsIT {
  @TempDir static Path dir;
  static FakeProvider provider;
  static final java.util.Set<String> used = new TreeSet<>();

  @BeforeAll
  static void start() throws Exception {
    provider = new FakeProvider();
    provider.extraFields.put("session_idle_timeout", 900);
  }

  @AfterAll
  static void everyInitParamWasUsedBySomeApp() {
    provider.close();
    assertEquals(new TreeSet<>(InitParams.NAMES), used, "init-params not covered here");
  }

  static Map<String, String> base() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("token-endpoint", provider.tokenUri().toString());
    p.put("dialect", "ringcentral"); // keys are sent as endpoint_id
    p.put("token-budget", "none"); // not RingCentral's 5 requests a minute: tests make many
    p.put("client-id", "it-client");
    p.put("allowed-origins", provider.apiOrigin().toString());
    return p;
  }

  /** {@link #base()} with the client secret from the environment and the given endpoint-id. */
  static Map<String, String> base(String endpointId) {
    Map<String, String> p = base();
    p.put("client-secret-env", "TK_IT_CLIENT_SECRET");
    p.put("endpoint-id", endpointId);
    return p;
  }

  static TestWebApp start(String name, Map<String, String> params) throws Exception {
    used.addAll(params.keySet());
    return TestWebApp.start(dir.resolve(name), "/", params, provider.apiOrigin());
  }

  static FakeProvider.Received lastFor(String key) {
    List<FakeProvider.Received> all = provider.received;
    for (int i = all.size() - 1; i >= 0; i--) {
      if (key.equals(all.get(i).form().get("endpoint_id"))) {
        return all.get(i);
      }
    }
    throw new AssertionError("no token request for " + key);
  }

  static void verifyAssertion(FakeProvider.Received sent, JWSVerifier verifier, String kid)
      throws Exception {
    assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        sent.form().get("client_assertion_type"));
    SignedJWT jwt = SignedJWT.parse(sent.form().get("client_assertion"));
    assertTrue(jwt.verify(verifier), "the client assertion's signature verifies");
    assertEquals("it-client", jwt.getJWTClaimsSet().getIssuer());
    assertEquals("it-client", jwt.getJWTClaimsSet().getSubject());
    assertEquals(List.of(provider.tokenUri().toString()), jwt.getJWTClaimsSet().getAudience());
    assertEquals(kid, jwt.getHeader().getKeyID());
    assertNull(sent.authorization());
  }

  @Test
  void clientSecretPostFromAFileWithAFixedKeyRevocationListenerAndACustomManagerAttribute()
      throws Exception {
    Path secret = TestKeys.write(dir, "client-secret.txt", "secret-from-file\n");
    Map<String, String> p = base();
    p.put("revocation-endpoint", provider.revocationUri().toString());
    p.put("allow-insecure-http", "false");
    p.put("client-authentication", "client_secret_post");
    p.put("client-secret-file", secret.toString());
    p.put("grant", "client_credentials");
    p.put("scope", "ReadAccounts ReadCallLog");
    p.put("endpoint-id", "fixed:svc-fixed");
    p.put("refresh-window", "PT1M");
    p.put("session-ending-warning", "600");
    p.put("maximum-size", "100");
    p.put("expose-headers", "false");
    p.put("align-session-timeout", "false");
    p.put("listener", Servlets.Recording.class.getName());
    p.put("manager-attribute", "tk.manager");
    Servlets.Recording.EVENTS.clear();
    // The session's absolute end is 60 s away: inside the 600 s warning at once.
    provider.extraFields.put("session_expires_in", 60);
    try (TestWebApp app = start("post", p)) {
      Browser browser = new Browser();
      browser.get(app.uri("/login?id=ignored"));
      HttpResponse<String> r = browser.get(app.uri("/app/info"));
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.headers().firstValue("TokenKeeper-Session-Idle-Timeout").isEmpty(),
          "expose-headers=false sends no header");
      Map<String, String> info = Browser.lines(r.body());
      assertEquals("900", info.get("dev.tokenkeeper.session.idleTimeout"), "attributes always");
      assertFalse("900".equals(info.get("maxInactiveInterval")), "align-session-timeout=false");

      FakeProvider.Received sent = lastFor("svc-fixed");
      assertEquals("it-client", sent.form().get("client_id"));
      assertEquals("secret-from-file", sent.form().get("client_secret"));
      assertEquals("ReadAccounts ReadCallLog", sent.form().get("scope"));
      assertNull(sent.authorization());
      // Listeners run on the thread that completed the work, maybe after the request returned.
      awaitEvent("token svc-fixed INITIAL");
      awaitEvent("ending svc-fixed");

      TokenManager manager = app.manager("tk.manager");
      assertNotNull(manager);
      assertNull(app.manager(), "not under the default attribute");
      String token = provider.currentToken("svc-fixed");
      manager.revoke("svc-fixed").join();
      assertTrue(provider.revocationRequests.contains(token), provider.revocationRequests.toString());
    } finally {
      provider.extraFields.remove("session_expires_in");
    }
  }

  /** Waits (bounded) for the manager's scheduler to deliver an event to the web.xml listener. */
  static void awaitEvent(String event) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (!Servlets.Recording.EVENTS.contains(event)) {
      assertTrue(System.nanoTime() < deadline, "no <" + event + "> in "
          + Servlets.Recording.EVENTS);
      Thread.sleep(10);
    }
  }

  @Test
  void retryTimeoutAndSizeInitParamsShapeTheTokenRequestsAndTheLogNamesTheInitParams()
      throws Exception {
    Map<String, String> p = base("class:" + Servlets.QueryParam.class.getName());
    p.put("connect-timeout", "PT2S");
    p.put("request-timeout", "10");
    p.put("max-response-bytes", "1KiB");
    p.put("retry-max-attempts", "3");
    p.put("retry-initial-delay", "0");
    p.put("retry-max-delay", "PT0S");
    p.put("retry-max-elapsed", "PT20S");
    try (LogCapture logs = LogCapture.of(dev.tokenkeeper.servlet.TokenFilter.class.getName());
        TestWebApp app = start("retry", p)) {
      provider.failStatus = 503;
      HttpResponse<String> r = new Browser().get(app.uri("/app/info?ep=retry-1"));
      assertEquals(503, r.statusCode(), r.body());
      assertEquals(3, provider.sentFor("retry-1"),
          "retry-max-attempts=3: the first attempt and two retries");
      String budget = logs.messageWith("retry-1");
      assertTrue(budget.contains("the retry budget is used up"), budget);
      assertTrue(budget.contains("change it with the init-params retry-max-attempts,"
          + " retry-initial-delay, retry-max-delay and retry-max-elapsed"), budget);
      assertFalse(budget.contains("Builder"), budget);

      provider.failStatus = 0;
      provider.extraFields.put("padding", "x".repeat(2000));
      r = new Browser().get(app.uri("/app/info?ep=big-1"));
      assertEquals(502, r.statusCode(), r.body());
      String tooLarge = logs.messageWith("big-1");
      assertTrue(tooLarge.contains("larger than the limit of 1024 bytes"), tooLarge);
      assertTrue(tooLarge.contains("raise init-param max-response-bytes"), tooLarge);
    } finally {
      provider.failStatus = 0;
      provider.extraFields.remove("padding");
    }
  }

  @Test
  void aResourceServerRejectingEveryTokenCostsOneRefreshPerRejectionInterval() throws Exception {
    Map<String, String> p = base("trusted-header:X-Endpoint-Id");
    p.put("rejection-interval", "PT1H");
    provider.rejectEveryTokenOf.addAll(List.of("storm-1", "storm-2"));
    try {
      try (TestWebApp app = start("rejection-interval", p)) {
        // A storm: 16 requests at once, each call answered 401 by the API.
        int callers = 16;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool =
            java.util.concurrent.Executors.newFixedThreadPool(callers);
        try {
          List<java.util.concurrent.Future<HttpResponse<String>>> answers =
              new java.util.ArrayList<>();
          for (int i = 0; i < callers; i++) {
            answers.add(pool.submit(() -> {
              go.await();
              return new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "storm-1");
            }));
          }
          go.countDown();
          for (java.util.concurrent.Future<HttpResponse<String>> answer : answers) {
            String body = answer.get(30, java.util.concurrent.TimeUnit.SECONDS).body();
            assertTrue(body.startsWith("401 "), "the API's 401 is passed back: " + body);
          }
        } finally {
          pool.shutdownNow();
        }
        // And a steady rain afterwards, still within the hour.
        for (int i = 0; i < 10; i++) {
          String body = new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "storm-1")
              .body();
          assertTrue(body.startsWith("401 "), "passed back unretried: " + body);
        }
        assertEquals(2, provider.sentFor("storm-1"),
            "the first token and one refresh for 26 rejected calls");
        assertTrue(provider.apiRejections("storm-1") >= 26, "every call reached the API");
      }
      p.put("rejection-interval", "0");
      try (TestWebApp app = start("rejection-interval-zero", p)) {
        for (int i = 0; i < 5; i++) {
          assertEquals("401 unauthorized", new Browser().get(app.uri("/app/call"),
              "X-Endpoint-Id", "storm-2").body());
        }
        assertEquals(6, provider.sentFor("storm-2"),
            "rejection-interval=0: the first token and one refresh per rejected call");
      }
    } finally {
      provider.rejectEveryTokenOf.clear();
    }
  }

  @Test
  void aProviderRefusingTheClientIsAskedOncePerFailureCoolDown() throws Exception {
    Map<String, String> p = base("trusted-header:X-Endpoint-Id");
    p.put("failure-cool-down", "PT1H");
    provider.failStatus = 401;
    provider.failError = "invalid_client";
    try {
      try (TestWebApp app = start("failure-cool-down", p)) {
        for (int i = 0; i < 10; i++) {
          HttpResponse<String> r = new Browser().get(app.uri("/app/call"), "X-Endpoint-Id",
              "cool-1");
          assertEquals(502, r.statusCode(), r.body());
          assertTrue(r.body().contains("\"provider_error\":\"invalid_client\""), r.body());
        }
        assertEquals(1, provider.sentFor("cool-1"), "callers fail fast during the cool-down");
      }
      p.put("failure-cool-down", "0");
      try (TestWebApp app = start("failure-cool-down-zero", p)) {
        for (int i = 0; i < 4; i++) {
          assertEquals(502, new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "cool-2")
              .statusCode());
        }
        assertEquals(4, provider.sentFor("cool-2"), "no cool-down: every call asks again");
      }
    } finally {
      provider.failStatus = 0;
      provider.failError = "temporarily_unavailable";
    }
  }

  @Test
  void lifetimesMarginAndStatsFromWebXml() throws Exception {
    Map<String, String> p = base("trusted-header:X-Endpoint-Id");
    p.put("access-token-ttl", "PT30M");
    p.put("refresh-token-ttl", "P7D");
    p.put("default-expires-in", "PT20M");
    p.put("expiry-margin", "PT1M");
    p.put("record-stats", "true");
    provider.sendExpiresIn = false;
    try (TestWebApp app = start("lifetimes", p)) {
      java.time.Instant before = java.time.Instant.now();
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = new Browser().get(app.uri("/app/call"), "X-Endpoint-Id",
            "life-1");
        assertEquals("200 life-1 " + provider.currentToken("life-1"), r.body());
      }
      FakeProvider.Received sent = lastFor("life-1");
      assertEquals("1800", sent.form().get("access_token_ttl"));
      assertEquals("604800", sent.form().get("refresh_token_ttl"));
      assertEquals(1, provider.sentFor("life-1"));
      java.time.Instant expires = app.manager().token("life-1").expiresAt();
      java.time.Duration lifetime = java.time.Duration.between(before, expires);
      assertTrue(lifetime.compareTo(java.time.Duration.ofMinutes(19)) > 0
          && lifetime.compareTo(java.time.Duration.ofMinutes(21)) < 0,
          "no expires_in: default-expires-in=PT20M applies, got " + lifetime);
      assertTrue(app.manager().stats().hits() >= 2, "record-stats=true counts hits: "
          + app.manager().stats());
    } finally {
      provider.sendExpiresIn = true;
    }
  }

  @Test
  void twoInstancesOnOneRedisMakeOneTokenRequestBetweenThemWithEncryptedValues()
      throws Exception {
    try (LocalRedis redis = new LocalRedis(dir)) {
      Map<String, String> p = base("fixed:shared-1");
      p.put("store", redis.uri());
      p.put("store-encryption-keys-env", "TK_IT_REDIS_KEYS");
      p.put("store-namespace", "it-app");
      p.put("store-lease", "PT2S");
      int before = provider.received.size();
      try (TestWebApp one = start("store-one", p); TestWebApp two = start("store-two", p)) {
        assertEquals(200, new Browser().get(one.uri("/app/call")).statusCode());
        assertEquals(200, new Browser().get(two.uri("/app/call")).statusCode());
        assertEquals(1, provider.received.size() - before,
            "one token request for the two instances");
        assertEquals(one.manager().token("shared-1").value(),
            two.manager().token("shared-1").value());
        String stored = redis.command("HGET", "it-app:{shared-1}:state", "d");
        assertTrue(stored.contains("eyJ"), "a JWE: " + stored);
        assertFalse(stored.contains(provider.currentToken("shared-1")), "no readable token");
      }
    }
  }

  @Test
  void redisDownAtStartUpStartsTheAppUnlessStoreRequireAtStartSaysOtherwise() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Map<String, String> p = base("fixed:shared-down");
    p.put("store", "redis://127.0.0.1:" + closedPort);
    p.put("store-plaintext", "true");
    p.put("store-reconnect-delay", "PT0.2S");
    // The instance serves on its own until Redis answers (it keeps trying in the background).
    try (TestWebApp app = start("store-down", p)) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call"));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(1, provider.tokenRequests("shared-down"));
    }

    p.put("store-require-at-start", "true");
    used.addAll(p.keySet());
    Exception e = assertThrows(Exception.class,
        () -> TestWebApp.start(dir.resolve("store-required"), "/", p, provider.apiOrigin())
            .close());
    Throwable t = e;
    while (t != null && !(t instanceof ServletException)) {
      t = t.getCause();
    }
    assertNotNull(t, "a ServletException in " + e);
    assertTrue(t.getMessage().contains("init-param store: Redis could not be reached"),
        t.getMessage());
    assertTrue(t.getMessage().contains("store-require-at-start"), t.getMessage());
  }

  @Test
  void anEmailAddressIsAKeyAndTheDialectDecidesWhatTheProviderSees() throws Exception {
    Map<String, String> p = base("class:" + Servlets.QueryParam.class.getName());
    String derived = dev.tokenkeeper.Dialect.ringCentralEndpointId("erin@example.com");
    try (TestWebApp app = start("email-ringcentral", p)) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call?ep=erin%40example.com"));
      assertEquals("200 " + derived + " " + provider.currentToken(derived), r.body());
      assertEquals(1, provider.tokenRequests(derived));
    }
    p.remove("dialect"); // the default: plain RFC 6749, nothing sent for the key
    int before = provider.received.size();
    try (TestWebApp app = start("email-standard", p)) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call?ep=frank%40example.com"));
      assertEquals(200, r.statusCode(), r.body());
      List<FakeProvider.Received> sent = provider.received.subList(before,
          provider.received.size());
      assertEquals(1, sent.size());
      assertNull(sent.get(0).form().get("endpoint_id"), sent.get(0).form().toString());
    }
  }

  @Test
  void aStoreWithKeysFromAFileAndOneInPlaintext() throws Exception {
    Path keys = TestKeys.write(dir, "redis-keys.txt",
        "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n");
    try (LocalRedis redis = new LocalRedis(dir)) {
      Map<String, String> p = base("fixed:shared-2");
      p.put("store", redis.uri());
      p.put("store-encryption-keys-file", keys.toString());
      try (TestWebApp app = start("store-file", p)) {
        assertEquals(200, new Browser().get(app.uri("/app/call")).statusCode());
        assertTrue(redis.command("HGET", "tokenkeeper:{shared-2}:state", "d").contains("eyJ"));
      }
      Map<String, String> plain = base("fixed:shared-3");
      plain.put("store", redis.uri());
      plain.put("store-plaintext", "true");
      try (TestWebApp app = start("store-plain", plain)) {
        assertEquals(200, new Browser().get(app.uri("/app/call")).statusCode());
        assertTrue(redis.command("HGET", "tokenkeeper:{shared-3}:state", "d")
            .contains(provider.currentToken("shared-3")), "readable, as opted in");
      }
    }
  }

  @Test
  void clientSecretJwtWithAPlainSecretAndTheKeyFromAHeader() throws Exception {
    Map<String, String> p = base();
    p.put("client-authentication", "client_secret_jwt");
    p.put("client-secret", "plain-secret-that-is-long-enough-for-hs256!!");
    p.put("endpoint-id", "trusted-header:X-Endpoint-Id");
    try (TestWebApp app = start("secret-jwt", p)) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "from-header");
      assertEquals("200 from-header " + provider.currentToken("from-header"), r.body());
      verifyAssertion(lastFor("from-header"),
          new MACVerifier("plain-secret-that-is-long-enough-for-hs256!!"), null);
    }
  }

  @Test
  void theTokenBudgetParamsKeepTheAppWithinTheLimitAndAnswer503WithTheNextSlot()
      throws Exception {
    Map<String, String> p = base();
    p.put("client-secret", "budget-secret");
    p.put("endpoint-id", "trusted-header:X-Endpoint-Id");
    p.put("token-budget", "1/60s");
    p.put("token-budget-per-key", "1/60s");
    p.put("token-budget-max-wait", "0");
    p.put("token-budget-max-queued", "5");
    p.put("token-budget-spread", "10%");
    int before = provider.received.size();
    try (TestWebApp app = start("budget", p)) {
      Browser browser = new Browser();
      HttpResponse<String> first = browser.get(app.uri("/app/call"), "X-Endpoint-Id", "budget-1");
      assertEquals("200 budget-1 " + provider.currentToken("budget-1"), first.body());
      HttpResponse<String> second = browser.get(app.uri("/app/call"), "X-Endpoint-Id", "budget-2");
      assertEquals(503, second.statusCode(), second.body());
      assertTrue(second.body().contains("\"error\":\"token_budget_exhausted\""), second.body());
      long retryAfter = Long.parseLong(second.headers().firstValue("Retry-After").orElseThrow());
      assertTrue(retryAfter >= 59 && retryAfter <= 61, "Retry-After " + retryAfter);
      assertEquals(before + 1, provider.received.size(), "budget-2's request was never sent");
      dev.tokenkeeper.BudgetStatus budget = app.manager().budgetStatus().orElseThrow();
      assertEquals("1/60s for the endpoint, 1/60s per key", budget.budget().describe());
      assertEquals(0.1, budget.budget().spread());
      assertEquals(5, budget.budget().maxQueuedKeys());
      assertEquals(1, budget.refused());
    }
  }

  @Test
  void privateKeyJwtWithAnRsaKeyAndKidAndTheKeyFromThePrincipal() throws Exception {
    KeyPair rsa = TestKeys.rsa();
    Path key = TestKeys.write(dir, "rsa.pem", TestKeys.pkcs8Pem(rsa));
    Map<String, String> p = base();
    p.put("client-authentication", "private_key_jwt");
    p.put("private-key-file", key.toString());
    p.put("key-id", "rsa-key-1");
    p.put("endpoint-id", "principal");
    try (TestWebApp app = start("rsa", p)) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call"), "X-Test-User", "paula");
      assertEquals("200 paula " + provider.currentToken("paula"), r.body());
      verifyAssertion(lastFor("paula"), new RSASSAVerifier((RSAPublicKey) rsa.getPublic()),
          "rsa-key-1");
      assertEquals(401, new Browser().get(app.uri("/app/call")).statusCode(), "no principal");
    }
  }

  @Test
  void privateKeyJwtWithAnEcKeyAndACustomResolverClass() throws Exception {
    KeyPair ec = TestKeys.ec("secp256r1");
    Path key = TestKeys.write(dir, "ec.pem", TestKeys.pkcs8Pem(ec));
    Map<String, String> p = base();
    p.put("client-authentication", "private_key_jwt");
    p.put("private-key-file", key.toString());
    p.put("endpoint-id", "class:" + Servlets.QueryParam.class.getName());
    try (TestWebApp app = start("ec", p)) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call?ep=from-query"));
      assertEquals("200 from-query " + provider.currentToken("from-query"), r.body());
      verifyAssertion(lastFor("from-query"), new ECDSAVerifier((ECPublicKey) ec.getPublic()), null);
    }
  }

  @Test
  void publicClientWithThePasswordGrantFromTheEnvironment() throws Exception {
    Map<String, String> p = base();
    p.put("client-authentication", "none");
    p.put("grant", "password");
    p.put("username", "+16505550100");
    p.put("password-env", "TK_IT_PASSWORD");
    p.put("endpoint-id", "trusted-header:X-Endpoint-Id");
    try (TestWebApp app = start("password-env", p)) {
      assertEquals(200, new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "pw-env")
          .statusCode());
      FakeProvider.Received sent = lastFor("pw-env");
      assertEquals("password", sent.form().get("grant_type"));
      assertEquals("+16505550100", sent.form().get("username"));
      assertEquals("it-password-value", sent.form().get("password"));
      assertEquals("it-client", sent.form().get("client_id"));
      assertNull(sent.form().get("client_secret"));
      assertNull(sent.authorization());
    }
  }

  @Test
  void passwordGrantFromAFileAndFromPlainText() throws Exception {
    Path password = TestKeys.write(dir, "password.txt", "password-from-file\n");
    Map<String, String> p = base();
    p.put("client-secret-env", "TK_IT_CLIENT_SECRET");
    p.put("grant", "password");
    p.put("username", "alice");
    p.put("password-file", password.toString());
    p.put("endpoint-id", "trusted-header:X-Endpoint-Id");
    try (TestWebApp app = start("password-file", p)) {
      new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "pw-file");
      assertEquals("password-from-file", lastFor("pw-file").form().get("password"));
      assertTrue(lastFor("pw-file").authorization().startsWith("Basic "));
    }
    p.remove("password-file");
    p.put("password", "password-in-web-xml");
    try (TestWebApp app = start("password-plain", p)) {
      new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "pw-plain");
      assertEquals("password-in-web-xml", lastFor("pw-plain").form().get("password"));
    }
  }

  @Test
  void jwtBearerWithTheAssertionFromTheEnvironmentOrPlainText() throws Exception {
    Map<String, String> p = base();
    p.put("client-secret-env", "TK_IT_CLIENT_SECRET");
    p.put("grant", "jwt-bearer");
    p.put("assertion-env", "TK_IT_ASSERTION");
    p.put("endpoint-id", "trusted-header:X-Endpoint-Id");
    try (TestWebApp app = start("assertion-env", p)) {
      new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "jwt-env");
      FakeProvider.Received sent = lastFor("jwt-env");
      assertEquals("urn:ietf:params:oauth:grant-type:jwt-bearer", sent.form().get("grant_type"));
      assertEquals("it-assertion-from-env", sent.form().get("assertion"));
    }
    p.remove("assertion-env");
    p.put("assertion", "assertion-in-web-xml");
    try (TestWebApp app = start("assertion-plain", p)) {
      new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "jwt-plain");
      assertEquals("assertion-in-web-xml", lastFor("jwt-plain").form().get("assertion"));
    }
  }

  @Test
  void jwtBearerReadsTheAssertionFileAgainAtEveryTokenRequest() throws Exception {
    Path assertion = TestKeys.write(dir, "assertion.jwt", "first-assertion\n");
    Map<String, String> p = base();
    p.put("client-secret-env", "TK_IT_CLIENT_SECRET");
    p.put("grant", "jwt-bearer");
    p.put("assertion-file", assertion.toString());
    p.put("endpoint-id", "trusted-header:X-Endpoint-Id");
    p.put("session-ended", "redirect:https://login.example.com/start");
    try (TestWebApp app = start("assertion-file", p)) {
      new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "rotated-1");
      assertEquals("first-assertion", lastFor("rotated-1").form().get("assertion"));
      Files.writeString(assertion, "second-assertion\n");
      new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "rotated-2");
      assertEquals("second-assertion", lastFor("rotated-2").form().get("assertion"));
      HttpResponse<String> anonymous = new Browser().get(app.uri("/app/call"));
      assertEquals(302, anonymous.statusCode());
      assertEquals("https://login.example.com/start",
          anonymous.headers().firstValue("Location").orElseThrow());
    }
  }

  @Test
  void theBearerClientSendsTheTokenOnlyToAllowedOrigins() throws Exception {
    Map<String, String> p = base("trusted-header:X-Endpoint-Id");
    p.put("allowed-origins", "https://api.example.com, " + provider.otherOrigin());
    try (TestWebApp app = start("origins", p)) {
      int before = provider.apiAuthorizations.size();
      HttpResponse<String> r = new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "origin");
      assertTrue(r.body().startsWith("401 ") || r.body().startsWith("ISE "), r.body());
      for (String sent : provider.apiAuthorizations.subList(before,
          provider.apiAuthorizations.size())) {
        assertEquals("null", sent, "no token to an origin that is not allowed");
      }
    }
    p.remove("allowed-origins");
    try (TestWebApp app = start("no-origins", p)) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "none");
      assertTrue(r.body().startsWith("ISE TokenContext.httpClient() needs the origins it may send"
          + " tokens to: set init-param allowed-origins"), r.body());
    }
  }

  @Test
  void aBrokenWebXmlFailsTheStartWithTheInitParamsName() {
    Map<String, String> p = base();
    p.put("client-secret", "must-not-be-shown");
    p.put("endpoint-id", "cookie:x");
    Exception e = assertThrows(Exception.class,
        () -> TestWebApp.start(dir.resolve("broken"), "/", p, provider.apiOrigin()).close());
    Throwable t = e;
    while (t != null && !(t instanceof ServletException)) {
      t = t.getCause();
    }
    assertNotNull(t, "a ServletException in " + e);
    assertTrue(t.getMessage().contains("TokenFilter 'tokenkeeper': init-param endpoint-id is"
        + " \"cookie:x\"; expected fixed:VALUE"), t.getMessage());
    assertFalse(t.getMessage().contains("must-not-be-shown"));
  }

  @Test
  void aFilterAddedInCodeWithTokenFilterConfig() throws Exception {
    String extra = "  <context-param><param-name>token-uri</param-name><param-value>"
        + provider.tokenUri() + "</param-value></context-param>\n"
        + "  <listener><listener-class>" + Servlets.ProgrammaticSetup.class.getName()
        + "</listener-class></listener>\n";
    try (TestWebApp app = TestWebApp.start(dir.resolve("code"), "/",
        WebXml.of(null, provider.apiOrigin(), extra))) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call"));
      assertEquals("200 svc-code " + provider.currentToken("svc-code"), r.body());
      FakeProvider.Received sent = lastFor("svc-code");
      assertEquals("code-client", sent.form().get("client_id"));
      assertEquals("900", new Browser().get(app.uri("/app/info")).headers()
          .firstValue("TokenKeeper-Session-Idle-Timeout").orElseThrow());
    }
  }

  static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes());
  }
}

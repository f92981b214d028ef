package dev.tokenkeeper.servlet.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.servlet.it.Browser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole login round trip on real Jetty against a provider on loopback, with cookie-keeping
 * clients: the authorization request, the callback's state checks, the code exchange with PKCE,
 * the server-made key, the session id change and the return target.
 */
class LoginFlowIT {
  TestClock clock = new TestClock();
  OidcProvider provider;
  LoginApp app;

  @BeforeEach
  void start() throws Exception {
    provider = new OidcProvider(clock);
    app = new LoginApp(provider, b -> b.clock(clock));
  }

  @AfterEach
  void stop() throws Exception {
    app.close();
    provider.close();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Login → provider → callback; returns the callback's answer. */
  HttpResponse<String> signIn(CookieBrowser browser, String returnTo) throws Exception {
    HttpResponse<String> login = browser.get(app.uri("/oauth/login"
        + (returnTo == null ? "" : "?return_to=" + enc(returnTo))));
    assertEquals(302, login.statusCode(), login.body());
    HttpResponse<String> atProvider = browser.follow(login);
    assertEquals(302, atProvider.statusCode(), atProvider.body());
    return browser.follow(atProvider);
  }

  @Test
  void loginRedirectCarriesStateNonceAndPkceChallenge() throws Exception {
    CookieBrowser browser = new CookieBrowser();
    HttpResponse<String> r = browser.get(app.uri("/oauth/login"));
    assertEquals(302, r.statusCode());
    URI location = CookieBrowser.location(r);
    assertEquals(provider.uri("/authorize").getPath(), location.getPath());
    Map<String, String> q = OidcProvider.query(location.getRawQuery());
    assertEquals("code", q.get("response_type"));
    assertEquals(OidcProvider.CLIENT_ID, q.get("client_id"));
    assertEquals(app.uri("/oauth/callback").toString(), q.get("redirect_uri"));
    assertEquals("openid", q.get("scope"));
    assertEquals(43, q.get("state").length());
    assertEquals(43, q.get("nonce").length());
    assertEquals("S256", q.get("code_challenge_method"));
    assertEquals(43, q.get("code_challenge").length());
    assertFalse(q.containsKey("code_verifier"));
    assertTrue(r.headers().firstValue("Cache-Control").orElse("").contains("no-store"));
    // A second login gets fresh values.
    Map<String, String> q2 = OidcProvider.query(
        CookieBrowser.location(browser.get(app.uri("/oauth/login"))).getRawQuery());
    assertNotEquals(q.get("state"), q2.get("state"));
    assertNotEquals(q.get("nonce"), q2.get("nonce"));
    assertNotEquals(q.get("code_challenge"), q2.get("code_challenge"));
  }

  @Test
  void goodCallbackStoresTokensUnderAServerMadeKeyChangesTheSessionIdAndReturns()
      throws Exception {
    CookieBrowser browser = new CookieBrowser();
    HttpResponse<String> login = browser.get(app.uri("/oauth/login?return_to="
        + enc("/app/orders?id=7")));
    String before = browser.sessionId();
    assertNotNull(before);
    String challenge = OidcProvider.query(CookieBrowser.location(login).getRawQuery())
        .get("code_challenge");
    HttpResponse<String> callback = browser.follow(browser.follow(login));
    assertEquals(303, callback.statusCode(), callback.body());
    assertEquals("/app/orders?id=7", callback.headers().firstValue("Location").orElseThrow());
    String after = browser.sessionId();
    assertNotEquals(before, after, "the session id changes at sign-in");

    Map<String, String> tokenRequest = provider.tokenRequests.get(0);
    assertEquals("authorization_code", tokenRequest.get("grant_type"));
    assertEquals(challenge, OidcProvider.s256(tokenRequest.get("code_verifier")));
    String key = tokenRequest.get("endpoint_id");
    assertTrue(key.matches("[a-zA-Z0-9_\\-]{1,64}"), key);

    HttpResponse<String> page = browser.follow(callback);
    assertEquals(200, page.statusCode(), page.body());
    Map<String, String> lines = Browser.lines(page.body());
    assertEquals(key, lines.get("key"));
    assertEquals("alice", lines.get("subject"));
    assertEquals("User alice", lines.get("name"));
    assertTrue(lines.get("token").startsWith("at-alice-"));
    assertEquals("/app/orders", lines.get("path"));
    // The HttpSession holds the key and random values, never a token.
    String session = lines.get("session");
    assertTrue(session.contains("dev.tokenkeeper.login.key:" + key), session);
    assertFalse(session.contains("at-") || session.contains("rt-"), session);
    assertTrue(app.filter.tokenManager().token(key).value().startsWith("at-alice-"));
  }

  @Test
  void theHttpSessionFollowsTheProviderSessionsIdleTimeout() throws Exception {
    provider.extraTokenFields.put("session_idle_timeout", 900);
    CookieBrowser browser = new CookieBrowser();
    signIn(browser, "/app/me");
    Map<String, String> page = Browser.lines(browser.get(app.uri("/app/me")).body());
    assertEquals("900", page.get("maxInactive"));
  }

  @Test
  void withoutReturnToTheCallbackGoesToTheDefaultPage() throws Exception {
    HttpResponse<String> callback = signIn(new CookieBrowser(), null);
    assertEquals(303, callback.statusCode());
    assertEquals("/", callback.headers().firstValue("Location").orElseThrow());
  }

  HttpResponse<String> callbackWith(CookieBrowser browser, String query) throws Exception {
    return browser.get(app.uri("/oauth/callback?" + query));
  }

  /** Starts a login and has the provider answer; returns the callback URI (not yet followed). */
  URI callbackUri(CookieBrowser browser) throws Exception {
    HttpResponse<String> login = browser.get(app.uri("/oauth/login"));
    return CookieBrowser.location(browser.follow(login));
  }

  @Test
  void wrongMissingExpiredReusedOrForeignStateIsRefusedWithoutATokenRequest() throws Exception {
    CookieBrowser browser = new CookieBrowser();
    URI good = callbackUri(browser);
    Map<String, String> q = OidcProvider.query(good.getRawQuery());
    String code = q.get("code");

    HttpResponse<String> wrong = callbackWith(browser, "code=" + code + "&state=wrong");
    assertEquals(400, wrong.statusCode());
    assertTrue(wrong.body().contains("does not belong to a sign-in started here"), wrong.body());
    HttpResponse<String> missing = callbackWith(browser, "code=" + code);
    assertEquals(400, missing.statusCode());
    assertTrue(missing.body().contains("no state parameter"), missing.body());

    // Another browser presenting this browser's state (login CSRF / injected code).
    CookieBrowser attacker = new CookieBrowser();
    attacker.get(app.uri("/oauth/login"));
    HttpResponse<String> foreign = attacker.get(callbackUri(browser));
    assertEquals(400, foreign.statusCode());
    assertTrue(foreign.body().contains("another browser session"), foreign.body());

    URI slow = callbackUri(browser);
    clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    HttpResponse<String> expired = browser.get(slow);
    assertEquals(400, expired.statusCode());
    assertTrue(expired.body().contains("longer than 5 minutes"), expired.body());
    assertEquals(0, provider.tokenRequests.size(), "no token request for a refused state");

    URI once = callbackUri(browser);
    assertEquals(303, browser.get(once).statusCode());
    HttpResponse<String> reused = browser.get(once);
    assertEquals(400, reused.statusCode());
    assertEquals(1, provider.tokenRequests.size());
  }

  @Test
  void aCallbackReplayedByManyThreadsAtOnceSignsInOnceAndMakesOneTokenRequest()
      throws Exception {
    CookieBrowser browser = new CookieBrowser();
    URI callback = callbackUri(browser);
    int threads = 16;
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < threads; i++) {
        answers.add(pool.submit(() -> {
          go.await();
          return browser.get(callback).statusCode();
        }));
      }
      go.countDown();
      int signedIn = 0;
      int refused = 0;
      for (java.util.concurrent.Future<Integer> a : answers) {
        int status = a.get(30, java.util.concurrent.TimeUnit.SECONDS);
        if (status == 303) {
          signedIn++;
        } else if (status == 400) {
          refused++;
        }
      }
      assertEquals(1, signedIn);
      assertEquals(threads - 1, refused);
      assertEquals(1, provider.tokenRequests.size());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void accessDeniedGetsTheDocumentedPageOrJson() throws Exception {
    provider.authorizeError = "access_denied";
    CookieBrowser browser = new CookieBrowser();
    HttpResponse<String> page = signIn(browser, "/app/x");
    assertEquals(403, page.statusCode());
    assertTrue(page.body().contains("Sign-in cancelled"), page.body());
    assertTrue(page.body().contains("/oauth/login?return_to=%2Fapp%2Fx"), page.body());
    assertEquals(0, provider.tokenRequests.size());

    URI callback = callbackUri(browser);
    HttpResponse<String> json = browser.get(callback, "Accept", "application/json");
    assertEquals(403, json.statusCode());
    assertTrue(json.body().contains("\"error\":\"access_denied\""), json.body());

    provider.authorizeError = "temporarily_unavailable";
    assertEquals(503, signIn(browser, null).statusCode());
  }

  @Test
  void returnTargetsLeavingTheAppAreRefused() throws Exception {
    CookieBrowser browser = new CookieBrowser();
    for (String bad : List.of("https://evil.example/", "//evil.example/x", "/\\evil.example",
        "\\\\evil.example", "/%2F%2Fevil.example", "%2F%2Fevil.example", "/%5Cevil.example",
        "/%252F%252Fevil.example", "http:/evil.example", "javascript:alert(1)", "app/x",
        "/ok\r\nSet-Cookie:x=1", "/x#frag")) {
      HttpResponse<String> r = browser.get(app.uri("/oauth/login?return_to=" + enc(bad)));
      assertEquals(400, r.statusCode(), bad);
      assertTrue(r.body().contains("must be a path inside this application"), r.body());
    }
    for (String good : List.of("/", "/app/x", "/app/x?a=1&b=%2F", "/app/%7Euser")) {
      HttpResponse<String> r = browser.get(app.uri("/oauth/login?return_to=" + enc(good)));
      assertEquals(302, r.statusCode(), good);
    }
    assertNull(browser.get(app.uri("/oauth/login?return_to=" + enc("//evil")))
        .headers().firstValue("Location").orElse(null));
  }

  @Test
  void navigationsWithoutSignInGoToLoginAndApiCallsGet401Json() throws Exception {
    CookieBrowser browser = new CookieBrowser();
    HttpResponse<String> nav = browser.get(app.uri("/app/reports?month=5"),
        "Accept", "text/html");
    assertEquals(302, nav.statusCode());
    assertEquals("/oauth/login?return_to=" + enc("/app/reports?month=5"),
        nav.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> api = browser.get(app.uri("/app/data"), "Accept", "application/json");
    assertEquals(401, api.statusCode());
    assertTrue(api.body().contains("\"error\":\"login_required\""), api.body());
    HttpResponse<String> xhr = browser.get(app.uri("/app/data"), "X-Requested-With", "fetch");
    assertEquals(401, xhr.statusCode());
    assertEquals(200, browser.get(app.uri("/public")).statusCode());
  }

  @Test
  void twoUsersGetOnlyTheirOwnTokensWhateverTheRequestNames() throws Exception {
    CookieBrowser alice = new CookieBrowser();
    signIn(alice, "/app/me");
    provider.nextSubject = "bob";
    CookieBrowser bob = new CookieBrowser();
    signIn(bob, "/app/me");
    Map<String, String> a = Browser.lines(alice.get(app.uri("/app/me")).body());
    Map<String, String> b = Browser.lines(bob.get(app.uri("/app/me")).body());
    assertEquals("alice", a.get("subject"));
    assertEquals("bob", b.get("subject"));
    assertNotEquals(a.get("key"), b.get("key"));
    assertTrue(b.get("token").startsWith("at-bob-"));

    String aliceKey = a.get("key");
    HttpResponse<String> sneaky = bob.get(app.uri("/app/me?endpoint_id=" + aliceKey
            + "&key=" + aliceKey + "&dev.tokenkeeper.login.key=" + aliceKey),
        "X-Endpoint-Id", aliceKey, "Endpoint-Id", aliceKey, "X-TokenKeeper-Key", aliceKey,
        "Authorization", "Bearer " + a.get("token"));
    Map<String, String> s = Browser.lines(sneaky.body());
    assertEquals("bob", s.get("subject"));
    assertEquals(b.get("key"), s.get("key"));
    assertTrue(s.get("token").startsWith("at-bob-"));
    // A stranger naming alice's key gets nothing at all.
    CookieBrowser stranger = new CookieBrowser();
    assertEquals(401, stranger.get(app.uri("/app/me?endpoint_id=" + aliceKey),
        "X-Endpoint-Id", aliceKey, "Accept", "application/json").statusCode());
  }

  @Test
  void aSecondSignInInTheSameBrowserEndsTheFirstKey() throws Exception {
    CookieBrowser browser = new CookieBrowser();
    signIn(browser, null);
    String first = Browser.lines(browser.get(app.uri("/app/me")).body()).get("key");
    signIn(browser, null);
    String second = Browser.lines(browser.get(app.uri("/app/me")).body()).get("key");
    assertNotEquals(first, second);
    assertThrows(ReauthenticationRequiredException.class,
        () -> app.filter.tokenManager().token(first));
  }
}

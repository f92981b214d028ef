package dev.tokenkeeper.servlet.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.servlet.it.Browser;
import dev.tokenkeeper.servlet.login.OidcProvider.IdTokenMode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RP-initiated logout (POST, CSRF, revocation, end-session) and back-channel logout. */
class LogoutIT {
  TestClock clock = new TestClock();
  OidcProvider provider;
  LoginApp app;

  @BeforeEach
  void start() throws Exception {
    provider = new OidcProvider(clock);
    app = new LoginApp(provider, b -> b.clock(clock)
        .postLogoutRedirectUri(URI.create("http://127.0.0.1/signed-out")));
  }

  @AfterEach
  void stop() throws Exception {
    app.close();
    provider.close();
  }

  /** Signs in; returns the key. */
  String signIn(CookieBrowser browser, String subject) throws Exception {
    provider.nextSubject = subject;
    HttpResponse<String> r = browser.follow(browser.follow(browser.get(app.uri("/oauth/login"))));
    assertEquals(303, r.statusCode(), r.body());
    return Browser.lines(browser.get(app.uri("/app/me")).body()).get("key");
  }

  static Map<String, Object> json(HttpResponse<String> r) throws Exception {
    return JSONObjectUtils.parse(r.body());
  }

  @Test
  void logoutRevokesForgetsInvalidatesAndGoesToTheEndSessionEndpoint() throws Exception {
    CookieBrowser browser = new CookieBrowser();
    String key = signIn(browser, "alice");
    Map<String, Object> session = json(browser.get(app.uri("/oauth/session")));
    assertEquals(Boolean.TRUE, session.get("signed_in"));
    assertEquals("alice", session.get("subject"));
    assertEquals("User alice", session.get("name"));
    String csrf = (String) session.get("csrf_token");

    HttpResponse<String> get = browser.get(app.uri("/oauth/logout"));
    assertEquals(405, get.statusCode());
    HttpResponse<String> noCsrf = browser.post(app.uri("/oauth/logout"), Map.of());
    assertEquals(403, noCsrf.statusCode());
    HttpResponse<String> wrongCsrf = browser.post(app.uri("/oauth/logout"),
        Map.of("csrf", csrf + "x"));
    assertEquals(403, wrongCsrf.statusCode());
    assertEquals(200, browser.get(app.uri("/app/me")).statusCode(), "still signed in");
    assertTrue(provider.revocations.isEmpty());

    HttpResponse<String> out = browser.post(app.uri("/oauth/logout"), Map.of("csrf", csrf));
    assertEquals(303, out.statusCode(), out.body());
    URI location = CookieBrowser.location(out);
    assertEquals(provider.uri("/end-session").getPath(), location.getPath());
    Map<String, String> q = OidcProvider.query(location.getRawQuery());
    assertEquals(OidcProvider.CLIENT_ID, q.get("client_id"));
    assertEquals("http://127.0.0.1/signed-out", q.get("post_logout_redirect_uri"));

    assertEquals(2, provider.revocations.size());
    assertEquals("refresh_token", provider.revocations.get(0).get("token_type_hint"));
    assertEquals("access_token", provider.revocations.get(1).get("token_type_hint"));
    assertTrue(provider.liveAccessTokens.isEmpty());
    assertThrows(ReauthenticationRequiredException.class,
        () -> app.filter.tokenManager().token(key));

    HttpResponse<String> api = browser.get(app.uri("/app/me"), "Accept", "application/json");
    assertEquals(401, api.statusCode());
    assertEquals("login_required", json(api).get("error"));
    HttpResponse<String> nav = browser.get(app.uri("/app/me"));
    assertEquals(302, nav.statusCode());
    assertEquals("/oauth/login?return_to=%2Fapp%2Fme", nav.headers().firstValue("Location")
        .orElseThrow());
    assertEquals(Boolean.FALSE, json(browser.get(app.uri("/oauth/session"))).get("signed_in"));
  }

  @Test
  void logoutByScriptWithTheCsrfHeaderGetsJson() throws Exception {
    CookieBrowser browser = new CookieBrowser();
    signIn(browser, "alice");
    String csrf = (String) json(browser.get(app.uri("/oauth/session"))).get("csrf_token");
    HttpResponse<String> out = browser.post(app.uri("/oauth/logout"), Map.of(),
        "X-CSRF-Token", csrf, "X-Requested-With", "fetch");
    assertEquals(200, out.statusCode(), out.body());
    assertEquals(Boolean.TRUE, json(out).get("signed_out"));
    assertTrue(((String) json(out).get("location")).contains("/end-session?client_id="));
  }

  @Test
  void aBackChannelLogoutTokenEndsTheRightUsersKeysAndIsRefusedWhenReplayedOrForged()
      throws Exception {
    CookieBrowser alice1 = new CookieBrowser();
    CookieBrowser alice2 = new CookieBrowser();
    CookieBrowser bob = new CookieBrowser();
    String a1 = signIn(alice1, "alice");
    String a2 = signIn(alice2, "alice");
    String b = signIn(bob, "bob");
    String sidOfA1 = sidOf(a1);

    // By sid: only that browser session of alice ends.
    String token = provider.logoutToken("alice", sidOfA1, UUID.randomUUID().toString());
    URI endpoint = app.uri("/oauth/backchannel-logout");
    HttpResponse<String> r = new CookieBrowser().post(endpoint, Map.of("logout_token", token));
    assertEquals(200, r.statusCode(), r.body());
    assertThrows(ReauthenticationRequiredException.class,
        () -> app.filter.tokenManager().token(a1));
    assertEquals(302, alice1.get(app.uri("/app/me")).statusCode());
    assertEquals(200, alice2.get(app.uri("/app/me")).statusCode());
    assertEquals(200, bob.get(app.uri("/app/me")).statusCode());

    HttpResponse<String> replay = new CookieBrowser().post(endpoint, Map.of("logout_token", token));
    assertEquals(400, replay.statusCode());
    assertTrue(replay.body().contains("used already"), replay.body());

    provider.idTokenMode = IdTokenMode.BAD_SIGNATURE;
    String forged = provider.logoutToken("bob", null, UUID.randomUUID().toString());
    HttpResponse<String> refused = new CookieBrowser().post(endpoint,
        Map.of("logout_token", forged));
    assertEquals(400, refused.statusCode());
    assertTrue(refused.body().contains("signature does not verify"), refused.body());
    provider.idTokenMode = IdTokenMode.ALG_NONE;
    assertEquals(400, new CookieBrowser().post(endpoint, Map.of("logout_token",
        provider.logoutToken("bob", null, UUID.randomUUID().toString()))).statusCode());
    assertEquals(200, bob.get(app.uri("/app/me")).statusCode());

    // By sub: every key of bob.
    provider.idTokenMode = IdTokenMode.GOOD;
    assertEquals(200, new CookieBrowser().post(endpoint, Map.of("logout_token",
        provider.logoutToken("bob", null, UUID.randomUUID().toString()))).statusCode());
    assertEquals(401, bob.get(app.uri("/app/me"), "Accept", "application/json").statusCode());
    assertEquals(200, alice2.get(app.uri("/app/me")).statusCode());
    assertThrows(ReauthenticationRequiredException.class,
        () -> app.filter.tokenManager().token(b));
    assertTrue(app.filter.tokenManager().token(a2).value().startsWith("at-alice-"));
  }

  @Test
  void aLogoutTokenWithANonceOrWithoutTheEventIsRefused() throws Exception {
    CookieBrowser alice = new CookieBrowser();
    signIn(alice, "alice");
    URI endpoint = app.uri("/oauth/backchannel-logout");
    var base = new com.nimbusds.jwt.JWTClaimsSet.Builder()
        .issuer(provider.issuer().toString()).audience(OidcProvider.CLIENT_ID)
        .subject("alice").jwtID(UUID.randomUUID().toString())
        .issueTime(java.util.Date.from(clock.instant()));
    String withNonce = provider.sign(base.claim("nonce", "n").claim("events",
        Map.of("http://schemas.openid.net/event/backchannel-logout", Map.of())).build());
    HttpResponse<String> r1 = new CookieBrowser().post(endpoint, Map.of("logout_token", withNonce));
    assertEquals(400, r1.statusCode());
    assertTrue(r1.body().contains("nonce"), r1.body());
    String noEvent = provider.sign(base.claim("nonce", null).claim("events", Map.of()).build());
    HttpResponse<String> r2 = new CookieBrowser().post(endpoint, Map.of("logout_token", noEvent));
    assertEquals(400, r2.statusCode());
    assertTrue(r2.body().contains("events"), r2.body());
    assertEquals(400, new CookieBrowser().post(endpoint, Map.of()).statusCode());
    assertEquals(200, alice.get(app.uri("/app/me")).statusCode());
  }

  private String sidOf(String key) {
    return app.filter.signedIn(key).orElseThrow().sessionId().orElseThrow();
  }
}

package dev.tokenkeeper.servlet.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.servlet.login.OidcProvider.IdTokenMode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** ID tokens are verified with the provider's JWK Set; a bad one fails the login, storing nothing. */
class IdTokenIT {
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

  HttpResponse<String> signIn(CookieBrowser browser) throws Exception {
    return browser.follow(browser.follow(browser.get(app.uri("/oauth/login?return_to=%2Fapp%2Fme"))));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "BAD_SIGNATURE        | signature does not verify",
      "ALG_NONE             | unsigned (alg: none), which is never accepted",
      "HMAC_WITH_PUBLIC_KEY | signed with HS256, which is not among the accepted algorithms",
      "WRONG_ISSUER         | issuer is \"http://evil.example\"",
      "WRONG_AUDIENCE       | audience [another-client] does not contain this client's client_id",
      "WRONG_NONCE          | nonce is not the one sent in the authorization request",
      "EXPIRED              | expired at",
      "UNKNOWN_KID          | has no key with kid \"no-such-kid\"",
      "NONE                 | no id_token although the scope asks for openid"})
  void aBadIdTokenFailsTheLoginWithAClearMessageAndNoTokensStored(IdTokenMode mode,
      String message) throws Exception {
    provider.idTokenMode = mode;
    CookieBrowser browser = new CookieBrowser();
    HttpResponse<String> r = signIn(browser);
    assertEquals(502, r.statusCode(), r.body());
    assertTrue(r.body().contains(message.replace("\"", "&quot;").replace("'", "&#39;")),
        r.body());
    assertEquals(1, provider.tokenRequests.size());
    String key = provider.tokenRequests.get(0).get("endpoint_id");
    // Nothing stored: the key has no token, the browser is not signed in.
    assertEquals(dev.tokenkeeper.SessionTimeouts.NONE, app.filter.tokenManager().session(key));
    assertEquals(302, browser.get(app.uri("/app/me")).statusCode());
    // The tokens the provider issued for the refused login are revoked.
    assertTrue(provider.revocations.stream().anyMatch(f -> "access_token".equals(
        f.get("token_type_hint"))), provider.revocations.toString());

    HttpResponse<String> json = browser.get(app.uri("/oauth/login"));
    json = browser.get(CookieBrowser.location(browser.follow(json)), "Accept", "application/json");
    assertEquals(502, json.statusCode());
    assertTrue(json.body().contains("\"error\":\"invalid_id_token\""), json.body());
  }

  @Test
  void aKeyRotationIsFollowedAndUnknownKidsDoNotHammerTheJwksEndpoint() throws Exception {
    assertEquals(303, signIn(new CookieBrowser()).statusCode());
    assertEquals(1, provider.jwksRequests.get());
    assertEquals(303, signIn(new CookieBrowser()).statusCode());
    assertEquals(1, provider.jwksRequests.get(), "the key set is cached");

    // Made-up kids within the re-fetch interval: refused without fetching the set again.
    provider.idTokenMode = IdTokenMode.UNKNOWN_KID;
    for (int i = 0; i < 5; i++) {
      assertEquals(502, signIn(new CookieBrowser()).statusCode());
    }
    assertEquals(1, provider.jwksRequests.get());

    provider.idTokenMode = IdTokenMode.GOOD;
    provider.rotateKeys();
    clock.advance(Duration.ofSeconds(31));
    HttpResponse<String> r = signIn(new CookieBrowser());
    assertEquals(303, r.statusCode(), r.body());
    assertEquals(2, provider.jwksRequests.get(), "one re-fetch for the new kid");
    Map<String, String> tokenRequest = provider.tokenRequests.get(provider.tokenRequests.size() - 1);
    assertTrue(app.filter.tokenManager().token(tokenRequest.get("endpoint_id")).value()
        .startsWith("at-alice-"));
  }
}

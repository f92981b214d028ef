package dev.tokenkeeper.servlet.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.servlet.it.Browser;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Provider metadata (OIDC discovery, RFC 8414, or one by one) and pushed authorization requests. */
class DiscoveryAndParIT {
  TestClock clock = new TestClock();
  OidcProvider provider;

  @BeforeEach
  void start() throws Exception {
    provider = new OidcProvider(clock);
  }

  @AfterEach
  void stop() {
    provider.close();
  }

  static HttpResponse<String> signIn(LoginApp app, CookieBrowser browser) throws Exception {
    return browser.follow(browser.follow(browser.get(app.uri("/oauth/login"))));
  }

  @Test
  void anIssuerMismatchInTheMetadataFailsInit() {
    provider.issuerOverride = "https://someone-else.example";
    Exception e = assertThrows(Exception.class, () -> new LoginApp(provider, b -> { }).close());
    Throwable t = e;
    while (t.getCause() != null && !t.getMessage().contains("issuer")) {
      t = t.getCause();
    }
    assertTrue(t.getMessage().contains("names the issuer \"https://someone-else.example\", not"
        + " the configured issuer"), t.getMessage());
  }

  @Test
  void rfc8414MetadataIsUsedWhenThereIsNoOpenIdConfiguration() throws Exception {
    provider.oidcDiscovery = false;
    try (LoginApp app = new LoginApp(provider, b -> b.clock(clock))) {
      assertEquals(303, signIn(app, new CookieBrowser()).statusCode());
    }
  }

  @Test
  void endpointsGivenOneByOneNeedNoDiscovery() throws Exception {
    try (LoginApp app = new LoginApp(provider, b -> b.clock(clock)
        .authorizationEndpoint(provider.uri("/authorize"))
        .tokenEndpoint(provider.uri("/token"))
        .jwksUri(provider.uri("/jwks"))
        .revocationEndpoint(provider.uri("/revoke")))) {
      assertEquals(0, provider.discoveryRequests.get());
      CookieBrowser browser = new CookieBrowser();
      assertEquals(303, signIn(app, browser).statusCode());
      assertEquals("alice", Browser.lines(browser.get(app.uri("/app/me")).body()).get("subject"));
    }
  }

  @Test
  void withAParEndpointOnlyTheRequestUriTravelsThroughTheBrowser() throws Exception {
    provider.advertisePar = true;
    try (LoginApp app = new LoginApp(provider, b -> b.clock(clock))) {
      CookieBrowser browser = new CookieBrowser();
      HttpResponse<String> login = browser.get(app.uri("/oauth/login"));
      URI location = CookieBrowser.location(login);
      Map<String, String> q = OidcProvider.query(location.getRawQuery());
      assertEquals(Map.of("client_id", OidcProvider.CLIENT_ID), Map.of("client_id",
          q.get("client_id")));
      assertTrue(q.get("request_uri").startsWith("urn:ietf:params:oauth:request_uri:"));
      assertEquals(2, q.size(), q.toString());
      assertFalse(location.toString().contains("code_challenge"));
      Map<String, String> pushed = provider.parRequests.get(0);
      assertEquals("S256", pushed.get("code_challenge_method"));
      assertEquals(43, pushed.get("state").length());
      assertTrue(pushed.containsKey("nonce"));
      assertEquals(OidcProvider.basic(), pushed.get("authorization"));
      HttpResponse<String> callback = browser.follow(browser.follow(login));
      assertEquals(303, callback.statusCode(), callback.body());
      assertEquals("alice", Browser.lines(browser.get(app.uri("/app/me")).body()).get("subject"));
    }
  }
}

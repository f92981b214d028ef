package dev.tokenkeeper.servlet.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.ClientAuthentication;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the login answers when the provider fails, and what init refuses. */
class LoginErrorsIT {
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

  static String messages(Throwable t) {
    StringBuilder out = new StringBuilder();
    for (; t != null; t = t.getCause()) {
      out.append(t.getMessage()).append('\n');
    }
    return out.toString();
  }

  @Test
  void aRefusedCodeExchangeIsAClearPageAndNothingIsStored() throws Exception {
    provider.failToken = true;
    try (LoginApp app = new LoginApp(provider, b -> b.clock(clock))) {
      CookieBrowser browser = new CookieBrowser();
      HttpResponse<String> r = browser.follow(browser.follow(browser.get(app.uri("/oauth/login"))));
      assertEquals(502, r.statusCode());
      assertTrue(r.body().contains("did not exchange the authorization code (invalid_grant)"),
          r.body());
      assertEquals(302, browser.get(app.uri("/app/x")).statusCode());
      // A callback without code nor error.
      HttpResponse<String> login = browser.get(app.uri("/oauth/login"));
      String state = OidcProvider.query(CookieBrowser.location(login).getRawQuery()).get("state");
      HttpResponse<String> empty = browser.get(app.uri("/oauth/callback?state=" + state));
      assertEquals(400, empty.statusCode());
      assertTrue(empty.body().contains("neither code nor error"), empty.body());
    }
  }

  @Test
  void aFailingParEndpointIsAClearPageAndMetadataIsFetchedAgain() throws Exception {
    provider.advertisePar = true;
    provider.failPar = true;
    try (LoginApp app = new LoginApp(provider, b -> b.clock(clock))) {
      int before = provider.discoveryRequests.get();
      clock.advance(Duration.ofMinutes(1));
      HttpResponse<String> r = new CookieBrowser().get(app.uri("/oauth/login"),
          "Accept", "application/json");
      assertEquals(502, r.statusCode());
      assertEquals("par_failed", JSONObjectUtils.parse(r.body()).get("error"));
      assertEquals(before + 1, provider.discoveryRequests.get());
      // Within 30 s: not again.
      new CookieBrowser().get(app.uri("/oauth/login"));
      assertEquals(before + 1, provider.discoveryRequests.get());
    }
  }

  @Test
  void initFailsWhenTheProviderCannotBeDiscoveredOrLacksKeys() throws Exception {
    provider.failDiscovery = true;
    Exception e = assertThrows(Exception.class, () -> new LoginApp(provider, b -> { }).close());
    assertTrue(messages(e).contains("no provider metadata for issuer"), messages(e));
    assertTrue(messages(e).contains("answered 503"), messages(e));
    provider.failDiscovery = false;
    Exception noKeys = assertThrows(Exception.class, () -> new LoginApp(provider, b -> b
        .authorizationEndpoint(provider.uri("/authorize")).tokenEndpoint(provider.uri("/token"))
        .discovery(false)).close());
    assertTrue(messages(noKeys).contains("names no jwks_uri"), messages(noKeys));
  }

  @Test
  void aPlainOAuthLoginWithoutOpenIdWorksWithoutAnIdToken() throws Exception {
    provider.idTokenMode = OidcProvider.IdTokenMode.NONE;
    try (LoginApp app = new LoginApp(provider, b -> b.clock(clock).scope("ReadAccounts"))) {
      CookieBrowser browser = new CookieBrowser();
      HttpResponse<String> login = browser.get(app.uri("/oauth/login"));
      assertTrue(!CookieBrowser.location(login).getRawQuery().contains("nonce="));
      assertEquals(303, browser.follow(browser.follow(login)).statusCode());
      Map<String, Object> session = JSONObjectUtils.parse(
          browser.get(app.uri("/oauth/session")).body());
      assertEquals(Boolean.TRUE, session.get("signed_in"));
    }
  }

  @Test
  void theBuilderRefusesWhatCannotWork() {
    ClientAuthentication auth = ClientAuthentication.none("c");
    assertThrows(IllegalArgumentException.class,
        () -> LoginConfig.builder(null, auth, URI.create("/cb")));
    assertThrows(IllegalStateException.class,
        () -> LoginConfig.builder(null, auth, URI.create("https://a.example.com/cb")).build());
    assertThrows(IllegalStateException.class,
        () -> LoginConfig.builder(null, auth, URI.create("https://a.example.com/cb"))
            .authorizationEndpoint(URI.create("https://a.example.com/a"))
            .tokenEndpoint(URI.create("https://a.example.com/t")).discovery(true).build());
    LoginConfig.Builder b = LoginConfig.builder(URI.create("https://id.example.com"), auth,
        URI.create("https://a.example.com/cb"));
    assertThrows(IllegalArgumentException.class, () -> b.loginPath("x"));
    assertThrows(IllegalArgumentException.class, () -> b.logoutPath("//x"));
    assertThrows(IllegalArgumentException.class, () -> b.stateLifetime(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.maximumSize(0));
  }

  @Test
  void aSecondFilterCannotTakeTheSameManagerAttribute() throws Exception {
    try (LoginApp app = new LoginApp(provider, b -> { }, context ->
        context.setAttribute("dev.tokenkeeper.TokenManager", "taken"))) {
      throw new AssertionError("started");
    } catch (Exception e) {
      assertTrue(messages(e).contains("init-param manager-attribute names the ServletContext"
          + " attribute dev.tokenkeeper.TokenManager, which already holds"), messages(e));
    }
  }
}

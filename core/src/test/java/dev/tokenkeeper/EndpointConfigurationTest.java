package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What {@link TokenEndpoint.Builder#build()} accepts and how it explains a refusal. */
class EndpointConfigurationTest {
  private static final ClientAuthentication AUTH = ClientAuthentication.basic("id", "secret");

  private static TokenEndpoint.Builder builder(String uri) {
    return TokenEndpoint.builder(URI.create(uri), AUTH);
  }

  @Test
  void httpsIsRequiredForATokenEndpointOffLoopback() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> builder("http://login.example.com/oauth/token").build());

    assertEquals("token endpoint URI http://login.example.com/oauth/token uses http: tokens and"
        + " client secrets would travel in clear text. Use https, or, only on a network you trust,"
        + " TokenEndpoint.Builder.allowInsecureHttp(true). (http is allowed only on loopback:"
        + " localhost, 127.0.0.0/8, [::1]; a name under .localhost is not, since it is resolved"
        + " again when connecting)", e.getMessage());
  }

  @Test
  void httpsIsRequiredForARevocationEndpointOffLoopback() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> builder("https://login.example.com/oauth/token")
            .revocationUri(URI.create("http://login.example.com/oauth/revoke")).build());

    assertTrue(e.getMessage().startsWith("revocation endpoint URI"
        + " http://login.example.com/oauth/revoke uses http:"), e.getMessage());
  }

  @Test
  void httpIsAllowedOnLoopbackAddresses() {
    for (String uri : new String[] {"http://localhost:8080/t", "http://127.0.0.1/t",
        "http://127.1.2.3:9/t", "http://[::1]:9/t", "http://LOCALHOST/t",
        "http://[::ffff:127.0.0.1]/t"}) {
      assertEquals(URI.create(uri), builder(uri).build().tokenUri());
    }
  }

  /**
   * Issue 8, item 9: a name under .localhost may go to DNS, and the HTTP client resolves it again
   * when it connects, so no check at build time could keep it on loopback: it is not loopback.
   */
  @Test
  void aNameUnderLocalhostIsNotTakenForLoopback() {
    for (String uri : new String[] {"http://auth.localhost/t", "http://a.b.localhost:8080/t",
        "http://evil.localhost./t"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> builder(uri).build(), uri);
      assertTrue(e.getMessage().endsWith("(http is allowed only on loopback: localhost,"
          + " 127.0.0.0/8, [::1]; a name under .localhost is not, since it is resolved again when"
          + " connecting)"), e.getMessage());
    }
    assertEquals(URI.create("https://auth.localhost/t"),
        builder("https://auth.localhost/t").build().tokenUri());
  }

  @Test
  void httpOffLoopbackIsAllowedOnlyWhenExplicitlyAllowed() {
    TokenEndpoint endpoint = builder("http://10.0.0.5/oauth/token").allowInsecureHttp(true)
        .revocationUri(URI.create("http://10.0.0.5/oauth/revoke")).build();

    assertEquals(URI.create("http://10.0.0.5/oauth/token"), endpoint.tokenUri());
    assertTrue(endpoint.supportsRevocation());
  }

  @Test
  void aHostThatOnlyLooksLikeLoopbackIsNotLoopback() {
    for (String host : new String[] {"localhost.example.com", "128.0.0.1", "[::2]", "127.evil.com",
        "327.0.0.1", "127.0.0.256", "tk.localhost", "[::1", "", "[]"}) {
      assertFalse(TokenEndpoint.isLoopback(host), host);
    }
  }

  @Test
  void aRelativeOrNonHttpUriIsRefused() {
    assertEquals("token endpoint URI must be an absolute https URL such as"
        + " https://login.example.com/oauth/token; got \"/oauth/token\"",
        assertThrows(IllegalArgumentException.class, () -> builder("/oauth/token").build())
            .getMessage());
    assertEquals("token endpoint URI must be an absolute https URL such as"
        + " https://login.example.com/oauth/token; got ftp://example.com/token",
        assertThrows(IllegalArgumentException.class, () -> builder("ftp://example.com/token").build())
            .getMessage());
  }

  @Test
  void userInfoInTheUriIsRefusedWithoutShowingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> builder("https://id:pa55word@login.example.com/token").build());

    assertEquals("token endpoint URI must not contain user info (user:password@); configure"
        + " credentials with ClientAuthentication instead", e.getMessage());
  }

  @Test
  void limitsAndTimeoutsMustBePositive() {
    assertEquals("maxResponseBytes must be positive; got 0",
        assertThrows(IllegalArgumentException.class,
            () -> builder("https://a.example/t").maxResponseBytes(0).build()).getMessage());
    assertEquals("requestTimeout must be positive; got PT0S",
        assertThrows(IllegalArgumentException.class,
            () -> builder("https://a.example/t").requestTimeout(Duration.ZERO).build()).getMessage());
    assertEquals("connectTimeout must be positive; got PT-1S",
        assertThrows(IllegalArgumentException.class,
            () -> builder("https://a.example/t").connectTimeout(Duration.ofSeconds(-1)).build())
            .getMessage());
    assertEquals("defaultExpiresIn must be zero or positive; got PT-1S",
        assertThrows(IllegalArgumentException.class,
            () -> builder("https://a.example/t").defaultExpiresIn(Duration.ofSeconds(-1)).build())
            .getMessage());
  }

  @Test
  void anHttpClientThatFollowsRedirectsIsRefused() {
    java.net.http.HttpClient following = java.net.http.HttpClient.newBuilder()
        .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> builder("https://a.example/t").httpClient(following).build());

    assertEquals("the HttpClient given to TokenEndpoint.Builder.httpClient follows redirects"
        + " (NORMAL); token requests carry secrets and must not be redirected: build it with"
        + " followRedirects(HttpClient.Redirect.NEVER)", e.getMessage());
  }

  @Test
  void aGivenHttpClientThatDoesNotFollowRedirectsIsUsed() {
    try (dev.tokenkeeper.testing.LoopbackTokenServer server =
        dev.tokenkeeper.testing.LoopbackTokenServer.start()) {
      java.net.http.HttpClient own = java.net.http.HttpClient.newBuilder()
          .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

      TokenResponse response = TokenEndpoint.builder(server.uri("/t"), AUTH).httpClient(own)
          .build().request(TokenRequest.of(Grant.clientCredentials()));

      assertEquals("default-access", response.accessToken().value());
    }
  }

  @Test
  void theBuilderKeepsWhatItWasGiven() {
    Clock clock = Clock.systemUTC();
    Dialect dialect = Dialect.ringCentralLegacy();
    TokenEndpoint endpoint = builder("https://a.example/t").clock(clock).dialect(dialect)
        .defaultExpiresIn(Duration.ofMinutes(5)).build();

    assertEquals(clock, endpoint.clock());
    assertEquals(dialect, endpoint.dialect());
    assertEquals(AUTH, endpoint.clientAuthentication());
    assertEquals(Duration.ofMinutes(5), endpoint.defaultExpiresIn());
    assertEquals("TokenEndpoint[tokenUri=https://a.example/t, revocationUri=null,"
        + " clientAuthentication=ClientAuthentication.Basic[clientId=id, clientSecret=██]]",
        endpoint.toString());
  }
}

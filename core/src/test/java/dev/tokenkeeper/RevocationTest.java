package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenkeeper.testing.LoopbackTokenServer;
import dev.tokenkeeper.testing.LoopbackTokenServer.Recorded;
import dev.tokenkeeper.testing.LoopbackTokenServer.Reply;
import dev.tokenkeeper.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Token revocation (RFC 7009) against a loopback server. */
class RevocationTest {
  @RegisterExtension final LoopbackTokenServer server = LoopbackTokenServer.start();
  private final MutableClock clock = MutableClock.at("2025-03-01T10:00:00Z");

  private TokenEndpoint endpoint(ClientAuthentication auth) {
    return TokenEndpoint.builder(server.uri("/oauth/token"), auth)
        .revocationUri(server.uri("/oauth/revoke")).clock(clock).build();
  }

  @Test
  void revokePostsTheTokenAndHintWithTheSameClientAuthentication() {
    server.enqueue(Reply.of(200, null, ""));

    endpoint(ClientAuthentication.basic("client-id", "client-secret"))
        .revoke("RT-to-revoke", "refresh_token");

    Recorded sent = server.onlyRequest();
    assertEquals("POST", sent.method());
    assertEquals("/oauth/revoke", sent.path());
    assertEquals("application/x-www-form-urlencoded; charset=UTF-8", sent.header("Content-Type"));
    assertEquals(Map.of("token", "RT-to-revoke", "token_type_hint", "refresh_token"), sent.form());
    assertEquals("Basic " + Base64.getEncoder().encodeToString(
        "client-id:client-secret".getBytes(StandardCharsets.UTF_8)), sent.header("Authorization"));
  }

  @Test
  void revokeWithoutHintSendsOnlyTheTokenAndPostCredentials() {
    server.enqueue(Reply.of(200, null, ""));

    endpoint(ClientAuthentication.post("client-id", "client-secret")).revoke("AT", null);

    assertEquals(Map.of("token", "AT", "client_id", "client-id", "client_secret", "client-secret"),
        server.onlyRequest().form());
  }

  @Test
  void aJwtAssertionForRevocationIsAddressedToTheRevocationUri() throws Exception {
    server.enqueue(Reply.of(200, null, ""));
    String secret = "a-client-secret-of-at-least-32-bytes-long";

    endpoint(ClientAuthentication.secretJwt("jwt-client", secret)).revoke("AT", "access_token");

    SignedJWT jwt = SignedJWT.parse(server.onlyRequest().form().get("client_assertion"));
    assertTrue(jwt.verify(new MACVerifier(secret)));
    assertEquals(List.of(server.uri("/oauth/revoke").toString()), jwt.getJWTClaimsSet().getAudience());
  }

  @Test
  void aNoContentAnswerIsAlsoSuccess() {
    server.enqueue(Reply.of(204, null, ""));

    endpoint(ClientAuthentication.none("app")).revokeAsync("AT", null).join();

    assertEquals(1, server.requests().size());
  }

  @Test
  void anUnsupportedTokenTypeErrorBecomesATokenEndpointException() {
    server.enqueue(Reply.json(400, "{\"error\":\"unsupported_token_type\"}"));

    CompletionException wrapped = assertThrows(CompletionException.class,
        () -> endpoint(ClientAuthentication.none("app")).revokeAsync("AT", "access_token").join());

    TokenEndpointException e = assertInstanceOf(TokenEndpointException.class, wrapped.getCause());
    assertEquals("the revocation endpoint answered HTTP 400 unsupported_token_type", e.getMessage());
    assertEquals("unsupported_token_type", e.error().orElseThrow());
  }

  @Test
  void aServiceUnavailableAnswerCarriesRetryAfter() {
    server.enqueue(Reply.of(503, "text/plain", "try later").withHeader("Retry-After", "7"));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> endpoint(ClientAuthentication.none("app")).revoke("AT", null));

    assertEquals(503, e.statusCode());
    assertEquals(Duration.ofSeconds(7), e.retryAfter().orElseThrow());
    assertTrue(e.isTransient());
    assertFalse(e.getMessage().contains("AT\""), e.getMessage());
  }

  @Test
  void revokingWithoutARevocationUriIsRefusedNamingTheSetting() {
    TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/oauth/token"),
        ClientAuthentication.none("app")).build();

    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> endpoint.revoke("AT", null));

    assertEquals("no revocation endpoint is configured: set TokenEndpoint.Builder.revocationUri",
        e.getMessage());
    assertFalse(endpoint.supportsRevocation());
    assertTrue(endpoint.revocationUri().isEmpty());
  }

  @Test
  void aBlankTokenOrHintIsRefused() {
    TokenEndpoint endpoint = endpoint(ClientAuthentication.none("app"));

    assertEquals("token is required for revocation and must not be blank",
        assertThrows(IllegalArgumentException.class, () -> endpoint.revoke(" ", null)).getMessage());
    assertEquals("token_type_hint must not be blank: leave it out (null) or give access_token or"
        + " refresh_token",
        assertThrows(IllegalArgumentException.class, () -> endpoint.revoke("AT", "")).getMessage());
    assertTrue(server.requests().isEmpty());
  }
}

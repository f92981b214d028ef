package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.ScriptedServer.Request;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, item 13: {@code client_secret_jwt} and {@code private_key_jwt} also send
 * {@code client_id} (RFC 7521, section 4.2 allows it), on token, refresh and revocation requests,
 * so servers that, like Spring Authorization Server, refuse a client assertion without it
 * ({@code 400 invalid_request}) work.
 */
class JwtClientAuthenticationClientIdTest {
  private static final String HS_SECRET = "a-client-secret-of-at-least-32-bytes-long";

  private final AtomicInteger issued = new AtomicInteger();
  private final ScriptedServer server = ScriptedServer.start(this::springLike);

  @AfterEach
  void stop() {
    server.close();
  }

  /**
   * What Spring Authorization Server's {@code JwtClientAssertionAuthenticationConverter} does:
   * no {@code client_id} with a client assertion is {@code invalid_request}; then the assertion's
   * issuer must be that client.
   */
  private Answer springLike(Request r) throws Exception {
    String clientId = r.param("client_id");
    String assertion = r.param("client_assertion");
    if (assertion == null) {
      return Answer.error(401, "invalid_client");
    }
    if (clientId == null) {
      return Answer.json(400, "{\"error\":\"invalid_request\",\"error_description\":"
          + "\"OAuth 2.0 Parameter: client_id\"}");
    }
    String issuer = SignedJWT.parse(assertion).getJWTClaimsSet().getIssuer();
    if (!clientId.equals(issuer)) {
      return Answer.error(401, "invalid_client");
    }
    if (r.path().endsWith("/revoke")) {
      return Answer.status(200);
    }
    int n = issued.incrementAndGet();
    return Answer.json(200, "{\"access_token\":\"at-" + n + "\",\"token_type\":\"Bearer\","
        + "\"expires_in\":3600,\"refresh_token\":\"rt-" + n + "\"}");
  }

  private TokenEndpoint endpoint(ClientAuthentication auth) {
    return TokenEndpoint.builder(server.uri("/oauth2/token"), auth)
        .revocationUri(server.uri("/oauth2/revoke"))
        .build();
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    return gen.generateKeyPair();
  }

  private void tokenRefreshAndRevocationAllCarryTheClientId(ClientAuthentication auth) {
    try (TokenEndpoint endpoint = endpoint(auth)) {
      TokenResponse first = endpoint.request(TokenRequest.of(Grant.clientCredentials()));
      TokenResponse refreshed = endpoint.request(
          TokenRequest.of(Grant.refreshToken(first.refreshToken().orElseThrow())));
      endpoint.revoke(refreshed.refreshToken().orElseThrow(), "refresh_token");

      assertEquals("at-2", refreshed.accessToken().value());
      List<Request> sent = server.requests();
      assertEquals(3, sent.size());
      for (Request r : sent) {
        assertEquals(auth.clientId(), r.param("client_id"), r.path() + " " + r.form().keySet());
        assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            r.param("client_assertion_type"));
      }
      assertEquals(List.of("grant_type", "client_id", "client_assertion_type",
          "client_assertion"), List.copyOf(sent.get(0).form().keySet()));
    }
  }

  @Test
  void clientSecretJwtSendsClientIdOnTokenRefreshAndRevocationRequests() {
    tokenRefreshAndRevocationAllCarryTheClientId(
        ClientAuthentication.secretJwt("spring-client", HS_SECRET));
  }

  @Test
  void privateKeyJwtSendsClientIdOnTokenRefreshAndRevocationRequests() throws Exception {
    tokenRefreshAndRevocationAllCarryTheClientId(
        ClientAuthentication.privateKeyJwt("spring-client", ec().getPrivate(), "kid-1"));
  }

  @Test
  void aTokenManagerWithJwtClientAuthenticationGetsRefreshesAndRevokesAgainstSuchAServer()
      throws Exception {
    try (TokenEndpoint endpoint = endpoint(
            ClientAuthentication.privateKeyJwt("spring-client", ec().getPrivate(), null));
        TokenManager manager = TokenManager.builder(endpoint)
            .primaryGrant(Grant.clientCredentials()).build()) {
      AccessToken first = manager.token("k");
      AccessToken second = manager.rejected("k", first).get();
      manager.revoke("k").get();

      assertEquals("at-1", first.value());
      assertEquals("at-2", second.value());
      assertEquals("refresh_token", server.requests().get(1).grantType());
      assertTrue(server.requests().stream()
          .allMatch(r -> "spring-client".equals(r.param("client_id"))), server.requests()
          .toString());
      assertTrue(server.requests().stream().anyMatch(r -> r.path().endsWith("/revoke")));
    }
  }

  @Test
  void aClientIdInTheRequestThatMatchesTheJwtAuthenticationIsSentOnce() {
    try (TokenEndpoint endpoint = endpoint(ClientAuthentication.secretJwt("c-1", HS_SECRET))) {
      endpoint.request(TokenRequest.builder(Grant.clientCredentials()).clientId("c-1").build());

      assertTrue(server.requests().get(0).body().indexOf("client_id=")
          == server.requests().get(0).body().lastIndexOf("client_id="));
    }
  }
}

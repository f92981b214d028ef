package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenkeeper.testing.LoopbackTokenServer;
import dev.tokenkeeper.testing.LoopbackTokenServer.Reply;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No public type that holds a secret shows it in {@code toString()}, and no exception built from
 * it shows it in its message — even when the provider echoes the request back.
 */
class SecretsNeverShownTest {
  private static final String CLIENT_SECRET = "cs-5e3f1a7b9c2d4e6f8a0b";

  /** A public value that holds secrets, and the secrets. */
  record Holder(String name, Object value, List<String> secrets) {
    @Override public String toString() {
      return name;
    }
  }

  static Stream<Holder> holders() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(256);
    KeyPair ec = gen.generateKeyPair();
    String encodedKey = Base64.getEncoder().encodeToString(ec.getPrivate().getEncoded());
    Instant now = Instant.parse("2025-03-01T10:00:00Z");
    return Stream.of(
        new Holder("Grant.AuthorizationCode", Grant.authorizationCode("code-secret-1",
            "https://app/cb", "verifier-secret-0123456789012345678901234567890"),
            List.of("code-secret-1", "verifier-secret-0123456789012345678901234567890")),
        new Holder("Grant.Password", new Grant.Password("alice", "pw-secret-2", "101", "pin-secret-3"),
            List.of("pw-secret-2", "pin-secret-3")),
        new Holder("Grant.RefreshToken", Grant.refreshToken("rt-secret-4"), List.of("rt-secret-4")),
        new Holder("Grant.JwtBearer", Grant.jwtBearer("assertion-secret-5"),
            List.of("assertion-secret-5")),
        new Holder("Grant.PartnerJwt", new Grant.PartnerJwt("assertion-secret-6"),
            List.of("assertion-secret-6")),
        new Holder("Grant.PersonalJwt", new Grant.PersonalJwt("assertion-secret-7"),
            List.of("assertion-secret-7")),
        new Holder("Grant.DeviceCode", new Grant.DeviceCode("device-secret-8"),
            List.of("device-secret-8")),
        new Holder("Grant.Otp", new Grant.Otp("otp-secret-9"), List.of("otp-secret-9")),
        new Holder("Grant.IvrPin", new Grant.IvrPin("ivr-secret-10"), List.of("ivr-secret-10")),
        new Holder("Grant.Custom", Grant.custom("urn:x", Map.of("magic", "custom-secret-11")),
            List.of("custom-secret-11")),
        new Holder("TokenRequest", TokenRequest.builder(Grant.password("bob", "pw-secret-12"))
            .scope("s").build(), List.of("pw-secret-12")),
        new Holder("ClientAuthentication.Basic", ClientAuthentication.basic("id", CLIENT_SECRET),
            List.of(CLIENT_SECRET)),
        new Holder("ClientAuthentication.Post", ClientAuthentication.post("id", CLIENT_SECRET),
            List.of(CLIENT_SECRET)),
        new Holder("ClientAuthentication.SecretJwt",
            ClientAuthentication.secretJwt("id", CLIENT_SECRET), List.of(CLIENT_SECRET)),
        new Holder("ClientAuthentication.PrivateKeyJwt",
            ClientAuthentication.privateKeyJwt("id", ec.getPrivate(), "kid"),
            List.of(encodedKey, ec.getPrivate().toString())),
        new Holder("AccessToken", AccessToken.bearer("at-secret-13", now), List.of("at-secret-13")),
        new Holder("TokenResponse", TokenResponse.builder("at-secret-14", now)
            .expiresIn(Duration.ofHours(1)).refreshToken("rt-secret-15").idToken("id-secret-16")
            .build(), List.of("at-secret-14", "rt-secret-15", "id-secret-16")),
        new Holder("TokenEndpoint", TokenEndpoint.builder(java.net.URI.create("https://a.example/t"),
            ClientAuthentication.basic("id", CLIENT_SECRET)).build(), List.of(CLIENT_SECRET)),
        new Holder("Pkce", Pkce.ofVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            List.of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")));
  }

  @ParameterizedTest(name = "{0}.toString() shows no secret")
  @MethodSource("holders")
  void toStringOfEveryPublicTypeHoldingASecretShowsNoSecret(Holder holder) {
    String text = holder.value().toString();
    for (String secret : holder.secrets()) {
      assertFalse(text.contains(secret), holder.name() + " shows a secret: " + text);
    }
  }

  static Stream<Grant> secretGrants() {
    return Stream.of(
        Grant.authorizationCode("code-secret-1", "https://app/cb",
            "verifier-secret-0123456789012345678901234567890"),
        new Grant.Password("alice", "pw-secret-2", "101", "pin-secret-3"),
        Grant.refreshToken("rt-secret-4"),
        Grant.jwtBearer("assertion-secret-5"),
        new Grant.PartnerJwt("assertion-secret-6"),
        new Grant.PersonalJwt("assertion-secret-7"),
        new Grant.DeviceCode("device-secret-8"),
        new Grant.Otp("otp-secret-9"),
        new Grant.IvrPin("ivr-secret-10"),
        Grant.custom("urn:x", Map.of("magic", "custom-secret-11")));
  }

  @ParameterizedTest(name = "a provider echoing a {0} request back shows no secret in the message")
  @MethodSource("secretGrants")
  void exceptionMessagesNeverShowASecretTheProviderEchoes(Grant grant) {
    String secretJwtSecret = "jwt-secret-of-at-least-thirty-two-bytes";
    List<ClientAuthentication> auths = List.of(ClientAuthentication.basic("id", CLIENT_SECRET),
        ClientAuthentication.post("id", CLIENT_SECRET),
        ClientAuthentication.secretJwt("id", secretJwtSecret));
    for (ClientAuthentication auth : auths) {
      try (LoopbackTokenServer server = LoopbackTokenServer.start()) {
        TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/t"), auth).build();
        TokenRequest request = TokenRequest.of(grant);
        List<String> secrets = new java.util.ArrayList<>();
        grant.parameters().forEach((name, value) -> {
          if (!List.of("redirect_uri", "username", "extension").contains(name)) {
            secrets.add(value);
          }
        });
        secrets.add(CLIENT_SECRET);
        secrets.add(secretJwtSecret);

        // First learn exactly what is sent, then have the provider echo all of it back.
        endpoint.request(request);
        LoopbackTokenServer.Recorded sent = server.onlyRequest();
        String echo = sent.body() + " " + String.join(" ", sent.form().values())
            + " " + sent.header("Authorization");
        if (sent.form().containsKey("client_assertion")) {
          secrets.add(sent.form().get("client_assertion"));
        }
        server.enqueue(Reply.json(400, "{\"error\":\"invalid_request\",\"error_description\":"
            + "\"echo " + echo.replace("\"", "") + "\",\"error_uri\":\"https://e/?" + echo
            .replace("\"", "").replace(" ", "+") + "\"}"));
        server.enqueue(Reply.of(500, "text/html", "<pre>" + echo + "</pre>"));

        for (int i = 0; i < 2; i++) {
          TokenEndpointException e = assertThrows(TokenEndpointException.class,
              () -> endpoint.request(request));
          for (String secret : secrets) {
            assertFalse(e.getMessage().contains(secret), e.getMessage());
          }
        }
      }
    }
  }

  @Test
  void theBasicCredentialsEchoedBackAreMasked() {
    try (LoopbackTokenServer server = LoopbackTokenServer.start()) {
      String basic = Base64.getEncoder().encodeToString(
          ("id:" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
      server.enqueue(Reply.json(401, "{\"error\":\"invalid_client\",\"error_description\":"
          + "\"bad credentials " + basic + "\"}"));
      TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/t"),
          ClientAuthentication.basic("id", CLIENT_SECRET)).build();

      TokenEndpointException e = assertThrows(TokenEndpointException.class,
          () -> endpoint.request(TokenRequest.of(Grant.clientCredentials())));

      assertEquals("the token endpoint answered HTTP 401 invalid_client: bad credentials ██",
          e.getMessage());
    }
  }

  /**
   * Regression: the message was masked, but errorDescription() and errorUri() returned the echo
   * as received, so an application logging them (or a filter answering with them) leaked the
   * refresh token and the client secret.
   */
  @Test
  void echoedSecretsAreMaskedInErrorDescriptionAndErrorUriToo() {
    try (LoopbackTokenServer server = LoopbackTokenServer.start()) {
      server.enqueue(Reply.json(400, "{\"error\":\"invalid_grant\",\"error_description\":"
          + "\"refresh token rt-secret-4 of client " + CLIENT_SECRET + " is dead\","
          + "\"error_uri\":\"https://e.example/?t=rt-secret-4\"}"));
      TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/t"),
          ClientAuthentication.post("id", CLIENT_SECRET)).build();

      TokenEndpointException e = assertThrows(TokenEndpointException.class,
          () -> endpoint.request(TokenRequest.of(Grant.refreshToken("rt-secret-4"))));

      assertEquals("refresh token ██ of client ██ is dead", e.errorDescription().orElseThrow());
      assertEquals("https://e.example/?t=██", e.errorUri().orElseThrow());
      assertEquals("invalid_grant", e.error().orElseThrow());
      assertEquals(true, e.isInvalidGrant());
    }
  }

  @Test
  void validationMessagesNameTheFieldButNotTheValue() {
    IllegalArgumentException blank = assertThrows(IllegalArgumentException.class,
        () -> Grant.password("alice", "  "));
    IllegalArgumentException shortSecret = assertThrows(IllegalArgumentException.class,
        () -> TokenEndpoint.builder(java.net.URI.create("https://a.example/t"),
            ClientAuthentication.secretJwt("id", "tiny-secret")).build());

    assertEquals("password is required for the password grant and must not be blank",
        blank.getMessage());
    assertFalse(shortSecret.getMessage().contains("tiny-secret"));
  }
}

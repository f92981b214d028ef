package dev.tokenkeeper;

import static dev.tokenkeeper.ProviderFixtures.FULL_TOKEN_INFO;
import static dev.tokenkeeper.ProviderFixtures.NOW;
import static dev.tokenkeeper.ProviderFixtures.PBX_ANSWER;
import static dev.tokenkeeper.ProviderFixtures.assertFullTokenInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenkeeper.testing.LoopbackTokenServer;
import dev.tokenkeeper.testing.LoopbackTokenServer.Reply;
import dev.tokenkeeper.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Successful answers (RFC 6749 section 5.1, RingCentral's {@code TokenInfo}, a PBX vendor's
 * password-grant example) and how they become the model.
 */
class TokenResponseParsingTest {
  @RegisterExtension final LoopbackTokenServer server = LoopbackTokenServer.start();
  private final MutableClock clock = new MutableClock(NOW);

  private TokenEndpoint endpoint() {
    return TokenEndpoint.builder(server.uri("/oauth/token"),
        ClientAuthentication.basic("client-id", "client-secret")).clock(clock)
        .defaultExpiresIn(Duration.ofMinutes(20)).build();
  }

  private TokenResponse answer(String json) {
    server.enqueue(Reply.json(200, json));
    return endpoint().request(TokenRequest.of(Grant.clientCredentials()));
  }

  @Test
  void aTokenInfoAnswerWithEveryFieldRoundTripsIntoTheFullModel() {
    assertFullTokenInfo(answer(FULL_TOKEN_INFO), NOW);
  }

  @Test
  void theArrivalTimeComesFromTheEndpointClock() {
    clock.advance(Duration.ofHours(5));

    TokenResponse response = answer(FULL_TOKEN_INFO);

    assertFullTokenInfo(response, NOW.plus(Duration.ofHours(5)));
  }

  @Test
  void thePbxVendorsCurlExampleRoundTrips() {
    server.enqueue(Reply.json(200, PBX_ANSWER));
    TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/oauth/token"),
        ClientAuthentication.post("a80f1e618ddd4d4584e2bd18fd464194",
            "a2423941f5be408c998d5f7287570990")).clock(clock).build();

    TokenResponse response = endpoint.request(
        TokenRequest.of(Grant.password("user_name", "user_password")));

    // curl --data-urlencode, field by field, in the example's order.
    assertEquals("grant_type=password&username=user_name&password=user_password"
        + "&client_id=a80f1e618ddd4d4584e2bd18fd464194"
        + "&client_secret=a2423941f5be408c998d5f7287570990", server.onlyRequest().body());
    assertEquals("pyt4ZUcLWc2FP3t10OJUN2N4Xh2qes", response.accessToken().value());
    assertEquals("Bearer", response.tokenType());
    assertEquals(NOW.plusSeconds(3600), response.expiresAt());
    assertEquals("L40pLFI9hgoРlp0lFHNAvPUt0К9K0С", response.refreshToken().orElseThrow());
    assertTrue(response.scope().isEmpty());
    assertTrue(response.additionalFields().isEmpty());
  }

  @Test
  void numbersArriveAsJsonNumbersOrNumericStrings() {
    TokenResponse response = answer("{\"access_token\":\"a\",\"token_type\":\"bearer\","
        + "\"expires_in\":\"3600\",\"refresh_token_expires_in\":\" 604800 \","
        + "\"session_expires_in\":86400.0,\"session_idle_timeout\":\"900\"}");

    assertEquals(Duration.ofSeconds(3600), response.expiresIn());
    assertEquals(Duration.ofSeconds(604800), response.refreshTokenExpiresIn().orElseThrow());
    assertEquals(Duration.ofSeconds(86400), response.sessionExpiresIn().orElseThrow());
    assertEquals(Duration.ofSeconds(900), response.sessionIdleTimeout().orElseThrow());
    assertEquals(NOW.plusSeconds(86400), response.sessionExpiresAt().orElseThrow());
  }

  @Test
  void tokenTypeIsComparedCaseInsensitivelyAndKeptAsSpelled() {
    for (String type : List.of("bearer", "Bearer", "BEARER", "bEaReR")) {
      TokenResponse response = answer("{\"access_token\":\"a\",\"token_type\":\"" + type
          + "\",\"expires_in\":60}");
      assertEquals(type, response.tokenType());
    }
  }

  @Test
  void aMissingExpiresInFallsBackToTheExpOfAJwtAccessToken() throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("s")
        .expirationTime(Date.from(NOW.plusSeconds(1234))).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner("0123456789abcdef0123456789abcdef"));

    TokenResponse response = answer("{\"access_token\":\"" + jwt.serialize()
        + "\",\"token_type\":\"bearer\"}");

    assertEquals(Duration.ofSeconds(1234), response.expiresIn());
    assertEquals(NOW.plusSeconds(1234), response.expiresAt());
  }

  @Test
  void aJwtAccessTokenThatExpiredAlreadyIsRefusedNamingExp() {
    String jwt = new PlainJWT(new JWTClaimsSet.Builder()
        .expirationTime(Date.from(NOW.minusSeconds(10))).build()).serialize();

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> answer("{\"access_token\":\"" + jwt + "\",\"token_type\":\"bearer\"}"));

    assertTrue(e.getMessage().contains("exp has passed"), e.getMessage());
    assertFalse(e.getMessage().contains(jwt), e.getMessage());
  }

  @Test
  void aMissingExpiresInWithAnOpaqueTokenFallsBackToTheConfiguredDefault() {
    TokenResponse response = answer("{\"access_token\":\"opaque\",\"token_type\":\"bearer\"}");

    assertEquals(Duration.ofMinutes(20), response.expiresIn());
    assertEquals(NOW.plus(Duration.ofMinutes(20)), response.expiresAt());
  }

  @Test
  void aJwtAccessTokenWithoutExpFallsBackToTheConfiguredDefault() {
    String jwt = new PlainJWT(new JWTClaimsSet.Builder().subject("x").build()).serialize();

    TokenResponse response = answer("{\"access_token\":\"" + jwt + "\",\"token_type\":\"bearer\"}");

    assertEquals(Duration.ofMinutes(20), response.expiresIn());
  }

  @Test
  void unknownFieldsAreKeptAsParsedJsonValues() throws Exception {
    TokenResponse response = answer("{\"access_token\":\"a\",\"token_type\":\"bearer\","
        + "\"expires_in\":60,\"refresh_in\":30,\"ratio\":0.5,\"flags\":[\"x\",\"y\"],"
        + "\"nested\":{\"k\":\"v\"},\"nothing\":null,\"ok\":true}");

    Map<String, Object> extra = response.additionalFields();
    assertEquals(30L, extra.get("refresh_in"));
    assertEquals(0.5, extra.get("ratio"));
    assertEquals(List.of("x", "y"), extra.get("flags"));
    assertEquals(Map.of("k", "v"), extra.get("nested"));
    assertTrue(extra.containsKey("nothing"));
    assertNull(extra.get("nothing"));
    assertEquals(true, extra.get("ok"));
    assertThrows(UnsupportedOperationException.class, () -> extra.put("x", 1));
    assertEquals(JSONObjectUtils.parse("{\"k\":\"v\"}"), extra.get("nested"));
  }

  @Test
  void idTokenClaimsAreReadableWithoutASignatureCheck() {
    TokenResponse response = answer(FULL_TOKEN_INFO);

    Map<String, Object> claims = response.idTokenClaims().orElseThrow();
    assertEquals("https://platform.example.com", claims.get("iss"));
    assertEquals("alice@example.com", claims.get("email"));
    assertEquals(NOW.plusSeconds(3600).getEpochSecond(), claims.get("exp"));
  }

  @Test
  void aResponseWithoutIdTokenHasNoIdTokenClaims() {
    assertTrue(answer(PBX_ANSWER).idTokenClaims().isEmpty());
  }

  @Test
  void anIdTokenThatIsNotAJwtGivesAClearErrorThatDoesNotShowIt() {
    TokenResponse response = answer("{\"access_token\":\"a\",\"token_type\":\"bearer\","
        + "\"id_token\":\"not-a-jwt-secretish\"}");

    IllegalStateException e = assertThrows(IllegalStateException.class, response::idTokenClaims);
    assertEquals("the id_token is not a well-formed JWT (OpenID Connect Core, section 2), so its"
        + " claims cannot be read", e.getMessage());
  }

  @Test
  void sessionExpirationTimeAcceptsOffsetsAndLocalTimesAsUtc() {
    TokenResponse withOffset = answer("{\"access_token\":\"a\",\"token_type\":\"bearer\","
        + "\"session_expiration_time\":\"2025-03-02T12:00:00+02:00\",\"session_expires_in\":5}");
    TokenResponse local = answer("{\"access_token\":\"a\",\"token_type\":\"bearer\","
        + "\"session_expiration_time\":\"2025-03-02T10:00:00\"}");

    assertEquals(Instant.parse("2025-03-02T10:00:00Z"), withOffset.sessionExpiresAt().orElseThrow());
    assertEquals(Instant.parse("2025-03-02T10:00:00Z"), local.sessionExpiresAt().orElseThrow());
  }

  @Test
  void anOwnerIdSentAsANumberIsReadAsItsDecimalString() {
    TokenResponse response = answer("{\"access_token\":\"a\",\"token_type\":\"bearer\","
        + "\"owner_id\":256440016}");

    assertEquals("256440016", response.ownerId().orElseThrow());
  }

  @Test
  void aJsonBodyWithAByteOrderMarkStillParses() {
    TokenResponse response = answer("\uFEFF{\"access_token\":\"a\",\"token_type\":\"bearer\"}");

    assertEquals("a", response.accessToken().value());
  }

  @Test
  void a200WithAnErrorBodyIsTheProvidersRefusal() {
    server.enqueue(Reply.json(200, "{\"error\":\"invalid_client\"}"));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> endpoint().request(TokenRequest.of(Grant.clientCredentials())));

    assertEquals("invalid_client", e.error().orElseThrow());
    assertEquals(200, e.statusCode());
    assertFalse(e.isTransient());
  }
}

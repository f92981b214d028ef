package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Provider answers as their public documentation shows them (RingCentral's {@code TokenInfo}, a
 * PBX vendor's password-grant example) and the checks that go with them.
 */
final class ProviderFixtures {
  private ProviderFixtures() {}

  static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");

  static final String ACCESS_TOKEN = "U0pDMDFQMDRQQVMwMHxBQUFQN2dHcWRfY3Ztb2hEZ0x2bm1Fa0RFRkpV";
  static final String REFRESH_TOKEN = "U0pDMDFQMDRQQVMwMHxBQUJ0RUtfLTRjUmZ0X2ZsUnpYVm9RTEhMSXlz";

  /** An OpenID Connect ID token (HS256, signature not checked by TokenResponse). */
  static final String ID_TOKEN = idToken();

  /**
   * RingCentral's {@code TokenInfo} answer with every field, numbers as JSON numbers, plus one
   * unknown field.
   */
  static final String FULL_TOKEN_INFO = "{"
      + "\"access_token\":\"" + ACCESS_TOKEN + "\","
      + "\"token_type\":\"bearer\","
      + "\"expires_in\":3600,"
      + "\"refresh_token\":\"" + REFRESH_TOKEN + "\","
      + "\"refresh_token_expires_in\":604800,"
      + "\"scope\":\"ReadAccounts CallControl\","
      + "\"owner_id\":\"256440016\","
      + "\"endpoint_id\":\"GDZ6j4nSRB2ezMgZLRvxjA\","
      + "\"id_token\":\"" + ID_TOKEN + "\","
      + "\"session_expires_in\":86400,"
      + "\"session_expiration_time\":\"2025-03-02T10:00:00.000Z\","
      + "\"session_id\":\"3a2b1c0d-session\","
      + "\"session_idle_timeout\":900,"
      + "\"refresh_in\":2700"
      + "}";

  /**
   * The answer of a PBX vendor's password-grant curl example, exactly as its documentation
   * prints it (Cyrillic letters included).
   */
  static final String PBX_ANSWER = "{ \"access_token\": \"pyt4ZUcLWc2FP3t10OJUN2N4Xh2qes\","
      + " \"token_type\": \"Bearer\", \"expires_in\": 3600,"
      + " \"refresh_token\": \"L40pLFI9hgoРlp0lFHNAvPUt0К9K0С\" }";

  /** Checks every field of {@link #FULL_TOKEN_INFO} as received at {@code receivedAt}. */
  static void assertFullTokenInfo(TokenResponse r, Instant receivedAt) {
    assertEquals(ACCESS_TOKEN, r.accessToken().value());
    assertEquals("bearer", r.tokenType());
    assertEquals(receivedAt, r.receivedAt());
    assertEquals(Duration.ofSeconds(3600), r.expiresIn());
    assertEquals(receivedAt.plusSeconds(3600), r.expiresAt());
    assertEquals("Bearer " + ACCESS_TOKEN, r.accessToken().authorizationHeader());
    assertEquals("ReadAccounts CallControl", r.scope().orElseThrow());
    assertEquals(REFRESH_TOKEN, r.refreshToken().orElseThrow());
    assertEquals(Duration.ofSeconds(604800), r.refreshTokenExpiresIn().orElseThrow());
    assertEquals(receivedAt.plusSeconds(604800), r.refreshTokenExpiresAt().orElseThrow());
    assertEquals("256440016", r.ownerId().orElseThrow());
    assertEquals("GDZ6j4nSRB2ezMgZLRvxjA", r.endpointId().orElseThrow());
    assertEquals(ID_TOKEN, r.idToken().orElseThrow());
    assertEquals("256440016", r.idTokenClaims().orElseThrow().get("sub"));
    assertEquals(Duration.ofSeconds(86400), r.sessionExpiresIn().orElseThrow());
    assertEquals(Instant.parse("2025-03-02T10:00:00Z"), r.sessionExpirationTime().orElseThrow());
    assertEquals(Instant.parse("2025-03-02T10:00:00Z"), r.sessionExpiresAt().orElseThrow());
    assertEquals("3a2b1c0d-session", r.sessionId().orElseThrow());
    assertEquals(Duration.ofSeconds(900), r.sessionIdleTimeout().orElseThrow());
    assertEquals(Map.of("refresh_in", 2700L), r.additionalFields());
  }

  private static String idToken() {
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer("https://platform.example.com")
        .subject("256440016")
        .audience(List.of("client-id"))
        .claim("email", "alice@example.com")
        .issueTime(Date.from(NOW))
        .expirationTime(Date.from(NOW.plusSeconds(3600)))
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(new MACSigner("an-id-token-signing-key-of-32-bytes!!"));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }
}

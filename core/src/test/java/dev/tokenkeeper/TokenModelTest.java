package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request and token value types: validation messages, copies, equality. */
class TokenModelTest {
  private static final Instant AT = Instant.parse("2025-03-01T10:00:00Z");

  @Test
  void anEndpointIdOutsideRingCentralsPatternIsRefusedNamingTheRule() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenRequest.builder(Grant.clientCredentials()).endpointId("has space").build());

    assertEquals("endpoint_id must match [a-zA-Z0-9_\\-]{1,64} (letters, digits, '_' and '-', 1 to"
        + " 64 characters); got \"has space\" (9 characters)", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> TokenRequest.builder(Grant.clientCredentials()).endpointId("x".repeat(65)).build());
  }

  @Test
  void eachGrantNamesItsMissingField() {
    assertEquals("code is required for the authorization_code grant and must not be blank",
        assertThrows(IllegalArgumentException.class,
            () -> Grant.authorizationCode(null, "https://a/cb")).getMessage());
    assertEquals("redirect_uri is required for the authorization_code grant and must not be blank",
        assertThrows(IllegalArgumentException.class,
            () -> Grant.authorizationCode("c", "")).getMessage());
    assertEquals("username is required for the password grant and must not be blank",
        assertThrows(IllegalArgumentException.class, () -> Grant.password(" ", "p")).getMessage());
    assertEquals("refresh_token is required for the refresh_token grant and must not be blank",
        assertThrows(IllegalArgumentException.class, () -> Grant.refreshToken(null)).getMessage());
    assertEquals("partner_account_id requires brand_id: set brand_id as well",
        assertThrows(IllegalArgumentException.class,
            () -> new Grant.ClientCredentials(null, null, "p")).getMessage());
    assertEquals("an extension grant's parameters must not contain client_assertion: it is set by"
        + " the grant type or the client authentication",
        assertThrows(IllegalArgumentException.class,
            () -> Grant.custom("x", Map.of("client_assertion", "a"))).getMessage());
  }

  @Test
  void aNonPositiveAccessTokenTtlIsRefused() {
    assertEquals("access_token_ttl must be a positive number of seconds; got 0",
        assertThrows(IllegalArgumentException.class,
            () -> TokenRequest.builder(Grant.clientCredentials()).accessTokenTtl(0).build())
            .getMessage());
  }

  @Test
  void withGrantKeepsTheCommonParametersForARefresh() {
    TokenRequest first = TokenRequest.builder(Grant.password("u", "p")).scope("s")
        .endpointId("ep").accessTokenTtl(900).refreshTokenTtl(3600).build();

    TokenRequest refresh = first.withGrant(Grant.refreshToken("rt"));

    assertEquals(Map.of("grant_type", "refresh_token", "refresh_token", "rt", "scope", "s",
        "endpoint_id", "ep", "access_token_ttl", "900", "refresh_token_ttl", "3600"),
        refresh.form());
    assertEquals("ep2", first.withEndpointId("ep2").endpointId());
    assertEquals(first, first.toBuilder().build());
  }

  @Test
  void accessTokensCompareByEveryFieldAndFormatTheirHeader() {
    AccessToken token = AccessToken.of("v", "Bearer", "s", AT);

    assertEquals(token, AccessToken.of("v", "Bearer", "s", AT));
    assertEquals(token.hashCode(), AccessToken.of("v", "Bearer", "s", AT).hashCode());
    assertNotEquals(token, AccessToken.of("v", "Bearer", "s", AT.plusSeconds(1)));
    assertNotEquals(token, AccessToken.bearer("v", AT));
    assertEquals("Bearer v", token.authorizationHeader());
    assertEquals("AccessToken[value=██, tokenType=Bearer, scope=s, expiresAt=" + AT + "]",
        token.toString());
    assertThrows(IllegalArgumentException.class, () -> AccessToken.bearer("", AT));
  }

  /**
   * Issue 13: the header a request needs is built once per token, so attaching it allocates
   * nothing per call (it used to be {@code "Bearer " + value} on every call).
   */
  @Test
  void theAuthorizationHeaderIsBuiltOnceAndHandedOutAsIs() {
    AccessToken token = AccessToken.of("v", "Bearer", "s", AT);

    assertSame(token.authorizationHeader(), token.authorizationHeader());
    TokenResponse response = TokenResponse.builder("w", AT).expiresIn(Duration.ofHours(1)).build();
    assertSame(response.accessToken().authorizationHeader(),
        response.accessToken().authorizationHeader());
  }

  @Test
  void aTokenResponseWithoutLifetimeOrWithANegativeOneIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> TokenResponse.builder("a", AT).build());
    assertThrows(IllegalArgumentException.class,
        () -> TokenResponse.builder("a", AT).expiresIn(Duration.ofSeconds(-1)).build());
  }

  @Test
  void privateKeyJwtRefusesAKeyThatIsNeitherRsaNorEc() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("Ed25519");
    var key = gen.generateKeyPair().getPrivate();

    assertEquals("private_key_jwt needs an RSA (RS256) or EC P-256 (ES256) private key; got EdDSA",
        assertThrows(IllegalArgumentException.class,
            () -> ClientAuthentication.privateKeyJwt("c", key, null)).getMessage());
  }

  @Test
  void privateKeyJwtAcceptsAnEcKeyOnP384AsEs384() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp384r1"));

    TokenEndpoint endpoint = TokenEndpoint.builder(java.net.URI.create("https://a.example/t"),
        ClientAuthentication.privateKeyJwt("c", gen.generateKeyPair().getPrivate(), "k")).build();

    assertEquals("c", endpoint.clientAuthentication().clientId());
  }
}

package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.LoopbackTokenServer;
import org.junit.jupiter.api.Test;

/**
 * The provider dialects: RingCentral's legacy password form and a provider that requires scope
 * for client_credentials.
 */
class DialectTest {
  private static TokenRequest legacyWithTtl(Integer accessTtl) {
    return TokenRequest.builder(Grant.password("+16505550100", "pw")).accessTokenTtl(accessTtl)
        .build();
  }

  @Test
  void theLegacyDialectClampsAccessTokenTtlTo600Through3600Seconds() {
    Dialect legacy = Dialect.ringCentralLegacy();

    assertEquals(600, legacy.apply(legacyWithTtl(1)).accessTokenTtl());
    assertEquals(600, legacy.apply(legacyWithTtl(599)).accessTokenTtl());
    assertEquals(600, legacy.apply(legacyWithTtl(600)).accessTokenTtl());
    assertEquals(1800, legacy.apply(legacyWithTtl(1800)).accessTokenTtl());
    assertEquals(3600, legacy.apply(legacyWithTtl(3600)).accessTokenTtl());
    assertEquals(3600, legacy.apply(legacyWithTtl(3601)).accessTokenTtl());
    assertEquals(3600, legacy.apply(legacyWithTtl(86400)).accessTokenTtl());
  }

  @Test
  void theLegacyDialectLeavesAnUnsetTtlAndAnInRangeRequestUntouched() {
    TokenRequest unset = legacyWithTtl(null);
    TokenRequest inRange = legacyWithTtl(900);

    assertSame(unset, Dialect.ringCentralLegacy().apply(unset));
    assertSame(inRange, Dialect.ringCentralLegacy().apply(inRange));
  }

  @Test
  void theLegacyDialectKeepsEveryOtherField() {
    TokenRequest request = TokenRequest.builder(Grant.password("u", "p").withExtension("101"))
        .scope("ReadAccounts").endpointId("ep").accessTokenTtl(60).refreshTokenTtl(-1).build();

    TokenRequest sent = Dialect.ringCentralLegacy().apply(request);

    assertEquals(request.toBuilder().accessTokenTtl(600).build(), sent);
  }

  @Test
  void aRefreshTokenTtlOfZeroOrLessMeansNoRefreshTokenIsRequested() {
    TokenRequest.Builder b = TokenRequest.builder(Grant.password("u", "p"));

    assertTrue(b.refreshTokenTtl(null).build().refreshTokenRequested());
    assertTrue(b.refreshTokenTtl(1).build().refreshTokenRequested());
    assertFalse(b.refreshTokenTtl(0).build().refreshTokenRequested());
    assertFalse(b.refreshTokenTtl(-5).build().refreshTokenRequested());
  }

  @Test
  void theClampHelperMatchesTheDocumentedBounds() {
    assertEquals(600, Dialect.clampLegacyAccessTokenTtl(Integer.MIN_VALUE));
    assertEquals(3600, Dialect.clampLegacyAccessTokenTtl(Integer.MAX_VALUE));
    assertEquals(600, Dialect.LEGACY_MIN_ACCESS_TOKEN_TTL);
    assertEquals(3600, Dialect.LEGACY_MAX_ACCESS_TOKEN_TTL);
  }

  @Test
  void clientCredentialsWithoutScopeIsRefusedInTheScopeRequiringDialect() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Dialect.clientCredentialsRequireScope().apply(TokenRequest.of(Grant.clientCredentials())));

    assertEquals("scope is required when grant_type is client_credentials in this provider's"
        + " dialect (a space-delimited list such as \"/accounts.read /accounts.write\"): set"
        + " TokenRequest.Builder.scope", e.getMessage());
  }

  @Test
  void otherGrantsNeedNoScopeInTheScopeRequiringDialect() {
    TokenRequest refresh = TokenRequest.of(Grant.refreshToken("rt"));

    assertSame(refresh, Dialect.clientCredentialsRequireScope().apply(refresh));
  }

  @Test
  void dialectsComposeInOrder() {
    Dialect both = Dialect.ringCentralLegacy().andThen(Dialect.clientCredentialsRequireScope());

    assertThrows(IllegalArgumentException.class,
        () -> both.apply(TokenRequest.builder(Grant.clientCredentials()).accessTokenTtl(10).build()));
    assertEquals(600, both.apply(TokenRequest.builder(Grant.clientCredentials()).scope("s")
        .accessTokenTtl(10).build()).accessTokenTtl());
  }

  @Test
  void theStandardDialectChangesNothing() {
    TokenRequest request = legacyWithTtl(5);

    assertSame(request, Dialect.standard().apply(request));
  }

  @Test
  void anEndpointRefusesARequestItsDialectForbidsBeforeSendingAnything() {
    try (LoopbackTokenServer server = LoopbackTokenServer.start()) {
      TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/t"),
          ClientAuthentication.basic("id", "secret"))
          .dialect(Dialect.clientCredentialsRequireScope()).build();

      assertThrows(IllegalArgumentException.class,
          () -> endpoint.requestAsync(TokenRequest.of(Grant.clientCredentials())));
      assertTrue(server.requests().isEmpty());
    }
  }

  @Test
  void aDialectThatReturnsNothingIsABug() {
    try (LoopbackTokenServer server = LoopbackTokenServer.start()) {
      TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/t"),
          ClientAuthentication.basic("id", "secret")).dialect(request -> null).build();

      NullPointerException e = assertThrows(NullPointerException.class,
          () -> endpoint.request(TokenRequest.of(Grant.clientCredentials())));
      assertEquals("the dialect returned no request", e.getMessage());
      assertTrue(server.requests().isEmpty());
    }
  }
}

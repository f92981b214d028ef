package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keys are any string of 1 to 512 characters without control characters; whether one is sent as
 * {@code endpoint_id}, and how, is the dialect's choice.
 */
class KeysBeyondEndpointIdTest {
  /** The documented derived endpoint_id of {@code alice@example.com} (see Dialect). */
  static final String ALICE_DERIVED = "_42YGfwOEr8NJIkuRZh-JJoo3Og2qFytYOKOqqjG2XY";

  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();

  private TokenManager manager(ScriptedServer server, Dialect dialect) {
    TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/token"),
            ClientAuthentication.basic("client-1", "s3cret-client"))
        .dialect(dialect)
        .budget(null) // RingCentral's budget is not what these tests are about
        .clock(clock)
        .httpClient(TokenManagerFixture.HTTP)
        .build();
    return fx.manager(TokenManager.builder(endpoint).ticker(clock)
        .primaryGrant(Grant.clientCredentials()));
  }

  @Test
  void anEmailAddressIsAKeyAndAGenericProviderGetsNoEndpointId() {
    ScriptedServer server = fx.serve(r -> r.grantType().equals("client_credentials")
        ? ok("at-1", 3600, "rt-1") : ok("at-2", 3600, "rt-2"));
    TokenManager manager = manager(server, Dialect.standard());

    assertEquals("at-1", manager.token("alice@example.com").value());
    clock.advance(Duration.ofSeconds(3600));
    assertEquals("at-2", manager.token("alice@example.com").value());

    assertEquals(2, server.count());
    for (ScriptedServer.Request r : server.requests()) {
      assertNull(r.param("endpoint_id"), "RFC 6749 has no endpoint_id: " + r.form().keySet());
    }
    assertEquals("refresh_token", server.requests().get(1).grantType());
    // A key that happens to fit RingCentral's rule is not sent either.
    manager.token("alice");
    assertNull(server.requests().get(2).param("endpoint_id"));
  }

  @Test
  void ringCentralSendsAFittingKeyAsItIsAndAnyOtherAsTheDocumentedDerivedId() {
    ScriptedServer server = fx.serve(r -> r.grantType().equals("client_credentials")
        ? ok("at-" + r.param("endpoint_id"), 3600, "rt-1") : ok("at-refreshed", 3600, "rt-2"));
    TokenManager manager = manager(server, Dialect.ringCentral());

    assertEquals("at-" + ALICE_DERIVED, manager.token("alice@example.com").value());
    assertEquals("at-web-1", manager.token("web-1").value());
    clock.advance(Duration.ofSeconds(3600));
    manager.token("alice@example.com");

    Map<String, String> refresh = server.requests().get(2).form();
    assertEquals("refresh_token", refresh.get("grant_type"));
    assertEquals(ALICE_DERIVED, refresh.get("endpoint_id"), "the refresh keeps the instance id");
    assertEquals(ALICE_DERIVED, Dialect.ringCentralEndpointId("alice@example.com"));
    assertEquals("web-1", Dialect.ringCentralEndpointId("web-1"));
    assertTrue(TokenRequest.ENDPOINT_ID.matcher(ALICE_DERIVED).matches());
  }

  @Test
  void derivedIdsAreStableDistinctAndAlwaysFitTheRule() {
    String[] keys = {"alice@example.com", "Alice@example.com", "tenant 7/reporting", "ü",
        "x".repeat(65), "x".repeat(TokenManager.MAX_KEY_LENGTH), "a.b", "日本語"};
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String key : keys) {
      String id = Dialect.ringCentralEndpointId(key);
      assertTrue(TokenRequest.ENDPOINT_ID.matcher(id).matches(), key + " -> " + id);
      assertEquals(43, id.length());
      assertEquals(id, Dialect.ringCentral().endpointIdFor(key).orElseThrow());
      assertTrue(seen.add(id), "distinct ids");
    }
    assertEquals("x".repeat(64), Dialect.ringCentralEndpointId("x".repeat(64)));
  }

  @Test
  void composedDialectsKeepTheEndpointIdChoice() {
    assertEquals(Optional.of(ALICE_DERIVED), Dialect.ringCentralLegacy()
        .endpointIdFor("alice@example.com"));
    assertEquals(Optional.of(ALICE_DERIVED), Dialect.clientCredentialsRequireScope()
        .andThen(Dialect.ringCentral()).endpointIdFor("alice@example.com"));
    assertEquals(Optional.of("k"), Dialect.ringCentral()
        .andThen(Dialect.clientCredentialsRequireScope()).endpointIdFor("k"));
    assertEquals(Optional.empty(), Dialect.standard()
        .andThen(Dialect.clientCredentialsRequireScope()).endpointIdFor("k"));
    // The legacy dialect still clamps, and sends the derived id.
    TokenRequest clamped = Dialect.ringCentralLegacy().apply(TokenRequest.builder(
        Grant.clientCredentials()).accessTokenTtl(99_999).build());
    assertEquals(3600, clamped.accessTokenTtl());
  }

  @Test
  void keysUpToTheLimitWorkAndBadKeysAreRefusedWithTheRule() {
    ScriptedServer server = fx.serve(r -> ok("at-1", 3600, null));
    TokenManager manager = manager(server, Dialect.ringCentral());
    String longest = "k".repeat(TokenManager.MAX_KEY_LENGTH);
    assertEquals("at-1", manager.token(longest).value());
    assertEquals("at-1", manager.token("日本語 key with spaces").value());

    for (String bad : new String[] {"", "k".repeat(TokenManager.MAX_KEY_LENGTH + 1), "a\nb",
        "tab\there", "nul\u0000", "del\u007f", "c1\u0085"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> manager.token(bad), bad);
      assertTrue(e.getMessage().contains("1 to 512 characters without control characters"),
          e.getMessage());
      assertFalse(bad.length() > 3 && e.getMessage().contains(bad), "the key is not echoed");
      assertThrows(IllegalArgumentException.class,
          () -> manager.put(bad, fx.response("at-x", 60, null)));
      assertTrue(manager.tokenAsync(bad).isCompletedExceptionally());
    }
    assertThrows(NullPointerException.class, () -> manager.token(null));
    assertEquals(2, server.count(), "no request for a bad key");
  }
}

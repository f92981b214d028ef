package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the chaos soak ({@link ChaosSoakTest}) found, each against a loopback provider: a token
 * answered with {@code "expires_in": 0} is expired on arrival and never served, and a refresh
 * answer refused for duplicate JSON keys still hands over its (unambiguous) rotated refresh token.
 */
class ChaosFindingsTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();

  @Test
  void aTokenAnsweredWithExpiresInZeroIsNeverServed() {
    ScriptedServer server = fx.serve(r -> Answer.json(200, "{\"access_token\":\"at-0\","
        + "\"token_type\":\"bearer\",\"expires_in\":0}"));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler()).retryPolicy(RetryPolicy.none()));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("expires_in 0"), e.getMessage());
    assertFalse(e.getMessage().contains("at-0"), e.getMessage());
    assertEquals(1, server.count());
  }

  @Test
  void aTokenAnsweredWithExpiresInZeroAsAStringIsNeverServed() {
    fx.serve(r -> Answer.json(200, "{\"access_token\":\"at-0\","
        + "\"token_type\":\"bearer\",\"expires_in\":\"0\"}"));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler()).retryPolicy(RetryPolicy.none()));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("expires_in 0"), e.getMessage());
  }

  @Test
  void aRefreshAnsweredWithExpiresInZeroKeepsItsRotatedRefreshToken() {
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> calls.incrementAndGet() == 1
        ? Answer.json(200, "{\"access_token\":\"at-2\",\"token_type\":\"bearer\","
            + "\"expires_in\":0,\"refresh_token\":\"rt-2\"}")
        : ok("at-3", 3600, "rt-3"));
    TokenManager manager = fx.manager(fx.builder().scheduler(fx.scheduler())
        .retryPolicy(RetryPolicy.none()));
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));
    clock.advance(Duration.ofSeconds(3600));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("expires_in 0"), e.getMessage());
    clock.advance(Duration.ofMinutes(5)); // past any cool-down
    assertEquals("at-3", manager.token("k1").value());
    assertEquals(List.of("rt-1", "rt-2"),
        server.requests().stream().map(r -> r.param("refresh_token")).toList());
  }

  @Test
  void aRefreshAnswerRefusedForDuplicateKeysKeepsItsRotatedRefreshToken() {
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> calls.incrementAndGet() == 1
        // access_token and expires_in twice (which one?), refresh_token once: the provider has
        // rotated rt-1 into rt-2.
        ? Answer.json(200, "{\"access_token\":\"at-2a\",\"access_token\":\"at-2b\","
            + "\"token_type\":\"bearer\",\"expires_in\":3600,\"expires_in\":60,"
            + "\"refresh_token\":\"rt-2\"}")
        : ok("at-3", 3600, "rt-3"));
    TokenManager manager = fx.manager(fx.builder().scheduler(fx.scheduler())
        .retryPolicy(RetryPolicy.none()));
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));
    clock.advance(Duration.ofSeconds(3600));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("duplicate"), e.getMessage());
    assertTrue(e.getMessage().contains("access_token"), e.getMessage());
    assertFalse(e.getMessage().contains("at-2"), e.getMessage());
    assertFalse(e.getMessage().contains("rt-2"), e.getMessage());
    clock.advance(Duration.ofMinutes(5)); // past any cool-down
    assertEquals("at-3", manager.token("k1").value());
    assertEquals(List.of("rt-1", "rt-2"),
        server.requests().stream().map(r -> r.param("refresh_token")).toList(),
        "rt-1 was rotated by the refused answer: the next refresh sends rt-2");
  }

  @Test
  void aRefreshAnswerWithTwoDifferentRefreshTokensIsRefusedAndNeitherIsSent() {
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> calls.incrementAndGet() == 1
        ? Answer.json(200, "{\"access_token\":\"at-2\",\"token_type\":\"bearer\","
            + "\"expires_in\":3600,\"refresh_token\":\"rt-2a\",\"refresh_token\":\"rt-2b\"}")
        : ok("at-3", 3600, "rt-3"));
    TokenManager manager = fx.manager(fx.builder().scheduler(fx.scheduler())
        .retryPolicy(RetryPolicy.none()));
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));
    clock.advance(Duration.ofSeconds(3600));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("refresh_token"), e.getMessage());
    assertFalse(e.getMessage().contains("rt-2"), e.getMessage());
    assertEquals(1, server.count());
  }
}

package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.T0;
import static dev.tokenkeeper.testing.TokenManagerFixture.await;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.internal.TokenState;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bounding, expiry, the allocation-free hot path, and the store/forget/revoke operations. */
class TokenManagerCacheTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();

  @Test
  void cacheStaysBoundedWith100000KeysAndMaximumSize10000() {
    ScriptedServer server = fx.serve(r -> ok("at", 3600, null));
    TokenManager manager = fx.manager(fx.builder().maximumSize(10_000));

    for (int i = 0; i < 100_000; i++) {
      manager.put("key-" + i, fx.response("at-" + i, 3600, "rt-" + i));
    }
    manager.cleanUp();

    assertTrue(manager.stats().size() <= 10_000, () -> "cache size " + manager.stats().size());
    assertTrue(manager.indexSize() <= 10_000, () -> "index size " + manager.indexSize());
    assertTrue(manager.indexSize() >= 9_000, "the index mirrors the cache, it is not emptied");
    assertEquals("at-99999", manager.token("key-99999").value());
    assertEquals(0, server.count());
  }

  @Test
  void entriesThatNothingCanReviveAreEvicted() {
    fx.serve(r -> ok("at", 3600, null));
    TokenManager manager = fx.manager();
    manager.put("no-refresh", fx.response("at-1", 3600, null));
    manager.put("refresh", TokenResponse.builder("at-2", clock.instant())
        .expiresIn(Duration.ofSeconds(3600)).refreshToken("rt-2")
        .refreshTokenExpiresIn(Duration.ofDays(1)).build());

    clock.advance(Duration.ofSeconds(3601));
    manager.cleanUp();
    assertEquals(1, manager.indexSize(), "the key with a live refresh token stays");
    clock.advance(Duration.ofDays(1));
    manager.cleanUp();
    assertEquals(0, manager.indexSize());
    assertEquals(0, manager.stats().size());
  }

  @Test
  void hotPathAllocatesNothing() {
    fx.serve(r -> ok("at", 3600, null));
    TokenManager manager = fx.manager();
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    AccessToken first = manager.token("k1");
    for (int i = 0; i < 20_000; i++) {
      manager.token("k1");
    }

    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 200_000; i++) {
      if (manager.token("k1") != first) {
        throw new AssertionError("a different instance");
      }
    }
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    assertTrue(allocated < 16 * 1024, () -> allocated + " bytes for 200,000 calls");
  }

  @Test
  void recordStatsCountsHits() {
    fx.serve(r -> ok("at-1", 3600, null));
    TokenManager manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials()).recordStats());
    manager.token("k1");
    manager.token("k1");
    manager.tokenAsync("k1").join();

    TokenManager.Stats stats = manager.stats();
    assertEquals(2, stats.hits());
    assertEquals(1, stats.waits());
    assertEquals(1, stats.requests());
    assertEquals(1, stats.acquisitions());
    assertEquals(0, stats.refreshes());
    assertEquals(0, stats.failures());
    assertEquals(1, stats.size());
  }

  @Test
  void invalidateForgetsTheTokenAndThePrimaryGrantGetsANewOne() {
    ScriptedServer server = fx.serve(r -> ok("at-" + System.nanoTime(), 3600, null));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials()));
    AccessToken first = manager.token("k1");
    manager.invalidate("k1");
    manager.invalidate("never-seen");

    assertNotSame(first, manager.token("k1"));
    assertEquals(2, server.count());
  }

  @Test
  void revokeRevokesTheRefreshTokenThenTheAccessTokenAndForgetsThem() {
    ScriptedServer server = fx.serve(r -> Answer.status(200));
    TokenManager manager = fx.manager();
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));

    manager.revoke("k1").join();
    List<ScriptedServer.Request> sent = server.requests();
    assertEquals(2, sent.size());
    assertEquals("/revoke", sent.get(0).path());
    assertEquals("rt-1", sent.get(0).param("token"));
    assertEquals("refresh_token", sent.get(0).param("token_type_hint"));
    assertEquals("at-1", sent.get(1).param("token"));
    assertEquals("access_token", sent.get(1).param("token_type_hint"));
    assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));

    manager.revoke("k1").join(); // nothing held: nothing sent
    assertEquals(2, server.count());
  }

  @Test
  void revokeWhenTheFirstRevocationFailsThenTheSecondIsStillSentAndTheFutureFails() {
    ScriptedServer server = fx.serve(r -> "rt-1".equals(r.param("token"))
        ? Answer.error(503, "temporarily_unavailable") : Answer.status(200));
    TokenManager manager = fx.manager();
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));

    CompletionException e = assertThrows(CompletionException.class,
        () -> manager.revoke("k1").join());
    assertInstanceOf(TokenEndpointException.class, e.getCause());
    assertEquals(2, server.count());
  }

  @Test
  void revokeWithoutARevocationUriOnlyForgets() {
    ScriptedServer server = fx.serve(r -> Answer.status(200));
    TokenEndpoint noRevocation = TokenEndpoint.builder(server.uri("/token"),
        ClientAuthentication.none("client-1")).clock(clock).httpClient(TokenManagerFixture.HTTP)
        .build();
    TokenManager manager = fx.manager(TokenManager.builder(noRevocation).ticker(clock));
    manager.put("k1", fx.response("at-1", 3600, null));

    manager.revoke("k1").join();
    assertEquals(0, server.count());
    assertSame(SessionTimeouts.NONE, manager.session("k1"));
  }

  @Test
  void closeForgetsEverythingAndRefusesNewWork() {
    fx.serve(r -> ok("at-1", 3600, null));
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials()));
    manager.token("k1");
    manager.close();

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("closed"));
    assertThrows(IllegalStateException.class,
        () -> manager.put("k1", fx.response("at", 60, null)));
    assertTrue(manager.tokenAsync("k1").isCompletedExceptionally());
    assertTrue(manager.rejected("k1", AccessToken.bearer("x", T0)).isCompletedExceptionally());
  }

  @Test
  void builderRejectsNonsenseWithMessagesThatNameTheSetting() {
    fx.serve(r -> ok("at-1", 3600, null));
    TokenManager.Builder b = fx.builder();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.maximumSize(0))
        .getMessage().contains("maximumSize"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> b.refreshWindow(Duration.ofSeconds(-1))).getMessage().contains("refreshWindow"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> b.expiryMargin(Duration.ofSeconds(-1))).getMessage().contains("expiryMargin"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> b.sessionEndingWarning(Duration.ofSeconds(-1))).getMessage()
        .contains("sessionEndingWarning"));
    assertThrows(NullPointerException.class, () -> b.listener(null));
  }

  @Test
  void aPrimaryRequestFunctionThatFailsFailsTheCallNotTheKey() {
    fx.serve(r -> ok("at-1", 3600, null));
    TokenManager manager = fx.manager(fx.builder().primaryRequest(
        key -> key.equals("bad") ? null : TokenRequest.of(Grant.clientCredentials())));

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> manager.token("bad"));
    assertTrue(e.getMessage().contains("primaryRequest"));
    assertEquals("at-1", manager.token("good").value());
    // A key that breaks the key rule fails the call, with the rule in the message.
    manager.close();
    TokenManager byKey = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials()));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> byKey.token("not\nvalid"));
    assertTrue(bad.getMessage().contains("control character"), bad.getMessage());
  }

  @Test
  void secretsNeverShowInToStrings() {
    ScriptedServer server = fx.serve(r -> ok("at-1", 3600, null));
    TokenManager manager = fx.manager();
    TokenState state = TokenState.of(fx.response("at-secret", 3600, "rt-secret"), null, null,
        300_000_000_000L, 30_000_000_000L, true, 0, 0);
    assertFalse(state.toString().contains("secret"), state.toString());
    assertFalse(manager.stats().toString().contains("secret"));
    BearerHttpClient client = BearerHttpClient.builder(manager, "k1")
        .allowedOrigins(server.uri("/")).delegate(TokenManagerFixture.HTTP).build();
    assertFalse(client.toString().contains("secret"));
  }

  @Test
  void theDefaultSchedulerRunsRetriesOnTheExecutor() {
    ScriptedServer server = fx.serve(new ScriptedServer.Script() {
      int calls;

      @Override
      public synchronized Answer answer(ScriptedServer.Request r) {
        return calls++ == 0 ? Answer.error(503, "temporarily_unavailable")
            .withHeader("Retry-After", "0") : ok("at-1", 3600, null);
      }
    });
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials()));
    assertEquals("at-1", manager.token("k1").value());
    await("two requests", () -> server.count() == 2);
  }
}

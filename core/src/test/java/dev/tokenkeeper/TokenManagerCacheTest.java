package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.T0;
import static dev.tokenkeeper.testing.TokenManagerFixture.await;
import static dev.tokenkeeper.testing.TokenManagerFixture.endpoint;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static dev.tokenkeeper.testing.TokenManagerFixture.response;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bounding, expiry, the allocation-free hot path, and the store/forget/revoke operations. */
class TokenManagerCacheTest {
  private final MutableClock clock = new MutableClock(T0);
  private ScriptedServer server;
  private TokenManager manager;

  @AfterEach
  void stop() {
    if (manager != null) {
      manager.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void cacheStaysBoundedWith100000KeysAndMaximumSize10000() {
    server = ScriptedServer.start(r -> ok("at", 3600, null));
    manager = TokenManager.builder(endpoint(server, clock)).maximumSize(10_000).build();

    for (int i = 0; i < 100_000; i++) {
      manager.put("key-" + i, response(clock, "at-" + i, 3600, "rt-" + i));
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
    server = ScriptedServer.start(r -> ok("at", 3600, null));
    manager = TokenManager.builder(endpoint(server, clock)).build();
    manager.put("no-refresh", response(clock, "at-1", 3600, null));
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
    server = ScriptedServer.start(r -> ok("at", 3600, null));
    manager = TokenManager.builder(endpoint(server, clock)).build();
    manager.put("k1", response(clock, "at-1", 3600, "rt-1"));
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
    server = ScriptedServer.start(r -> ok("at-1", 3600, null));
    manager = TokenManager.builder(endpoint(server, clock))
        .primaryGrant(Grant.clientCredentials()).recordStats().build();
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
    server = ScriptedServer.start(r -> ok("at-" + System.nanoTime(), 3600, null));
    manager = TokenManager.builder(endpoint(server, clock))
        .primaryGrant(Grant.clientCredentials()).build();
    AccessToken first = manager.token("k1");
    manager.invalidate("k1");
    manager.invalidate("never-seen");

    assertNotSame(first, manager.token("k1"));
    assertEquals(2, server.count());
  }

  @Test
  void revokeRevokesTheRefreshTokenThenTheAccessTokenAndForgetsThem() {
    server = ScriptedServer.start(r -> Answer.status(200));
    manager = TokenManager.builder(endpoint(server, clock)).build();
    manager.put("k1", response(clock, "at-1", 3600, "rt-1"));

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
    server = ScriptedServer.start(r -> "rt-1".equals(r.param("token"))
        ? Answer.error(503, "temporarily_unavailable") : Answer.status(200));
    manager = TokenManager.builder(endpoint(server, clock)).build();
    manager.put("k1", response(clock, "at-1", 3600, "rt-1"));

    CompletionException e = assertThrows(CompletionException.class,
        () -> manager.revoke("k1").join());
    assertInstanceOf(TokenEndpointException.class, e.getCause());
    assertEquals(2, server.count());
  }

  @Test
  void revokeWithoutARevocationUriOnlyForgets() {
    server = ScriptedServer.start(r -> Answer.status(200));
    TokenEndpoint noRevocation = TokenEndpoint.builder(server.uri("/token"),
        ClientAuthentication.none("client-1")).clock(clock).httpClient(TokenManagerFixture.HTTP)
        .build();
    manager = TokenManager.builder(noRevocation).build();
    manager.put("k1", response(clock, "at-1", 3600, null));

    manager.revoke("k1").join();
    assertEquals(0, server.count());
    assertSame(SessionTimeouts.NONE, manager.session("k1"));
  }

  @Test
  void closeForgetsEverythingAndRefusesNewWork() {
    server = ScriptedServer.start(r -> ok("at-1", 3600, null));
    manager = TokenManager.builder(endpoint(server, clock))
        .primaryGrant(Grant.clientCredentials()).build();
    manager.token("k1");
    manager.close();

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("closed"));
    assertThrows(IllegalStateException.class,
        () -> manager.put("k1", response(clock, "at", 60, null)));
    assertTrue(manager.tokenAsync("k1").isCompletedExceptionally());
    assertTrue(manager.rejected("k1", AccessToken.bearer("x", T0)).isCompletedExceptionally());
  }

  @Test
  void builderRejectsNonsenseWithMessagesThatNameTheSetting() {
    server = ScriptedServer.start(r -> ok("at-1", 3600, null));
    TokenManager.Builder b = TokenManager.builder(endpoint(server, clock));
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
    server = ScriptedServer.start(r -> ok("at-1", 3600, null));
    manager = TokenManager.builder(endpoint(server, clock))
        .primaryRequest(key -> key.equals("bad") ? null : TokenRequest.of(Grant.clientCredentials()))
        .build();

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> manager.token("bad"));
    assertTrue(e.getMessage().contains("primaryRequest"));
    assertEquals("at-1", manager.token("good").value());
    // A key that is not a valid endpoint_id fails the same way, with the rule in the message.
    manager.close();
    manager = TokenManager.builder(endpoint(server, clock))
        .primaryGrant(Grant.clientCredentials()).build();
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> manager.token("not valid!"));
    assertTrue(bad.getMessage().contains("endpoint_id"));
  }

  @Test
  void secretsNeverShowInToStrings() {
    server = ScriptedServer.start(r -> ok("at-1", 3600, null));
    manager = TokenManager.builder(endpoint(server, clock)).build();
    TokenState state = TokenState.of(response(clock, "at-secret", 3600, "rt-secret"), null, null,
        300_000, 30_000, true);
    assertFalse(state.toString().contains("secret"), state.toString());
    assertFalse(manager.stats().toString().contains("secret"));
    BearerHttpClient client = BearerHttpClient.builder(manager, "k1")
        .allowedOrigins(server.uri("/")).delegate(TokenManagerFixture.HTTP).build();
    assertFalse(client.toString().contains("secret"));
  }

  @Test
  void theDefaultSchedulerRunsRetriesOnTheExecutor() {
    server = ScriptedServer.start(new ScriptedServer.Script() {
      int calls;

      @Override
      public synchronized Answer answer(ScriptedServer.Request r) {
        return calls++ == 0 ? Answer.error(503, "temporarily_unavailable")
            .withHeader("Retry-After", "0") : ok("at-1", 3600, null);
      }
    });
    manager = TokenManager.builder(endpoint(server, clock))
        .primaryGrant(Grant.clientCredentials()).build();
    assertEquals("at-1", manager.token("k1").value());
    await("two requests", () -> server.count() == 2);
  }
}

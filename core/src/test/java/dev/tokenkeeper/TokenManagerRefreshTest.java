package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.await;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Refresh with the refresh token, the refresh window, and the fallbacks when it is refused. */
class TokenManagerRefreshTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final TokenListener recorder = new TokenListener() {
    @Override
    public void onToken(String key, TokenResponse response, RefreshCause cause) {
      events.add("token " + key + " " + cause);
    }

    @Override
    public void onFailure(String key, Throwable failure, boolean stillServing) {
      events.add("failure " + key + " " + failure.getClass().getSimpleName() + " " + stillServing);
    }

    @Override
    public void onSessionEnded(String key, SessionTimeouts timeouts) {
      events.add("ended " + key);
    }
  };

  private TokenManager.Builder builder() {
    return fx.builder().listener(recorder);
  }

  @Test
  void refreshSendsAgainEndpointIdScopeAndTtlsOfTheOriginalRequest() {
    ScriptedServer server = fx.serve(r -> r.grantType().equals("password")
        ? ok("at-1", 3600, "rt-1") : ok("at-2", 3600, "rt-2"));
    TokenManager manager = fx.manager(builder()
        .primaryRequest(key -> TokenRequest.builder(Grant.password("alice", "pa55word"))
            .scope("ReadAccounts CallControl").endpointId(key)
            .accessTokenTtl(1800).refreshTokenTtl(86400).build()));

    assertEquals("at-1", manager.token("device-7").value());
    clock.advance(Duration.ofSeconds(3600));
    assertEquals("at-2", manager.token("device-7").value());

    Map<String, String> refresh = server.requests().get(1).form();
    assertEquals("refresh_token", refresh.get("grant_type"));
    assertEquals("rt-1", refresh.get("refresh_token"));
    assertEquals("device-7", refresh.get("endpoint_id"));
    assertEquals("ReadAccounts CallControl", refresh.get("scope"));
    assertEquals("1800", refresh.get("access_token_ttl"));
    assertEquals("86400", refresh.get("refresh_token_ttl"));
    assertNull(refresh.get("password"), "a refresh does not send the password again");
    // The listeners of a request have run before its callers are released.
    assertEquals(List.of("token device-7 INITIAL", "token device-7 EXPIRED"), events);
  }

  @Test
  void refreshWhenTheAnswerHasNoNewRefreshTokenThenTheOldOneIsKept() {
    ScriptedServer server = fx.serve(r -> ok("at-" + r.param("refresh_token"), 3600, null));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", fx.response("at-0", 3600, "rt-1"));

    clock.advance(Duration.ofSeconds(3600));
    assertEquals("at-rt-1", manager.token("k1").value());
    clock.advance(Duration.ofSeconds(3600));
    manager.token("k1");
    assertEquals("rt-1", server.requests().get(1).param("refresh_token"));
  }

  @Test
  void putWithItsRequestThenRefreshSendsThatRequestsScope() {
    ScriptedServer server = fx.serve(r -> ok("at-2", 3600, "rt-2"));
    TokenManager manager = fx.manager(builder());
    TokenRequest login = TokenRequest.builder(
            Grant.authorizationCode("code-1", "https://app.example.com/cb"))
        .scope("ReadMessages").endpointId("web-1").build();
    manager.put("web-1", fx.response("at-1", 3600, "rt-1"), login);

    clock.advance(Duration.ofSeconds(3600));
    manager.token("web-1");
    Map<String, String> form = server.requests().get(0).form();
    assertEquals("ReadMessages", form.get("scope"));
    assertEquals("web-1", form.get("endpoint_id"));
    assertNull(form.get("code"));
  }

  @Test
  void refreshKeepsTheEndpointIdTheProviderGenerated() {
    ScriptedServer server = fx.serve(r -> r.grantType().equals("client_credentials")
        ? ok("at-1", 3600, "rt-1", "\"endpoint_id\":\"srv-generated_1\"")
        : ok("at-2", 3600, "rt-2"));
    TokenManager manager = fx.manager(builder()
        .primaryRequest(key -> TokenRequest.builder(Grant.clientCredentials()).scope("A").build()));

    manager.token("svc");
    clock.advance(Duration.ofSeconds(3600));
    manager.token("svc");
    assertNull(server.requests().get(0).param("endpoint_id"));
    assertEquals("srv-generated_1", server.requests().get(1).param("endpoint_id"));
  }

  @Test
  void refreshWhenInvalidGrantThenThePrimaryGrantIsUsed() {
    ScriptedServer server = fx.serve(r -> switch (r.grantType()) {
      case "refresh_token" -> Answer.error(400, "invalid_grant");
      default -> ok("at-" + (r.param("username") == null ? "x" : "fresh"), 3600, "rt-9");
    });
    TokenManager manager = fx.manager(builder().primaryGrant(Grant.password("alice", "pa55word")));
    manager.put("k1", fx.response("at-0", 3600, "rt-dead"));

    clock.advance(Duration.ofSeconds(3600));
    assertEquals("at-fresh", manager.token("k1").value());
    assertEquals(List.of("refresh_token", "password"),
        server.requests().stream().map(ScriptedServer.Request::grantType).toList());
    assertEquals(List.of("token k1 REACQUIRED"), events);
  }

  @Test
  void refreshWhenInvalidGrantAndNoPrimaryGrantThenReauthenticationAndTheKeyIsEvicted() {
    ScriptedServer server = fx.serve(r -> Answer.error(400, "invalid_grant"));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", fx.response("at-0", 3600, "rt-dead"));
    clock.advance(Duration.ofSeconds(3600));

    ReauthenticationRequiredException e =
        assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));
    assertEquals("k1", e.key());
    assertTrue(e.getMessage().contains("invalid_grant"), e.getMessage());
    assertFalse(e.getMessage().contains("rt-dead"), "no secret in the message");
    assertInstanceOf(TokenEndpointException.class, e.getCause());
    assertSame(SessionTimeouts.NONE, manager.session("k1"));
    assertTrue(events.contains("ended k1"), events::toString);

    // The next call does not send the dead refresh token again: it sends nothing at all.
    assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));
    assertEquals(1, server.count());
  }

  @Test
  void backgroundRefreshWhenInvalidGrantThenTheValidTokenIsServedWithoutTheDeadRefreshToken()
      throws Exception {
    CountDownLatch failed = new CountDownLatch(1);
    ScriptedServer server = fx.serve(r -> Answer.error(400, "invalid_grant"));
    TokenManager manager = fx.manager(builder().listener(new TokenListener() {
      @Override
      public void onFailure(String key, Throwable failure, boolean stillServing) {
        failed.countDown();
      }
    }));
    manager.put("k1", fx.response("at-0", 3600, "rt-dead"));
    clock.advance(Duration.ofSeconds(3400)); // STALE

    assertEquals("at-0", manager.token("k1").value());
    assertTrue(failed.await(10, TimeUnit.SECONDS));
    assertEquals(List.of("failure k1 ReauthenticationRequiredException true"), events);
    for (int i = 0; i < 10; i++) {
      assertEquals("at-0", manager.token("k1").value());
    }
    assertEquals(1, server.count(), "the refused refresh token is never sent again");

    clock.advance(Duration.ofSeconds(200)); // expired: nothing can renew it
    assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));
    assertEquals(1, server.count());
  }

  @Test
  void primaryGrantWhenRefusedThenFailsWithoutLoopingAndTheNextCallAfterTheCoolDownTriesAgain() {
    ScriptedServer server = fx.serve(r -> Answer.error(400, "invalid_grant"));
    TokenManager manager = fx.manager(builder().primaryGrant(Grant.password("alice", "wrong")));

    TokenEndpointException e =
        assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
    assertTrue(e.isInvalidGrant());
    assertEquals(1, server.count());
    assertEquals(1, manager.stats().failures());

    // Within the cool-down the same failure, without a request (issue 8, item 5).
    assertSame(e, assertThrows(TokenEndpointException.class, () -> manager.token("k1")));
    assertEquals(1, server.count());

    clock.advance(TokenManager.DEFAULT_FAILURE_COOL_DOWN);
    assertThrows(TokenEndpointException.class, () -> manager.token("k1"));
    assertEquals(2, server.count());
    clock.advance(TokenManager.DEFAULT_FAILURE_COOL_DOWN);
    manager.cleanUp();
    assertEquals(0, manager.stats().size(), "the empty entry is not kept past its cool-down");
  }

  @Test
  void tokenWhenNoTokenAndNoPrimaryGrantThenReauthenticationWithoutARequest() {
    ScriptedServer server = fx.serve(r -> ok("never", 3600, null));
    TokenManager manager = fx.manager(builder());

    ReauthenticationRequiredException e =
        assertThrows(ReauthenticationRequiredException.class, () -> manager.token("nobody"));
    assertTrue(e.getMessage().contains("primaryGrant"), e.getMessage());
    CompletionException async =
        assertThrows(CompletionException.class, () -> manager.tokenAsync("nobody").join());
    assertInstanceOf(ReauthenticationRequiredException.class, async.getCause());
    assertEquals(0, server.count());
  }

  @Test
  void tokenWhenExpiredWithoutRefreshTokenOrPrimaryGrantThenReauthentication() {
    ScriptedServer server = fx.serve(r -> ok("never", 3600, null));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", fx.response("at-0", 3600, null));

    clock.advance(Duration.ofSeconds(3400));
    assertEquals("at-0", manager.token("k1").value(), "STALE with nothing to renew: served");
    clock.advance(Duration.ofSeconds(200));
    assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));
    assertEquals(0, server.count());
  }

  @Test
  void refreshWindowIsFiveMinutesButAtMostHalfTheLifetime() {
    fx.serve(r -> ok("at-new", 3600, "rt-2"));
    TokenManager manager = fx.manager(builder());

    manager.put("long", fx.response("at-long", 3600, "rt-1"));
    manager.put("short", fx.response("at-short", 600, "rt-1"));
    clock.advance(Duration.ofSeconds(299));
    manager.token("long");
    manager.token("short");
    assertEquals(0, manager.stats().requests(), "a 600 s token is fresh for 300 s");

    clock.advance(Duration.ofSeconds(1));
    manager.token("short");
    assertEquals(1, manager.stats().requests(), "STALE at 300 s: one background refresh");

    clock.advance(Duration.ofSeconds(2999)); // 3299 s
    manager.token("long");
    assertEquals(1, manager.stats().requests());
    clock.advance(Duration.ofSeconds(1)); // 3300 s: 5 minutes before expiry
    manager.token("long");
    assertEquals(2, manager.stats().requests());
    await("both refreshes answered", () -> manager.stats().refreshes() == 2);
  }

  @Test
  void refreshWindowIsConfigurableAndTheProvidersRefreshInWins() {
    fx.serve(r -> ok("at-new", 3600, "rt-2"));
    TokenManager manager = fx.manager(builder().refreshWindow(Duration.ofSeconds(60)));
    manager.put("k1", fx.response("at-0", 3600, "rt-1"));
    manager.put("k2", TokenResponse.builder("at-0", clock.instant())
        .expiresIn(Duration.ofSeconds(3600)).refreshToken("rt-1")
        .additionalField("refresh_in", 1000L).build());

    clock.advance(Duration.ofSeconds(999));
    manager.token("k2");
    assertEquals(0, manager.stats().requests());
    clock.advance(Duration.ofSeconds(1));
    manager.token("k2");
    assertEquals(1, manager.stats().requests(), "refresh_in=1000 s");

    clock.advance(Duration.ofSeconds(2539)); // 3539 s
    manager.token("k1");
    assertEquals(1, manager.stats().requests());
    clock.advance(Duration.ofSeconds(1)); // 60 s before expiry
    manager.token("k1");
    assertEquals(2, manager.stats().requests());
    await("both refreshes answered", () -> manager.stats().refreshes() == 2);
  }

  @Test
  void tokenCloseToExpiryIsTreatedAsExpiredAndCallersWait() {
    fx.serve(r -> ok("at-1", 3600, "rt-2"));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", fx.response("at-0", 3600, "rt-1"));

    clock.advance(Duration.ofSeconds(3570)); // inside the 30 s expiry margin
    assertEquals("at-1", manager.token("k1").value());
    assertEquals(1, manager.stats().waits());
    assertEquals(List.of("token k1 EXPIRED"), events);
  }

  @Test
  void aListenerThatThrowsDoesNotBreakTheManager() {
    ScriptedServer server = fx.serve(r -> ok("at-1", 3600, null));
    TokenManager manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials())
        .listener(new TokenListener() {
          @Override
          public void onToken(String key, TokenResponse response, RefreshCause cause) {
            throw new IllegalStateException("listener bug");
          }
        }));
    assertEquals("at-1", manager.token("k1").value());
    assertEquals("at-1", manager.token("k1").value());
    assertEquals(1, server.count());
  }

  @Test
  void putWhileARequestIsInFlightWins() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    fx.serve(r -> {
      arrived.countDown();
      release.await(10, TimeUnit.SECONDS);
      return ok("at-from-request", 3600, null);
    });
    TokenManager manager = fx.manager(builder().primaryGrant(Grant.clientCredentials()));

    var pending = manager.tokenAsync("k1");
    assertTrue(arrived.await(10, TimeUnit.SECONDS));
    manager.put("k1", fx.response("at-from-login", 3600, "rt-1"));
    release.countDown();

    assertEquals("at-from-login", pending.join().value());
    assertEquals("at-from-login", manager.token("k1").value());
  }
}

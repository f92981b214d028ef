package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** revoke(key) while a token request for the key is in flight: nothing it brings survives. */
class TokenManagerRevokeTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();
  private final CountDownLatch arrived = new CountDownLatch(1);
  private final CountDownLatch answer = new CountDownLatch(1);
  private final AtomicInteger issued = new AtomicInteger();
  private final List<String> failures = new CopyOnWriteArrayList<>();

  /** /token answers once {@code answer} opens (the first time), /revoke at once. */
  private void startServer() {
    fx.serve(r -> {
      if (r.path().equals("/revoke")) {
        return Answer.status(200);
      }
      arrived.countDown();
      assertTrue(answer.await(15, TimeUnit.SECONDS));
      int n = issued.incrementAndGet();
      return ok("at-new-" + n, 3600, "rt-new-" + n);
    });
  }

  private TokenManager.Builder builder() {
    return fx.builder().listener(new TokenListener() {
      @Override
      public void onFailure(String key, Throwable failure, boolean stillServing) {
        failures.add(key + " " + failure.getClass().getSimpleName() + " " + stillServing);
      }
    });
  }

  private List<String> revoked() {
    return fx.server().requests().stream().filter(r -> r.path().equals("/revoke"))
        .map(r -> r.param("token_type_hint") + " " + r.param("token")).toList();
  }

  @Test
  void revokeWhileARefreshIsInFlightRevokesTheTokensItBringsAndFailsItsCallers()
      throws Exception {
    startServer();
    TokenManager manager = fx.manager(builder());
    manager.put("k1", fx.response("at-0", 3600, "rt-0"));
    clock.advance(Duration.ofSeconds(3590)); // EXPIRED: callers wait for the refresh
    CompletableFuture<AccessToken> pending = manager.tokenAsync("k1");
    assertTrue(arrived.await(15, TimeUnit.SECONDS));

    CompletableFuture<Void> revocation = manager.revoke("k1");
    answer.countDown();
    revocation.get(15, TimeUnit.SECONDS);

    // Both states' revocations run concurrently, each refresh token before its access token.
    List<String> revoked = revoked();
    assertEquals(Set.of("refresh_token rt-0", "access_token at-0",
        "refresh_token rt-new-1", "access_token at-new-1"), Set.copyOf(revoked));
    assertEquals(4, revoked.size());
    assertTrue(revoked.indexOf("refresh_token rt-0") < revoked.indexOf("access_token at-0"));
    assertTrue(revoked.indexOf("refresh_token rt-new-1")
        < revoked.indexOf("access_token at-new-1"));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> pending.get(15, TimeUnit.SECONDS));
    ReauthenticationRequiredException reauth =
        assertInstanceOf(ReauthenticationRequiredException.class, e.getCause());
    assertTrue(reauth.getMessage().contains("revoked while a token request was in flight"));
    assertFalse(reauth.getMessage().contains("rt-new-1"), "no secret in the message");
    assertEquals(List.of("k1 ReauthenticationRequiredException false"), failures);
    assertSame(SessionTimeouts.NONE, manager.session("k1"));
    assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));
    assertEquals(1, fx.server().count(r -> r.path().equals("/token")), "nothing sent since");
  }

  @Test
  void revokeWhileTheFirstAcquisitionIsInFlightRevokesItsTokensAndTheNextCallStartsAgain()
      throws Exception {
    startServer();
    TokenManager manager = fx.manager(builder().primaryGrant(Grant.clientCredentials()));
    CompletableFuture<AccessToken> pending = manager.tokenAsync("k1");
    assertTrue(arrived.await(15, TimeUnit.SECONDS));

    CompletableFuture<Void> revocation = manager.revoke("k1");
    assertFalse(revocation.isDone(), "waits for the answer in flight");
    answer.countDown();
    revocation.get(15, TimeUnit.SECONDS);

    assertEquals(List.of("refresh_token rt-new-1", "access_token at-new-1"), revoked());
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> pending.get(15, TimeUnit.SECONDS));
    assertInstanceOf(ReauthenticationRequiredException.class, e.getCause());
    assertEquals("at-new-2", manager.token("k1").value(), "a new acquisition, not the revoked one");
  }

  @Test
  void revokeWithNothingInFlightDoesNotWait() throws Exception {
    startServer();
    answer.countDown();
    TokenManager manager = fx.manager(builder().primaryGrant(Grant.clientCredentials()));
    assertEquals("at-new-1", manager.token("k1").value());

    manager.revoke("k1").get(15, TimeUnit.SECONDS);
    assertEquals(List.of("refresh_token rt-new-1", "access_token at-new-1"), revoked());
    assertEquals("at-new-2", manager.token("k1").value());
    assertEquals(List.of(), failures);
  }
}

package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.internal.KeySlot;
import dev.tokenkeeper.internal.KeyTable;
import dev.tokenkeeper.internal.StateCodec;
import dev.tokenkeeper.internal.TokenState;
import dev.tokenkeeper.testing.HoldingExecutor;
import dev.tokenkeeper.testing.HookTicker;
import dev.tokenkeeper.testing.InMemoryTokenStore;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TokenManagers sharing their keys through a {@link TokenStore} (here the in-memory one with the
 * Redis store's semantics; {@code redis-store} runs the same flows against a real Redis).
 */
class SharedStoreTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();

  private final InMemoryTokenStore.Backend redis = new InMemoryTokenStore.Backend();
  private final AtomicInteger acquisitions = new AtomicInteger();
  private final AtomicInteger refreshes = new AtomicInteger();

  private ScriptedServer rotating() {
    return fx.serve(r -> {
      if (r.body().contains("grant_type=refresh_token")) {
        int n = refreshes.incrementAndGet();
        return ok("at-r" + n, 3600, "rt-r" + n);
      }
      int n = acquisitions.incrementAndGet();
      return ok("at-" + n, 3600, "rt-" + n);
    });
  }

  private TokenManager instance(boolean primaryGrant, TokenListener... listeners) {
    TokenManager.Builder b = fx.builder().store(redis.store());
    if (primaryGrant) {
      b.primaryGrant(Grant.clientCredentials());
    }
    for (TokenListener l : listeners) {
      b.listener(l);
    }
    return fx.manager(b);
  }

  @Test
  void anInstanceClosedWithARefreshInFlightLetsItsAnswerReachTheStore() throws Exception {
    // A rolling restart: A closes (then its endpoint) while its refresh is at the provider. The
    // provider has rotated rt-1; if A's answer were dropped, B would send rt-1 again.
    java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<String> sentRefreshTokens = new CopyOnWriteArrayList<>();
    fx.serve(r -> {
      if (r.body().contains("grant_type=refresh_token")) {
        sentRefreshTokens.add(r.param("refresh_token"));
        arrived.countDown();
        release.await(20, java.util.concurrent.TimeUnit.SECONDS);
        int n = refreshes.incrementAndGet();
        return ok("at-r" + n, 3600, "rt-r" + n);
      }
      int n = acquisitions.incrementAndGet();
      return ok("at-" + n, 3600, "rt-" + n);
    });
    TokenEndpoint endpointA = fx.endpoint();
    TokenManager a = TokenManager.builder(endpointA).ticker(fx.clock()).store(redis.store())
        .primaryGrant(Grant.clientCredentials()).build();
    TokenManager b = instance(true);
    AccessToken first = a.token("k");
    a.rejected("k", first);
    assertTrue(arrived.await(10, java.util.concurrent.TimeUnit.SECONDS));

    java.util.concurrent.CompletableFuture<Void> closing =
        java.util.concurrent.CompletableFuture.runAsync(a::close);
    try {
      // close() waits for the request in flight: it cannot end before the answer is released.
      closing.get(1, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException expected) {
      // as it should
    }
    boolean closedAtOnce = closing.isDone();
    if (closedAtOnce) {
      endpointA.close(); // the application's next step after close(): the answer is lost
    }
    release.countDown();
    closing.get(10, java.util.concurrent.TimeUnit.SECONDS);
    endpointA.close();

    AccessToken seenByB = b.token("k");
    assertEquals("at-r1", seenByB.value(), "A's answer reached the store before close() ended");
    b.rejected("k", seenByB).get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(List.of("rt-1", "rt-r1"), sentRefreshTokens, "no refresh token sent twice");
  }

  @Test
  void twoInstancesMakeOneAcquisitionBetweenThem() {
    rotating();
    TokenManager a = instance(true);
    TokenManager b = instance(true);

    assertEquals("at-1", a.token("device-1").value());
    assertEquals("at-1", b.token("device-1").value());

    assertEquals(1, acquisitions.get());
    assertEquals(1, redis.leasesGranted.get());
  }

  @Test
  void aRefreshByOneInstanceIsServedByTheOtherWithoutARequest() {
    rotating();
    TokenManager a = instance(true);
    TokenManager b = instance(true);
    a.token("k");
    b.token("k");
    fx.clock().advance(Duration.ofMinutes(59)); // inside the refresh window
    assertEquals("at-1", a.token("k").value(), "served while the refresh runs");
    TokenManagerFixture.await("A's refresh", () -> a.token("k").value().equals("at-r1"));
    TokenManagerFixture.await("B told of it", () -> b.token("k").value().equals("at-r1"));
    assertEquals(1, refreshes.get());
    assertEquals(1, acquisitions.get());
  }

  @Test
  void aSignInOnOneInstanceServesOnAnotherAndASignOutEndsItEverywhere() {
    rotating();
    TokenManager a = instance(false);
    TokenManager b = instance(false);
    a.put("user-7", fx.response("at-login", 3600, "rt-login"));

    assertEquals("at-login", b.token("user-7").value());

    a.invalidate("user-7");
    // The removal is announced; B's near-cache forgets the key on its executor.
    TokenManagerFixture.await("B forgets user-7", () -> {
      try {
        b.token("user-7");
        return false;
      } catch (ReauthenticationRequiredException e) {
        return true;
      }
    });
    assertEquals(0, acquisitions.get() + refreshes.get());
  }

  @Test
  void onInvalidGrantTheStoreIsReadAgainBeforeTheRefreshTokenIsCalledDead() throws Exception {
    AtomicReference<TokenManager> other = new AtomicReference<>();
    fx.serve(r -> {
      if (r.body().contains("refresh_token=rt-login")) {
        // Meanwhile another instance rotated it (its lease lapsed, or Redis was down): the new
        // state is in the store, and the provider refuses the old refresh token.
        other.get().put("user-9", fx.response("at-other", 3600, "rt-other"));
        return ScriptedServer.Answer.error(400, "invalid_grant");
      }
      return ScriptedServer.Answer.error(400, "unsupported_grant_type");
    });
    TokenManager a = instance(false);
    other.set(instance(false));
    a.put("user-9", fx.response("at-login", 600, "rt-login"));
    fx.clock().advance(Duration.ofMinutes(10)); // expired: the caller waits for the refresh

    assertEquals("at-other", a.token("user-9").value(),
        "the rotated state is served, not ReauthenticationRequiredException");
    assertEquals(1, fx.server().requests().size(), "the refused token was not sent again");
  }

  @Test
  void aWriterFencedOffServesTheNewerStateTheClusterKept() throws Exception {
    AtomicReference<TokenManager> other = new AtomicReference<>();
    fx.serve(r -> {
      // While this refresh runs, the lease lapses and another instance stores a newer state.
      redis.expireLease("k");
      other.get().put("k", fx.response("at-newer", 3600, "rt-newer"));
      return ok("at-late", 3600, "rt-late");
    });
    TokenManager a = instance(false);
    other.set(instance(false));
    a.put("k", fx.response("at-0", 600, "rt-0"));
    fx.clock().advance(Duration.ofMinutes(10));

    assertEquals("at-newer", a.token("k").value());
    assertEquals(1, redis.writesRefused.get(), "the late answer was fenced off");
    assertTrue(new String(redis.entry("k").value()).contains("at-newer"));
  }

  /** The tokens the revocation endpoint was asked to revoke, with their hints, in order. */
  private List<String> revoked() {
    return fx.server().requests().stream().filter(r -> r.path().equals("/revoke"))
        .map(r -> r.body().replaceAll(".*token=([^&]*).*token_type_hint=([^&]*).*", "$1 $2"))
        .toList();
  }

  private void rotatingWithRevocation() {
    fx.serve(r -> {
      if (r.path().equals("/revoke")) {
        return ScriptedServer.Answer.status(200);
      }
      if (r.body().contains("grant_type=refresh_token")) {
        int n = refreshes.incrementAndGet();
        return ok("at-r" + n, 3600, "rt-r" + n);
      }
      int n = acquisitions.incrementAndGet();
      return ok("at-" + n, 3600, "rt-" + n);
    });
  }

  @Test
  void revokeOnAnInstanceWithoutACopyRevokesTheStoredTokensThenRemovesThem() {
    rotatingWithRevocation();
    List<String> outcomes = new CopyOnWriteArrayList<>();
    TokenManager a = instance(true);
    TokenManager b = instance(true, new TokenListener() {
      @Override
      public void onRevoked(String key, Revocation revocation) {
        outcomes.add(key + " " + revocation.refreshToken() + " " + revocation.accessToken());
      }
    });
    a.token("k");

    b.revoke("k").join();

    assertEquals(List.of("rt-1 refresh_token", "at-1 access_token"), revoked());
    assertEquals(List.of("k REVOKED REVOKED"), outcomes);
    assertTrue(redis.entry("k").isAbsent());
    assertTrue(redis.entry("k").version() > 0, "a removal (tombstone), announced to A");
    // A forgets its copy on its executor once the announcement is fetched, which revoke() on B
    // does not wait for: until then A serves its copy (the cluster is eventually consistent).
    TokenManagerFixture.await("A forgets k and acquires afresh",
        () -> !a.token("k").value().equals("at-1"));
    assertEquals("at-2", a.token("k").value());
    assertEquals(2, acquisitions.get());
  }

  @Test
  void revokeWithTheSameCopyRevokesEachTokenOnce() {
    rotatingWithRevocation();
    TokenManager a = instance(true);
    TokenManager b = instance(true);
    a.token("k");
    b.token("k");

    b.revoke("k").join();

    assertEquals(List.of("rt-1 refresh_token", "at-1 access_token"), revoked());
  }

  @Test
  void revokeWithTheStoreDownRevokesTheCopyHereAndSaysSo() {
    rotatingWithRevocation();
    List<String> told = new CopyOnWriteArrayList<>();
    TokenManager a = instance(true, new TokenListener() {
      @Override
      public void onStoreUnavailable(String key, Throwable cause) {
        told.add(key);
      }
    });
    a.token("k");
    redis.down = true;

    a.revoke("k").join();

    assertEquals(List.of("rt-1 refresh_token", "at-1 access_token"), revoked());
    assertEquals(List.of("k"), told);
  }

  @Test
  void aRefreshThatFindsTheKeyRemovedElsewhereNeverSendsItsRefreshToken() {
    rotatingWithRevocation();
    TokenManager a = instance(false);
    TokenManager b = instance(false);
    a.put("k", fx.response("at-0", 600, "rt-0"));
    redis.quiet = true; // A misses the announcement (pub/sub is fire-and-forget)
    b.invalidate("k"); // a sign-out on B
    redis.quiet = false;
    // A's copy expired (well past: a copy A re-read from the store after its own put carries
    // deadlines rounded to the millisecond): its callers wait.
    fx.clock().advance(Duration.ofMinutes(11));

    ReauthenticationRequiredException e = assertThrows(ReauthenticationRequiredException.class,
        () -> a.token("k"));
    assertTrue(e.getMessage().contains("removed from the shared store by another instance"),
        e.getMessage());
    assertTrue(fx.server().requests().stream().noneMatch(r -> r.body().contains("rt-0")),
        "the removed state's refresh token was not sent");
  }

  @Test
  void aRefreshFencedOffByARemovalIsRevokedAndNotServed() {
    AtomicReference<TokenManager> other = new AtomicReference<>();
    fx.serve(r -> {
      if (r.path().equals("/revoke")) {
        return ScriptedServer.Answer.status(200);
      }
      other.get().invalidate("k"); // a sign-out elsewhere while this refresh runs
      return ok("at-late", 3600, "rt-late");
    });
    TokenManager a = instance(false);
    other.set(instance(false));
    a.put("k", fx.response("at-0", 600, "rt-0"));
    fx.clock().advance(Duration.ofMinutes(11)); // expired: the caller waits for the refresh

    assertThrows(ReauthenticationRequiredException.class, () -> a.token("k"));
    TokenManagerFixture.await("the late answer revoked", () -> revoked().size() == 2);
    assertEquals(List.of("rt-late refresh_token", "at-late access_token"), revoked());
    assertTrue(redis.entry("k").isAbsent(), "the removal stands");
  }

  @Test
  void aStateTheStoreAnnouncedAsTheCallerJudgesIsJudgedAgainNotServed() {
    // A new version the store announced is fetched on the executor; landing between token()'s
    // look at the state and its claim of the request slot, it replaced the state, and the caller
    // was handed the new state as "the state that replaced the one it judged": an access token
    // that had expired 5 minutes before. (CI saw this with the announcement of the instance's own
    // put(), which no longer replaces the state: here another instance signs in meanwhile.)
    rotating();
    HoldingExecutor executor = new HoldingExecutor();
    HookTicker ticker = new HookTicker(fx.clock());
    TokenManager a = fx.manager(fx.builder().ticker(ticker).executor(executor)
        .store(redis.store()));
    TokenManager b = instance(false);
    a.put("k", fx.response("at-0", 600, "rt-0"));
    b.put("k", fx.response("at-b", 600, "rt-b"));
    executor.stopHolding();
    assertEquals(2, executor.held(), "the announcements' fetches wait on A's executor");
    fx.clock().advance(Duration.ofMinutes(11)); // expired: the caller must wait for a refresh

    ticker.onReading(2, executor::runHeld); // as token() judges the state
    AccessToken token = a.token("k");

    assertTrue(ticker.fired());
    assertEquals("at-r1", token.value(), "an expired token is never served");
    assertEquals(1, refreshes.get());
    assertEquals(List.of("rt-b"), fx.server().requests().stream()
        .map(r -> r.param("refresh_token")).toList(), "refreshed from the newest state");
  }

  @Test
  void theLateAnnouncementOfAnInstancesOwnPutIsNoUseOfItsSession() {
    // The store's announcement of this instance's own put() is fetched on the executor; a busy
    // executor ran it after the session had been idle past its timeout. The fetched copy (the
    // same tokens) was installed as a use of the key, and the session that had ended was served
    // again: each instance tracks its own last use.
    rotating();
    HoldingExecutor executor = new HoldingExecutor();
    TokenManager a = fx.manager(fx.builder().executor(executor).store(redis.store()));
    a.put("k", TokenResponse.builder("at-0", fx.clock().instant())
        .expiresIn(Duration.ofHours(1)).refreshToken("rt-0")
        .sessionIdleTimeout(Duration.ofMinutes(15)).build());
    executor.stopHolding();
    assertEquals(1, executor.held(), "the announcement's fetch waits on the executor");

    fx.clock().advance(Duration.ofMinutes(16)); // idle past the session's 15 minutes
    executor.runHeld(); // the executor gets to it only now

    ReauthenticationRequiredException e = assertThrows(ReauthenticationRequiredException.class,
        () -> a.token("k"), "the idle session ended; its token is not served");
    assertTrue(e.getMessage().contains("session"), e.getMessage());
    assertEquals(0, refreshes.get() + acquisitions.get());
  }

  @Test
  void aSignInThatLandsAsAnEarlierRemovalIsAppliedIsKept() throws Exception {
    // A sign-out elsewhere is announced; A's executor found its copy unchanged and forgot the key,
    // but a put() (the user signing in again on A) landed between that look and the forgetting,
    // and was thrown away with it: with the store unreachable the user was told to sign in again.
    rotating();
    AtomicReference<Thread> worker = new AtomicReference<>();
    java.util.concurrent.ExecutorService executor =
        java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "instance-a");
          t.setDaemon(true);
          worker.set(t);
          return t;
        });
    try {
      TokenManager a = fx.manager(fx.builder().executor(executor).store(redis.store()));
      TokenManager b = instance(false);
      a.put("k", fx.response("at-0", 3600, "rt-0"));
      executor.submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS); // all applied
      KeySlot slot = liveSlot(a, "k");

      synchronized (slot) { // A's executor applies the removal up to the slot's next transition
        b.invalidate("k");
        TokenManagerFixture.await("A's executor forgets k",
            () -> worker.get().getState() == Thread.State.BLOCKED);
        a.put("k", fx.response("at-new", 3600, "rt-new"));
      }
      executor.submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS);
      redis.down = true;

      assertEquals("at-new", a.token("k").value(), "the sign-in after the removal is kept");
    } finally {
      executor.shutdownNow();
    }
  }

  private static KeySlot liveSlot(TokenManager manager, String key) throws Exception {
    java.lang.reflect.Field f = TokenManager.class.getDeclaredField("table");
    f.setAccessible(true);
    return ((KeyTable) f.get(manager)).live(key);
  }

  @Test
  void aStateAnotherInstanceStoredEndsThisInstancesCoolDown() {
    // A's acquisition is refused (a cool-down of an hour: every caller fails fast with that
    // cause); B then gets a token and stores it. Once A has it from the store, the cool-down of
    // the empty slot is over: when that token expires, A refreshes it like any other.
    AtomicInteger calls = new AtomicInteger();
    fx.serve(r -> switch (calls.incrementAndGet()) {
      case 1 -> ScriptedServer.Answer.error(400, "invalid_client");
      case 2 -> ok("at-1", 600, "rt-1");
      default -> ok("at-2", 600, "rt-2");
    });
    TokenManager a = fx.manager(fx.builder().store(redis.store())
        .primaryGrant(Grant.clientCredentials()).failureCoolDown(Duration.ofHours(1)));
    assertThrows(TokenEndpointException.class, () -> a.token("k"));
    TokenManager b = instance(true);
    assertEquals("at-1", b.token("k").value());
    TokenManagerFixture.await("A has B's token from the store", () -> {
      try {
        return a.token("k").value().equals("at-1");
      } catch (TokenEndpointException coolingDown) {
        return false;
      }
    });

    fx.clock().advance(Duration.ofMinutes(11)); // at-1 expired, well within A's old cool-down

    assertEquals("at-2", a.token("k").value(), "refreshed with the cluster's refresh token");
    assertEquals(3, calls.get());
  }

  @Test
  void whenTheStoreIsDownEachInstanceCarriesOnAloneAndSaysSo() {
    rotating();
    List<String> told = new CopyOnWriteArrayList<>();
    TokenManager a = instance(true, new TokenListener() {
      @Override
      public void onStoreUnavailable(String key, Throwable cause) {
        told.add(key + ": " + cause.getMessage());
      }
    });
    redis.down = true;

    assertEquals("at-1", a.token("k").value());

    assertEquals(List.of("k: the in-memory store is down"), told);
    redis.down = false;
    TokenManager b = instance(true);
    assertEquals("at-2", b.token("k").value(), "nothing was shared while it was down");
  }

  @Test
  void aStateTravelsBetweenProcessesOnTheWallClock() {
    TokenResponse response = TokenResponse.builder("at-x", fx.clock().instant())
        .expiresIn(Duration.ofSeconds(3600)).refreshToken("rt-x").build();
    TokenRequest request = TokenRequest.builder(Grant.clientCredentials()).scope("A B")
        .endpointId("dev-1").accessTokenTtl(1800).build();
    long now = 5_000_000_000L;
    long wall = fx.clock().millis();
    TokenState s = TokenState.of(response, request, null, 300_000_000_000L, 30_000_000_000L,
        true, now, wall);

    // Another process: its ticker reads something else entirely at the same wall-clock moment.
    long otherNow = 987_654_321_000L;
    TokenState back = StateCodec.decode(StateCodec.encode(s, now, wall), otherNow, wall);

    assertEquals(s.token, back.token);
    assertEquals(s.refreshToken, back.refreshToken);
    assertEquals(s.expiresAt - now, back.expiresAt - otherNow);
    assertEquals(s.refreshAt - now, back.refreshAt - otherNow);
    assertEquals(s.usableUntil - now, back.usableUntil - otherNow);
    assertEquals(TokenState.NEVER, back.absoluteDeadline);
    assertEquals("A B", back.request.scope());
    assertEquals("dev-1", back.request.endpointId());
    assertEquals(1800, back.request.accessTokenTtl());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StateCodec.decode("{\"at\":\"secret-at\"}".getBytes(), now, wall));
    assertTrue(!e.getMessage().contains("secret-at"), e.getMessage());
  }
}

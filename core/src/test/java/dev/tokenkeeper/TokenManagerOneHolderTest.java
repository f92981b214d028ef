package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.HookTicker;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A state lives in one holder only (issue 8, item 6): put, invalidate, rejected, revoke, eviction
 * and listeners re-entering the manager never leave one state in two slots nor let a retired slot
 * start a request, so a refresh token is never sent twice.
 */
class TokenManagerOneHolderTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();

  private static long refreshesWith(ScriptedServer server, String refreshToken) {
    return server.count(r -> "/token".equals(r.path())
        && refreshToken.equals(r.param("refresh_token")));
  }

  @Test
  void aListenerThatCallsRejectedThenInvalidateInsidePutNeverMakesTheRefreshTokenGoTwice()
      throws Exception {
    ScriptedServer server = fx.serve(r -> ok("at-2", 3600, "rt-2"));
    // The session ends within the warning period: onSessionEnding fires inside put().
    TokenResponse login = TokenResponse.builder("at-1", clock.instant())
        .expiresIn(Duration.ofHours(1)).refreshToken("rt-1")
        .sessionExpiresIn(Duration.ofSeconds(60)).build();
    AtomicBoolean once = new AtomicBoolean();
    List<CompletableFuture<AccessToken>> refreshed = new CopyOnWriteArrayList<>();
    TokenManager[] holder = new TokenManager[1];
    TokenManager manager = fx.manager(fx.builder().scheduler(fx.scheduler())
        .listener(new TokenListener() {
          @Override
          public void onSessionEnding(String key, SessionTimeouts timeouts) {
            if (once.compareAndSet(false, true)) {
              refreshed.add(holder[0].rejected(key, login.accessToken()));
              holder[0].invalidate(key);
            }
          }
        }));
    holder[0] = manager;
    manager.put("k1", login);
    refreshed.get(0).handle((v, e) -> null).get(15, TimeUnit.SECONDS);

    // The put() state was forgotten by the listener: nothing may refresh with rt-1 again.
    manager.rejected("k1", login.accessToken()).handle((v, e) -> null).get(15, TimeUnit.SECONDS);
    assertEquals(1, refreshesWith(server, "rt-1"), "rt-1 was sent twice");
  }

  @Test
  void rejectedDoesNotDemandASignInWhenAPutHasJustLanded() throws Exception {
    fx.serve(r -> ok("never", 3600, null));
    HookTicker ticker = new HookTicker(clock);
    TokenManager manager = fx.manager(fx.builder().ticker(ticker).scheduler(fx.scheduler()));
    manager.put("k1", fx.response("at-1", 3600, null)); // no refresh token, no primary grant
    AccessToken rejected = manager.token("k1");

    // The user signs in again just as rejected() judges the old token.
    ticker.onReading(1, () -> manager.put("k1", fx.response("at-2", 3600, null)));
    AccessToken next = manager.rejected("k1", rejected).get(15, TimeUnit.SECONDS);

    assertEquals("at-2", next.value());
    assertEquals("at-2", manager.token("k1").value());
  }

  @Test
  void aRefreshRefusedWhileAPutLandedHandsTheCallersThePutToken() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ScriptedServer server = fx.serve(r -> {
      arrived.countDown();
      release.await();
      return Answer.error(400, "invalid_grant");
    });
    TokenManager manager = fx.manager(fx.builder().scheduler(fx.scheduler()));
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));
    CompletableFuture<AccessToken> refreshed =
        manager.rejected("k1", manager.token("k1"));
    assertTrue(arrived.await(15, TimeUnit.SECONDS));

    manager.put("k1", fx.response("at-2", 3600, "rt-2")); // the user signs in again
    release.countDown();

    assertEquals("at-2", refreshed.get(15, TimeUnit.SECONDS).value());
    assertEquals("at-2", manager.token("k1").value());
    assertEquals(1, server.count());
  }

  @Test
  void revokeWaitsForTheRevocationOfALateAnswerAndReportsItsFailure() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ScriptedServer server = fx.serve(r -> {
      if ("/revoke".equals(r.path())) {
        return Answer.error(503, "temporarily_unavailable");
      }
      arrived.countDown();
      release.await();
      return ok("at-late", 3600, "rt-late");
    });
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler()));
    CompletableFuture<AccessToken> caller = manager.tokenAsync("k1");
    assertTrue(arrived.await(15, TimeUnit.SECONDS));

    CompletableFuture<Void> revoked = manager.revoke("k1");
    assertFalse(revoked.isDone(), "the answer in flight is not revoked yet");
    release.countDown();

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> revoked.get(15, TimeUnit.SECONDS));
    assertInstanceOf(TokenEndpointException.class, e.getCause());
    assertEquals(503, ((TokenEndpointException) e.getCause()).statusCode());
    assertEquals(2, server.count(r -> "/revoke".equals(r.path())), "both late tokens");
    ExecutionException c = assertThrows(ExecutionException.class,
        () -> caller.get(15, TimeUnit.SECONDS));
    assertInstanceOf(ReauthenticationRequiredException.class, c.getCause());
  }

  /**
   * 12 threads mix put, invalidate, rejected, revoke and token on a few keys, with listeners that
   * re-enter the manager; the provider rotates every refresh token and counts each one sent.
   *
   * <p>How many refreshes the mix makes depends on the interleaving (a rejected() with a token
   * already replaced makes none), so the test asserts what holds for every interleaving, exactly:
   * no refresh token goes twice, and each one sent was issued; the manager's books (requests
   * sent and answered, by grant; rejections reported) agree with the provider's count and the
   * test's; and when the mix is over, every key holds a refresh token never sent, which one
   * rejection per key then uses: three more refreshes, exactly.
   */
  @Test
  void twelveThreadsOfPutInvalidateRejectedRevokeAndTokenNeverSendARefreshTokenTwice()
      throws Exception {
    Set<String> issuedRefreshTokens = ConcurrentHashMap.newKeySet();
    Set<String> sent = ConcurrentHashMap.newKeySet();
    List<String> sentTwice = new CopyOnWriteArrayList<>();
    AtomicInteger issued = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> {
      if ("/revoke".equals(r.path())) {
        return Answer.status(200);
      }
      String rt = r.param("refresh_token");
      if (rt != null && !sent.add(rt)) {
        sentTwice.add(rt);
        return Answer.error(400, "invalid_grant");
      }
      int n = issued.incrementAndGet();
      issuedRefreshTokens.add("rt-s" + n);
      return ok("at-s" + n, 3600, "rt-s" + n);
    });
    Map<String, AccessToken> lastSeen = new ConcurrentHashMap<>();
    TokenManager[] holder = new TokenManager[1];
    AtomicBoolean mixing = new AtomicBoolean(true);
    AtomicInteger reentries = new AtomicInteger();
    AtomicInteger rejections = new AtomicInteger();
    List<CompletableFuture<AccessToken>> listenerRejections = new CopyOnWriteArrayList<>();
    Map<String, AtomicInteger> sentByGrant = new ConcurrentHashMap<>();
    AtomicInteger answered = new AtomicInteger();
    TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler()).failureCoolDown(Duration.ZERO)
        .listener(new TokenListener() {
          @Override
          public void onToken(String key, TokenResponse response, RefreshCause cause) {
            if (!mixing.get()) {
              return;
            }
            int n = reentries.incrementAndGet();
            if (n % 7 == 0) {
              holder[0].invalidate(key);
            } else if (n % 5 == 0) {
              rejections.incrementAndGet();
              listenerRejections.add(holder[0].rejected(key, response.accessToken()));
            } else if (n % 11 == 0) {
              issuedRefreshTokens.add("rt-l" + n);
              holder[0].put(key, fx.response("at-l" + n, 3600, "rt-l" + n));
            }
          }

          @Override
          public void onTokenRequestSent(String key, String grantType, RefreshCause cause) {
            sentByGrant.computeIfAbsent(grantType, g -> new AtomicInteger()).incrementAndGet();
          }

          @Override
          public void onTokenRequestCompleted(String key, String grantType, RefreshCause cause,
              Duration elapsed, Throwable failure) {
            answered.incrementAndGet();
          }
        }));
    holder[0] = manager;
    String[] keys = {"k0", "k1", "k2"};
    List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    AtomicInteger puts = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(12);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 12; t++) {
      Random random = new Random(8_000 + t);
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < 150; i++) {
            String key = keys[random.nextInt(keys.length)];
            try {
              switch (random.nextInt(10)) {
                case 0 -> {
                  int n = puts.incrementAndGet();
                  issuedRefreshTokens.add("rt-p" + n);
                  manager.put(key, fx.response("at-p" + n, 3600, "rt-p" + n));
                }
                case 1 -> manager.invalidate(key);
                case 2 -> manager.revoke(key).handle((v, e) -> null).get(15, TimeUnit.SECONDS);
                case 3, 4, 5 -> {
                  AccessToken seen = lastSeen.get(key);
                  if (seen != null) {
                    rejections.incrementAndGet();
                    lastSeen.put(key, manager.rejected(key, seen).get(15, TimeUnit.SECONDS));
                  }
                }
                default -> lastSeen.put(key, manager.token(key));
              }
            } catch (ExecutionException e) {
              if (!(e.getCause() instanceof ReauthenticationRequiredException)) {
                unexpected.add(e.getCause());
              }
            } catch (ReauthenticationRequiredException expected) {
              // revoke(key) took the answer of a request in flight: documented.
            }
          }
        } catch (Throwable e) {
          unexpected.add(e);
        } finally {
          done.countDown();
        }
      }, "stress-" + t);
      threads.add(thread);
      thread.start();
    }
    start.countDown();
    assertTrue(done.await(60, TimeUnit.SECONDS), "a thread hangs");
    for (Thread thread : threads) {
      thread.join();
    }
    // The listener's rejections are the only requests nobody waited for; one may start another
    // (its onToken runs before its future completes), so walk the list as it grows.
    for (int i = 0; i < listenerRejections.size(); i++) {
      listenerRejections.get(i).handle((v, e) -> null).get(15, TimeUnit.SECONDS);
    }
    mixing.set(false);

    assertEquals(List.of(), sentTwice, "refresh tokens sent twice");
    assertEquals(List.of(), unexpected);
    assertTrue(issuedRefreshTokens.containsAll(sent), "only issued refresh tokens are sent");
    long refreshes = server.count(r -> r.param("refresh_token") != null);
    long acquisitions = server.count(r -> "client_credentials".equals(r.grantType()));
    String mix = "the mix: " + refreshes + " refreshes, " + acquisitions + " acquisitions, "
        + rejections.get() + " rejections, " + reentries.get() + " listener calls";
    assertEquals(refreshes + acquisitions, server.count(r -> "/token".equals(r.path())), mix);
    assertEquals(refreshes, count(sentByGrant, "refresh_token"), mix);
    assertEquals(acquisitions, count(sentByGrant, "client_credentials"), mix);
    assertEquals(refreshes + acquisitions, answered.get(), "every request answered; " + mix);
    TokenManager.Stats stats = manager.stats();
    assertEquals(refreshes + acquisitions, stats.requests(), mix);
    assertEquals(rejections.get(), stats.rejections(), mix);

    // Past the rejection interval, one 401 per key refreshes with the refresh token it holds.
    clock.advance(TokenManager.DEFAULT_REJECTION_INTERVAL);
    for (String key : keys) {
      AccessToken current = manager.token(key);
      AccessToken next = manager.rejected(key, current).get(15, TimeUnit.SECONDS);
      assertTrue(next.value().startsWith("at-s") && !next.value().equals(current.value()),
          key + ": " + current.value() + " -> " + next.value());
    }
    assertEquals(List.of(), sentTwice, "refresh tokens sent twice after the mix");
    assertEquals(refreshes + keys.length,
        server.count(r -> r.param("refresh_token") != null), mix);
  }

  private static long count(Map<String, AtomicInteger> byGrant, String grantType) {
    AtomicInteger n = byGrant.get(grantType);
    return n == null ? 0 : n.get();
  }
}

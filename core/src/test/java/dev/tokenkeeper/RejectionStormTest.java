package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.HTTP;
import static dev.tokenkeeper.testing.TokenManagerFixture.T0;
import static dev.tokenkeeper.testing.TokenManagerFixture.endpoint;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.HookTicker;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 401 storms are bounded (issue 8, item 12): a resource server that rejects every token (wrong
 * audience, clock skew) costs at most one refresh per key per rejection interval; further 401s in
 * that interval pass through to the caller without a refresh.
 */
class RejectionStormTest {
  private final MutableClock clock = new MutableClock(T0);
  private ScriptedServer provider;
  private ScriptedServer api;
  private TokenManager manager;

  @BeforeEach
  void start() {
    AtomicInteger issued = new AtomicInteger();
    provider = ScriptedServer.start(r -> {
      int n = issued.incrementAndGet();
      return ok("at-" + n, 3600, "rt-" + n);
    });
    api = ScriptedServer.start(r -> Answer.text(401, "wrong audience")
        .withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\""));
    manager = TokenManager.builder(endpoint(provider, clock)).ticker(clock)
        .primaryGrant(Grant.clientCredentials()).build();
  }

  @AfterEach
  void stop() {
    manager.close();
    provider.close();
    api.close();
  }

  private long refreshes() {
    return provider.count(r -> "refresh_token".equals(r.grantType()));
  }

  @Test
  void rejectionsOfTheCurrentTokenWithinTheIntervalCauseOneRefresh() throws Exception {
    AccessToken first = manager.token("k1");
    AccessToken second = manager.rejected("k1", first).get(15, TimeUnit.SECONDS);
    for (int i = 0; i < 10; i++) {
      clock.advance(java.time.Duration.ofMillis(500));
      assertEquals(second, manager.rejected("k1", second).get(15, TimeUnit.SECONDS),
          "passed through: the current token, no refresh");
    }
    assertEquals(1, refreshes());

    clock.advance(TokenManager.DEFAULT_REJECTION_INTERVAL);
    AccessToken third = manager.rejected("k1", second).get(15, TimeUnit.SECONDS);
    assertEquals(2, refreshes(), "the next interval may refresh once more");
    assertEquals("at-3", third.value());
  }

  @Test
  void aResourceServerThatRejectsEveryTokenGetsOneRetryAndOneRefreshPerInterval()
      throws Exception {
    BearerHttpClient client = BearerHttpClient.builder(manager, "k1").delegate(HTTP)
        .allowedOrigins(api.uri("/")).build();
    HttpRequest get = HttpRequest.newBuilder(api.uri("/accounts")).GET().build();

    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response = i % 2 == 0
          ? client.send(get, BodyHandlers.ofString())
          : client.sendAsync(get, BodyHandlers.ofString()).get(15, TimeUnit.SECONDS);
      assertEquals(401, response.statusCode());
    }

    assertEquals(1, refreshes());
    assertEquals(11, api.count(), "the first call retried once; the others passed the 401 on");
  }

  /**
   * The refresh a 401 causes was recorded for the rejection interval only after the request had
   * been started: an answer that landed before the rejecting thread went on (its thread
   * preempted, or a synchronous transport) left the interval open, and a 401 for the new token
   * in that moment caused a second refresh within the interval.
   */
  @Test
  void aRejectionOfTheNewTokenAsItLandsIsWithinTheIntervalOfTheRefreshThatBroughtIt() {
    java.util.List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
    dev.tokenkeeper.internal.TokenSender.Transport answersAtOnce =
        new dev.tokenkeeper.internal.TokenSender.Transport() {
          @Override
          public CompletableFuture<TokenResponse> request(TokenRequest request) {
            sent.add(request.grant().grantType());
            int n = sent.size();
            return CompletableFuture.completedFuture(TokenResponse.builder("at-" + n,
                clock.instant()).expiresIn(java.time.Duration.ofHours(1))
                .refreshToken("rt-" + n).build());
          }

          @Override
          public CompletableFuture<Void> revoke(String token, String tokenTypeHint) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public boolean supportsRevocation() {
            return false;
          }
        };
    java.util.concurrent.atomic.AtomicReference<TokenManager> self =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<AccessToken> secondRejection =
        new java.util.concurrent.atomic.AtomicReference<>();
    TokenManager sync = TokenManager.builder(endpoint(provider, clock)).transport(answersAtOnce)
        .ticker(clock).executor(Runnable::run).primaryGrant(Grant.clientCredentials())
        .listener(new TokenListener() {
          @Override
          public void onToken(String key, TokenResponse response, RefreshCause cause) {
            if (cause == RefreshCause.REJECTED && secondRejection.get() == null) {
              // The resource server rejects the new token too, the moment it is published.
              AccessToken fresh = self.get().token(key);
              secondRejection.set(fresh);
              secondRejection.set(self.get().rejected(key, fresh).join());
            }
          }
        }).build();
    self.set(sync);
    try {
      AccessToken first = sync.token("k1");

      AccessToken second = sync.rejected("k1", first).join();

      assertEquals("at-2", second.value());
      assertEquals("at-2", secondRejection.get().value(),
          "passed through: the interval's one refresh was the one that brought it");
      assertEquals(java.util.List.of("client_credentials", "refresh_token"), sent);
    } finally {
      sync.close();
    }
  }

  /**
   * The pass-through of a storm must not hand back a token that a refresh has just replaced: a
   * second 401 for the first token, judged while the refresh it would have joined lands, got the
   * old token back (no request in flight any more, and the old state still in hand), so the
   * caller took it for a storm and returned the 401. BearerHttpClientTest's streamed-body case
   * failed this way under load: its next request set out with the old token as the refresh
   * landed.
   */
  @Test
  void aRejectionJudgedWhileTheRefreshLandsGetsTheNewToken() throws Exception {
    HookTicker ticker = new HookTicker(clock);
    TokenManager hooked = TokenManager.builder(endpoint(provider, clock)).ticker(ticker)
        .primaryGrant(Grant.clientCredentials()).build();
    try {
      AccessToken first = hooked.token("k1");
      CountDownLatch arrived = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      provider.script(r -> {
        arrived.countDown();
        release.await();
        return ok("at-2", 3600, "rt-2");
      });
      CompletableFuture<AccessToken> refresh = hooked.rejected("k1", first);
      assertTrue(arrived.await(15, TimeUnit.SECONDS));

      // The refresh lands inside the second rejection's first clock reading, after it has read
      // the state that holds the first token.
      ticker.onReading(1, () -> {
        release.countDown();
        assertEquals("at-2", refresh.join().value());
      });
      AccessToken next = hooked.rejected("k1", first).get(15, TimeUnit.SECONDS);

      assertTrue(ticker.fired());
      assertEquals("at-2", next.value(), "the refreshed token, not the rejected one");
      assertEquals(1, refreshes());
    } finally {
      hooked.close();
    }
  }
}

package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenkeeper.internal.TokenSender;
import dev.tokenkeeper.testing.ManualScheduler;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The manager against a synchronous fake transport, on the caller's thread: the set-up that
 * interleaving tests (model checkers) use, since they cannot follow real I/O threads.
 */
class SynchronousTransportTest {
  private final MutableClock clock = new MutableClock(TokenManagerFixture.T0);
  private final List<String> sent = new CopyOnWriteArrayList<>();

  private final TokenSender.Transport fake = new TokenSender.Transport() {
    @Override
    public CompletableFuture<TokenResponse> request(TokenRequest request) {
      String grant = request.grant().grantType();
      sent.add(grant + (request.grant() instanceof Grant.RefreshToken r
          ? ":" + r.refreshToken() : ""));
      int n = sent.size();
      return CompletableFuture.completedFuture(TokenResponse.builder("at-" + n, clock.instant())
          .expiresIn(Duration.ofHours(1)).refreshToken("rt-" + n).build());
    }

    @Override
    public CompletableFuture<Void> revoke(String token, String tokenTypeHint) {
      sent.add("revoke:" + tokenTypeHint);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean supportsRevocation() {
      return true;
    }
  };

  @Test
  void everyStepRunsOnTheCallersThread() throws Exception {
    TokenEndpoint unused = TokenEndpoint.builder(URI.create("https://idp.example/token"),
        ClientAuthentication.basic("c", "s")).build();
    TokenManager manager = TokenManager.builder(unused).transport(fake).ticker(clock).clock(clock)
        .executor(Runnable::run).scheduler(new ManualScheduler(clock))
        .primaryGrant(Grant.clientCredentials()).build();
    try {
      assertEquals("at-1", manager.token("k1").value());
      CompletableFuture<AccessToken> refreshed = manager.rejected("k1", manager.token("k1"));
      assertEquals("at-2", refreshed.getNow(null).value(), "completed before rejected returned");
      manager.revoke("k1").getNow(null);
      assertEquals(List.of("client_credentials", "refresh_token:rt-1", "revoke:refresh_token",
          "revoke:access_token"), sent);
    } finally {
      manager.close();
      unused.close();
    }
  }
}

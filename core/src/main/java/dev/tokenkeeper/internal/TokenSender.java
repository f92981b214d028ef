package dev.tokenkeeper.internal;

import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The one place where a {@code TokenManager} sends a token request or a revocation to the
 * provider (a token-endpoint budget gates it here). Never throws: a request that cannot be sent
 * gives a failed future. Thread-safe. Not part of the API.
 */
public final class TokenSender {

  /**
   * Where requests go: the {@link TokenEndpoint} in production; a synchronous fake in
   * interleaving tests (model checkers cannot follow real I/O threads).
   */
  public interface Transport {
    CompletableFuture<TokenResponse> request(TokenRequest request);

    CompletableFuture<Void> revoke(String token, String tokenTypeHint);

    boolean supportsRevocation();

    /** Whether and how a key is sent as {@code endpoint_id}: the endpoint's dialect. */
    default Dialect dialect() {
      return Dialect.standard();
    }

    /** The endpoint itself. */
    static Transport of(TokenEndpoint endpoint) {
      return new Transport() {
        @Override
        public CompletableFuture<TokenResponse> request(TokenRequest request) {
          return endpoint.requestAsync(request);
        }

        @Override
        public CompletableFuture<Void> revoke(String token, String tokenTypeHint) {
          return endpoint.revokeAsync(token, tokenTypeHint);
        }

        @Override
        public boolean supportsRevocation() {
          return endpoint.supportsRevocation();
        }

        @Override
        public Dialect dialect() {
          return endpoint.dialect();
        }
      };
    }
  }

  private final Transport transport;
  private final ManagerContext ctx;

  public TokenSender(Transport transport, ManagerContext ctx) {
    this.transport = transport;
    this.ctx = ctx;
  }

  /** Sends one token request for {@code key}. */
  public CompletableFuture<TokenResponse> send(String key, TokenRequest request) {
    ctx.requests.increment();
    try {
      return transport.request(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Revokes one token; the future completes with the failure, or {@code null} on success. */
  public CompletableFuture<Throwable> revoke(String key, String token, String tokenTypeHint) {
    try {
      return transport.revoke(token, tokenTypeHint)
          .handle((v, e) -> e == null ? null : Failures.unwrap(e));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(e);
    }
  }

  /** The endpoint's dialect: whether and how a key is sent as {@code endpoint_id}. */
  public Dialect dialect() {
    return transport.dialect();
  }

  public boolean supportsRevocation() {
    return transport.supportsRevocation();
  }
}

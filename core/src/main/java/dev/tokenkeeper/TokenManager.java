package dev.tokenkeeper;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;

/**
 * Keeps one access token per key ({@code endpoint_id}) and hands it out, refreshing it ahead of
 * expiry and after a 401, with at most one token request in flight per key.
 *
 * <p>Thread-safe: build one per provider and share it. The cached-token path takes no lock and does
 * no I/O; token requests run on the configured executor, never inside a lock or a cache compute.
 */
public final class TokenManager implements AutoCloseable {

  private TokenManager(Builder builder) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  public static Builder builder(TokenEndpoint endpoint) {
    return new Builder(endpoint);
  }

  /**
   * The current token for {@code key}: at once when fresh, at once plus one background refresh
   * when inside the refresh window, else after the one in-flight token request.
   *
   * @throws ReauthenticationRequiredException no token can be had without the user signing in
   * @throws TokenEndpointException the token endpoint failed and the retry budget is used up
   */
  public AccessToken token(String key) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** {@link #token} without blocking. */
  public CompletableFuture<AccessToken> tokenAsync(String key) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * A resource server rejected {@code token} (HTTP 401). Refreshes only if {@code token} is still
   * the current token of {@code key}; otherwise returns the newer token at once.
   */
  public CompletableFuture<AccessToken> rejected(String key, AccessToken token) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Stores a token obtained elsewhere, e.g. by a login callback, replacing any current one. */
  public void put(String key, TokenResponse response) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Forgets the token of {@code key}. */
  public void invalidate(String key) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Revokes the tokens of {@code key} at the provider (RFC 7009) and forgets them. */
  public CompletableFuture<Void> revoke(String key) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** The provider session's timeouts for {@code key}; {@link SessionTimeouts#NONE} if unknown. */
  public SessionTimeouts session(String key) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  @Override
  public void close() {}

  /** Builds a {@link TokenManager}; not thread-safe. */
  public static final class Builder {
    private final TokenEndpoint endpoint;
    private Function<String, TokenRequest> primaryRequest;
    private Duration refreshWindow;
    private long maximumSize = 10_000;
    private Clock clock;
    private Executor executor = ForkJoinPool.commonPool();
    private final List<TokenListener> listeners = new ArrayList<>();

    private Builder(TokenEndpoint endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      this.clock = endpoint.clock();
    }

    /** Acquire tokens with this grant, sending the key as {@code endpoint_id}. */
    public Builder primaryGrant(Grant grant) {
      Objects.requireNonNull(grant, "grant");
      return primaryRequest(key -> TokenRequest.builder(grant).endpointId(key).build());
    }

    /** Acquire tokens with the request this function builds for a key. */
    public Builder primaryRequest(Function<String, TokenRequest> requestForKey) {
      this.primaryRequest = requestForKey;
      return this;
    }

    public Builder refreshWindow(Duration refreshWindow) {
      this.refreshWindow = refreshWindow;
      return this;
    }

    public Builder maximumSize(long maximumSize) {
      this.maximumSize = maximumSize;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    public Builder listener(TokenListener listener) {
      this.listeners.add(listener);
      return this;
    }

    public TokenManager build() {
      return new TokenManager(this);
    }
  }
}

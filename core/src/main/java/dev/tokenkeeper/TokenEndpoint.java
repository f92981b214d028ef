package dev.tokenkeeper;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A provider's token endpoint (RFC 6749, section 3.2) and, optionally, its revocation endpoint
 * (RFC 7009), with the client authentication to use on both.
 *
 * <p>Immutable and thread-safe: build one per provider and share it.
 */
public final class TokenEndpoint {
  private final URI tokenUri;
  private final URI revocationUri;
  private final ClientAuthentication clientAuthentication;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final int maxResponseBytes;
  private final Duration defaultExpiresIn;
  private final Clock clock;
  private final HttpClient httpClient;

  private TokenEndpoint(Builder b) {
    this.tokenUri = Objects.requireNonNull(b.tokenUri, "tokenUri");
    this.revocationUri = b.revocationUri;
    this.clientAuthentication =
        Objects.requireNonNull(b.clientAuthentication, "clientAuthentication is required");
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.maxResponseBytes = b.maxResponseBytes;
    this.defaultExpiresIn = b.defaultExpiresIn;
    this.clock = b.clock;
    this.httpClient = b.httpClient != null
        ? b.httpClient
        : HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  public static Builder builder(URI tokenUri, ClientAuthentication clientAuthentication) {
    return new Builder(tokenUri, clientAuthentication);
  }

  /**
   * Sends the request and parses the answer.
   *
   * @throws TokenEndpointException the provider refused, answered something unusable, or could
   *     not be reached
   */
  public TokenResponse request(TokenRequest request) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** {@link #request} without blocking the caller; the future fails with {@link TokenEndpointException}. */
  public CompletableFuture<TokenResponse> requestAsync(TokenRequest request) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Revokes a token (RFC 7009, section 2.1) at the configured revocation URI.
   *
   * @param tokenTypeHint {@code access_token}, {@code refresh_token} or {@code null}
   * @throws IllegalStateException no revocation URI is configured
   */
  public CompletableFuture<Void> revokeAsync(String token, String tokenTypeHint) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Blocking {@link #revokeAsync}. */
  public void revoke(String token, String tokenTypeHint) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  public URI tokenUri() {
    return tokenUri;
  }

  /** Whether a revocation URI is configured. */
  public boolean supportsRevocation() {
    return revocationUri != null;
  }

  public ClientAuthentication clientAuthentication() {
    return clientAuthentication;
  }

  public Clock clock() {
    return clock;
  }

  @Override
  public String toString() {
    return "TokenEndpoint[tokenUri=" + tokenUri + ", revocationUri=" + revocationUri
        + ", clientAuthentication=" + clientAuthentication + "]";
  }

  /** Builds a {@link TokenEndpoint}; not thread-safe. */
  public static final class Builder {
    private final URI tokenUri;
    private final ClientAuthentication clientAuthentication;
    private URI revocationUri;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int maxResponseBytes = 256 * 1024;
    private Duration defaultExpiresIn = Duration.ofHours(1);
    private Clock clock = Clock.systemUTC();
    private HttpClient httpClient;

    private Builder(URI tokenUri, ClientAuthentication clientAuthentication) {
      this.tokenUri = tokenUri;
      this.clientAuthentication = clientAuthentication;
    }

    public Builder revocationUri(URI revocationUri) {
      this.revocationUri = revocationUri;
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    /** The largest response body read; a larger one fails the request. Default 256 KiB. */
    public Builder maxResponseBytes(int maxResponseBytes) {
      this.maxResponseBytes = maxResponseBytes;
      return this;
    }

    /** The lifetime assumed when a response has no {@code expires_in} and no JWT {@code exp}. */
    public Builder defaultExpiresIn(Duration defaultExpiresIn) {
      this.defaultExpiresIn = defaultExpiresIn;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The HTTP client to use, e.g. with a custom {@code SSLContext}; it must not follow redirects. */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    public TokenEndpoint build() {
      return new TokenEndpoint(this);
    }
  }
}

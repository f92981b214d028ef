package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.BearerHttpClient;
import dev.tokenkeeper.TokenManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;

/**
 * Makes the per-key {@link BearerHttpClient}s of one filter. They share one delegate
 * {@link HttpClient} (its connection pool and threads): a per-key client is a light wrapper.
 * Thread-safe. {@link #close()} releases the delegate when it was built here (none configured).
 */
public final class BearerClients {
  private final TokenManager manager;
  private final List<URI> allowedOrigins;
  private final HttpClient delegate;
  private volatile BearerHttpClient base;
  private boolean closed; // guarded by this

  public BearerClients(TokenManager manager, List<URI> allowedOrigins, HttpClient delegate) {
    this.manager = manager;
    this.allowedOrigins = List.copyOf(allowedOrigins);
    this.delegate = delegate;
  }

  public BearerHttpClient forKey(String key) {
    if (allowedOrigins.isEmpty()) {
      throw new IllegalStateException("TokenContext.httpClient() needs the origins it may send"
          + " tokens to: set init-param allowed-origins (e.g. https://api.example.com) or"
          + " TokenFilterConfig.Builder.allowedOrigins(...)");
    }
    BearerHttpClient b = base;
    if (b == null) {
      b = first(key);
      if (b.key().equals(key)) {
        return b;
      }
    }
    return b.withKey(key);
  }

  /** Builds the first client once: a second build would leave a delegate nobody closes. */
  private synchronized BearerHttpClient first(String key) {
    BearerHttpClient b = base;
    if (b != null) {
      return b;
    }
    if (closed) {
      throw new IllegalStateException("the TokenFilter has been destroyed: its clients are closed");
    }
    BearerHttpClient.Builder builder = BearerHttpClient.builder(manager, key)
        .allowedOrigins(allowedOrigins.toArray(URI[]::new));
    if (delegate != null) {
      builder.delegate(delegate);
    }
    b = builder.build();
    base = b;
    return b;
  }

  /** Releases the delegate built here (a configured one is the application's); idempotent. */
  public synchronized void close() {
    closed = true;
    BearerHttpClient b = base;
    if (b != null) {
      b.close();
    }
  }
}

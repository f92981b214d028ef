package dev.tokenkeeper.okhttp.internal;

/**
 * One attempt of a call, carried as a request tag from the application interceptor to the network
 * interceptor through OkHttp's redirects. Written by the call's thread only.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class Attempt {
  private final boolean tokenSent;
  private boolean sawNetwork;
  private boolean crossedOrigin;

  public Attempt(boolean tokenSent) {
    this.tokenSent = tokenSent;
  }

  /** Whether the first hop carried our token. */
  public boolean tokenSent() {
    return tokenSent;
  }

  /** Whether the network interceptor saw a hop of this attempt. */
  public boolean sawNetwork() {
    return sawNetwork;
  }

  /** Whether a redirect led to another origin. */
  public boolean crossedOrigin() {
    return crossedOrigin;
  }

  void sawHop(boolean crossed) {
    sawNetwork = true;
    crossedOrigin |= crossed;
  }
}

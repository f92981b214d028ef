package dev.tokenkeeper;

/**
 * Hears what a {@link TokenManager} does. Implementations must be thread-safe: the manager calls
 * them from several threads at once, for different keys and for the same key.
 *
 * <p>Every method has an empty default, so implement only what you need. Where each is called:
 * {@link #onToken} and {@link #onFailure} on the manager's executor, after the new state is in
 * place (so {@code token(key)} called from the listener already sees it); {@link #onRejected} on
 * the thread that called {@link TokenManager#rejected}; the session events on the thread that used
 * the key or on the manager's scheduler. Keep implementations short and non-blocking; an exception
 * thrown here is logged and otherwise ignored.
 */
public interface TokenListener {

  /** A token was obtained for {@code key} by {@code cause}. */
  default void onToken(String key, TokenResponse response, RefreshCause cause) {}

  /**
   * A token request for {@code key} failed. {@code stillServing} is {@code true} when the current
   * token is still valid and stays in service (a background refresh failed).
   */
  default void onFailure(String key, Throwable failure, boolean stillServing) {}

  /** A resource server rejected a token of {@code key} (HTTP 401). */
  default void onRejected(String key, AccessToken token) {}

  /** The provider session of {@code key} will end soon, at {@code timeouts.endsAt()}. */
  default void onSessionEnding(String key, SessionTimeouts timeouts) {}

  /** The provider session of {@code key} has ended and could not be renewed. */
  default void onSessionEnded(String key, SessionTimeouts timeouts) {}
}

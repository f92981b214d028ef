package dev.tokenkeeper.internal;

import dev.tokenkeeper.TokenEndpointException;

/**
 * A token answer that was read but refused (say, {@code token_type} "mac" or an unusable
 * {@code expires_in}), which carried a refresh token. When the request was a refresh, the provider
 * has rotated the refresh token it was sent, which is dead now: the manager keeps the rotated one
 * so that the next refresh can still work. The refresh token is never in the message or
 * {@code toString()}; the message, status and OAuth fields are the refusal's. Not part of the API.
 */
public final class RefusedTokenAnswer extends TokenEndpointException {
  private static final long serialVersionUID = 1L;

  private final transient String refreshToken;

  public RefusedTokenAnswer(TokenEndpointException refusal, String refreshToken) {
    super(refusal.getMessage(), refusal.statusCode(), refusal.error().orElse(null),
        refusal.errorDescription().orElse(null), refusal.errorUri().orElse(null),
        refusal.retryAfter().orElse(null), refusal.getCause());
    setStackTrace(refusal.getStackTrace());
    this.refreshToken = refreshToken;
  }

  /** Shown as the public type it is, never with the refresh token. */
  @Override
  public String toString() {
    return TokenEndpointException.class.getName() + ": " + getMessage();
  }

  /** The refresh token the refused answer carried; a secret. */
  public String refreshToken() {
    return refreshToken;
  }
}

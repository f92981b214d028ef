package dev.tokenkeeper;

/**
 * No token can be had for a key without the user signing in again: the refresh token was refused
 * ({@code invalid_grant}) or has expired, or the provider session is over, and no primary grant is
 * configured that could acquire a new one. Immutable.
 */
public class ReauthenticationRequiredException extends TokenKeeperException {
  private static final long serialVersionUID = 1L;

  /** The key whose session must be started again. */
  private final String key;

  /**
   * The user behind {@code key} must sign in again.
   *
   * @param key the key whose token cannot be renewed
   * @param message what happened and what to do; must not contain a secret
   * @param cause the provider's refusal, or {@code null}
   */
  public ReauthenticationRequiredException(String key, String message, Throwable cause) {
    super(message, cause);
    this.key = key;
  }

  /** The key whose session must be started again. */
  public String key() {
    return key;
  }
}

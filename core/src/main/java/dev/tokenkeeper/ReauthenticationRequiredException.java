package dev.tokenkeeper;

/**
 * No token can be had for a key without the user signing in again: the refresh token was refused
 * ({@code invalid_grant}) or has expired, or the provider session is over, and no primary grant is
 * configured that could acquire a new one.
 */
public class ReauthenticationRequiredException extends TokenKeeperException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public ReauthenticationRequiredException(String key, String message, Throwable cause) {
    super(message, cause);
    this.key = key;
  }

  /** The endpoint id whose session must be started again. */
  public String key() {
    return key;
  }
}

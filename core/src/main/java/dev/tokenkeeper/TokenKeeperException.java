package dev.tokenkeeper;

/**
 * The root of TokenKeeper's unchecked exceptions. Messages never contain a secret.
 */
public class TokenKeeperException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TokenKeeperException(String message) {
    super(message);
  }

  public TokenKeeperException(String message, Throwable cause) {
    super(message, cause);
  }
}

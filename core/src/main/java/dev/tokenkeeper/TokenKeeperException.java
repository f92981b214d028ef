package dev.tokenkeeper;

/**
 * The root of TokenKeeper's unchecked exceptions. Messages never contain a secret. Immutable, as
 * far as a {@code Throwable} can be (its stack trace and suppressed list are the JDK's).
 */
public class TokenKeeperException extends RuntimeException {
  private static final long serialVersionUID = 1L;

/** A failure described by {@code message}, which must not contain a secret. */
  public TokenKeeperException(String message) {
    super(message);
  }

/** A failure described by {@code message}, caused by {@code cause}. */
  public TokenKeeperException(String message, Throwable cause) {
    super(message, cause);
  }
}

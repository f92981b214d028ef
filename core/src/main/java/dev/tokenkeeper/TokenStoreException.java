package dev.tokenkeeper;

/**
 * A shared {@link TokenStore} could not do what was asked: it cannot be reached, it timed out,
 * a stored value could not be decrypted, or the instance holding a key's lease neither wrote nor
 * let the lease lapse within the store's maximum wait. The {@link TokenManager} falls back to
 * its own per-instance behaviour on these; they reach callers only through listeners. Messages
 * never contain a secret.
 *
 * <p>Immutable once thrown, like every exception of this library; safe to hand between threads.
 */
public class TokenStoreException extends TokenKeeperException {
  private static final long serialVersionUID = 1L;

  public TokenStoreException(String message) {
    super(message);
  }

  public TokenStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}

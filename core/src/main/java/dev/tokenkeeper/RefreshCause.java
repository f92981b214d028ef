package dev.tokenkeeper;

/** Why TokenKeeper asked the token endpoint for a new token. Immutable (an enum). */
public enum RefreshCause {
  /** No token was held for the key. */
  INITIAL,
  /** The token entered its refresh window; callers kept using the current one meanwhile. */
  AHEAD_OF_EXPIRY,
  /** The token had expired; callers waited for the new one. */
  EXPIRED,
  /** A resource server rejected the token (HTTP 401). */
  REJECTED,
  /** The refresh token or the provider session was over; the primary grant was used again. */
  REACQUIRED
}

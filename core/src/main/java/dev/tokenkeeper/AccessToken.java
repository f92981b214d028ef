package dev.tokenkeeper;

import dev.tokenkeeper.internal.B64Token;
import java.time.Instant;
import java.util.Objects;

/**
 * An access token as a caller attaches it to a request: its value, type, scope and the absolute
 * instant it expires. Immutable and thread-safe.
 *
 * <p>{@link #toString()} never shows the token's value.
 */
public final class AccessToken {
  private final String value;
  private final String tokenType;
  private final String scope;
  private final Instant expiresAt;
  /**
   * Built once per token, so that the per-call path that attaches it ({@link BearerHttpClient},
   * the adapters) allocates nothing.
   */
  private final String authorizationHeader;

  private AccessToken(String value, String tokenType, String scope, Instant expiresAt) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("access_token must be a non-empty string");
    }
    String violation = B64Token.violation(value);
    if (violation != null) {
      // The value is not shown: it is a secret, and it may hold anything (CR LF, a header).
      throw new IllegalArgumentException("access_token is not an RFC 6750 b64token (" + violation
          + "); it could not be sent in an Authorization: Bearer header");
    }
    this.value = value;
    this.tokenType = Objects.requireNonNull(tokenType, "tokenType");
    this.scope = scope;
    this.expiresAt = Objects.requireNonNull(expiresAt, "expiresAt");
    this.authorizationHeader = "Bearer " + value;
  }

  /**
   * A bearer token with the given value and expiry.
   *
   * @throws IllegalArgumentException the value is empty or not an RFC 6750 {@code b64token},
   *     so it could not be sent in an {@code Authorization} header (the message does not show it)
   */
  public static AccessToken bearer(String value, Instant expiresAt) {
    return new AccessToken(value, "Bearer", null, expiresAt);
  }

  /**
   * A token of the given type, scope (may be {@code null}) and expiry.
   *
   * @throws IllegalArgumentException as {@link #bearer}
   */
  public static AccessToken of(String value, String tokenType, String scope, Instant expiresAt) {
    return new AccessToken(value, tokenType, scope, expiresAt);
  }

  /** The token itself; a secret. */
  public String value() {
    return value;
  }

  /** The {@code token_type} as the provider spelled it ({@code bearer}, {@code Bearer}). */
  public String tokenType() {
    return tokenType;
  }

  /** The space-separated {@code scope}, or {@code null} when the provider did not say. */
  public String scope() {
    return scope;
  }

  /** When the token expires, from the arrival time of the response plus {@code expires_in}. */
  public Instant expiresAt() {
    return expiresAt;
  }

  /**
   * The value of an {@code Authorization} header that carries this token
   * ({@code Bearer <token>}, RFC 6750, section 2.1). Built once when the token is made, so every
   * call returns the same string and allocates nothing.
   */
  public String authorizationHeader() {
    return authorizationHeader;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccessToken other
        && value.equals(other.value)
        && tokenType.equals(other.tokenType)
        && Objects.equals(scope, other.scope)
        && expiresAt.equals(other.expiresAt);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return "AccessToken[value=██, tokenType=" + tokenType + ", scope=" + scope
        + ", expiresAt=" + expiresAt + "]";
  }
}

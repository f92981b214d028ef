package dev.tokenkeeper;

import dev.tokenkeeper.internal.IdTokens;
import dev.tokenkeeper.internal.Lifetimes;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A successful token response (RFC 6749, section 5.1) with every field of RingCentral's
 * {@code TokenInfo}, and the absolute instants derived from the moment the response arrived.
 * Fields the provider sent that TokenKeeper does not know are kept in {@link #additionalFields()}.
 *
 * <p>Lifetimes longer than 100 years (a provider's way of saying "never", such as
 * {@code expires_in} 10^16) are read as 100 years, and an instant derived from one that would lie
 * past {@link Instant#MAX} is {@link Instant#MAX}, so every duration and instant here can be
 * converted to nanoseconds and compared without overflow.
 *
 * <p>Immutable and thread-safe. {@code toString()} never shows the access token, the refresh token
 * or the ID token.
 */
public final class TokenResponse {
  private final AccessToken accessToken;
  private final Instant receivedAt;
  private final Duration expiresIn;
  private final String refreshToken;
  private final Duration refreshTokenExpiresIn;
  private final String ownerId;
  private final String endpointId;
  private final String idToken;
  private final Duration sessionExpiresIn;
  private final Instant sessionExpirationTime;
  private final String sessionId;
  private final Duration sessionIdleTimeout;
  private final Map<String, Object> additionalFields;

  private TokenResponse(Builder b) {
    this.receivedAt = Objects.requireNonNull(b.receivedAt, "receivedAt is required");
    if (b.expiresIn == null || b.expiresIn.isNegative()) {
      throw new IllegalArgumentException(
          "expires_in must be zero or a positive number of seconds; got " + b.expiresIn);
    }
    this.expiresIn = Lifetimes.atMost(b.expiresIn);
    this.accessToken = AccessToken.of(b.accessToken, b.tokenType, b.scope,
        Lifetimes.plus(receivedAt, expiresIn));
    this.refreshToken = b.refreshToken;
    this.refreshTokenExpiresIn = Lifetimes.atMost(b.refreshTokenExpiresIn);
    this.ownerId = b.ownerId;
    this.endpointId = b.endpointId;
    this.idToken = b.idToken;
    this.sessionExpiresIn = Lifetimes.atMost(b.sessionExpiresIn);
    this.sessionExpirationTime = b.sessionExpirationTime;
    this.sessionId = b.sessionId;
    this.sessionIdleTimeout = Lifetimes.atMost(b.sessionIdleTimeout);
    this.additionalFields = Collections.unmodifiableMap(new LinkedHashMap<>(b.additionalFields));
  }

/**
 * A builder of a response carrying {@code accessToken}, received at {@code receivedAt} (the
 * instant its lifetimes run from): for tests, and for tokens obtained outside TokenKeeper.
 */
  public static Builder builder(String accessToken, Instant receivedAt) {
    return new Builder(accessToken, receivedAt);
  }

  /** The access token, with its type, scope and absolute expiry. */
  public AccessToken accessToken() {
    return accessToken;
  }

  /** When the response arrived, on the endpoint's clock. */
  public Instant receivedAt() {
    return receivedAt;
  }

  /** {@code expires_in} (or the fallback used when it was missing). */
  public Duration expiresIn() {
    return expiresIn;
  }

  /** {@code receivedAt + expires_in}. */
  public Instant expiresAt() {
    return accessToken.expiresAt();
  }

  /** {@code token_type} as sent; compare it case-insensitively. */
  public String tokenType() {
    return accessToken.tokenType();
  }

  /** {@code scope}, when sent. */
  public Optional<String> scope() {
    return Optional.ofNullable(accessToken.scope());
  }

  /** {@code refresh_token}, when issued; a secret. */
  public Optional<String> refreshToken() {
    return Optional.ofNullable(refreshToken);
  }

  /** {@code refresh_token_expires_in}, when sent. */
  public Optional<Duration> refreshTokenExpiresIn() {
    return Optional.ofNullable(refreshTokenExpiresIn);
  }

  /** {@code receivedAt + refresh_token_expires_in}, when sent. */
  public Optional<Instant> refreshTokenExpiresAt() {
    return refreshTokenExpiresIn().map(d -> Lifetimes.plus(receivedAt, d));
  }

  /** {@code owner_id}, when sent. */
  public Optional<String> ownerId() {
    return Optional.ofNullable(ownerId);
  }

  /** {@code endpoint_id}, when sent. */
  public Optional<String> endpointId() {
    return Optional.ofNullable(endpointId);
  }

  /** {@code id_token} (OpenID Connect), when sent; a secret. */
  public Optional<String> idToken() {
    return Optional.ofNullable(idToken);
  }

  /**
   * The <strong>unverified</strong> claims of the {@code id_token}, when one was sent, as parsed
   * JSON values (numeric dates such as {@code exp} as epoch seconds): only decoded, with no check
   * of the signature, issuer, audience, expiry or nonce, so anyone able to put a token in this
   * response could have written them. Never base an authentication or authorization decision on
   * them; the servlet module's {@code LoginFilter} verifies ID tokens against the provider's keys
   * and offers the verified claims as {@code TokenContext.claims()}.
   *
   * @throws IllegalStateException the {@code id_token} is not a readable JWT (the message does
   *     not show it)
   */
  public Optional<Map<String, Object>> idTokenClaims() {
    return idToken().map(IdTokens::claims);
  }

  /** {@code session_expires_in}, when sent. */
  public Optional<Duration> sessionExpiresIn() {
    return Optional.ofNullable(sessionExpiresIn);
  }

  /** {@code session_expiration_time}, when sent. */
  public Optional<Instant> sessionExpirationTime() {
    return Optional.ofNullable(sessionExpirationTime);
  }

  /**
   * The absolute end of the provider session: {@code session_expiration_time}, else
   * {@code receivedAt + session_expires_in}; empty when no absolute timeout is enforced.
   */
  public Optional<Instant> sessionExpiresAt() {
    if (sessionExpirationTime != null) {
      return Optional.of(sessionExpirationTime);
    }
    return sessionExpiresIn().map(d -> Lifetimes.plus(receivedAt, d));
  }

  /** {@code session_id}, when sent. */
  public Optional<String> sessionId() {
    return Optional.ofNullable(sessionId);
  }

  /** {@code session_idle_timeout}, when sent: the session ends after this long without use. */
  public Optional<Duration> sessionIdleTimeout() {
    return Optional.ofNullable(sessionIdleTimeout);
  }

  /** Fields of the response that have no accessor here, as parsed JSON values. */
  public Map<String, Object> additionalFields() {
    return additionalFields;
  }

  @Override
  public String toString() {
    return "TokenResponse[accessToken=██, tokenType=" + tokenType()
        + ", expiresAt=" + expiresAt()
        + ", scope=" + accessToken.scope()
        + ", refreshToken=" + (refreshToken == null ? "none" : "██")
        + ", refreshTokenExpiresAt=" + refreshTokenExpiresAt().orElse(null)
        + ", ownerId=" + ownerId
        + ", endpointId=" + endpointId
        + ", idToken=" + (idToken == null ? "none" : "██")
        + ", sessionId=" + sessionId
        + ", sessionExpiresAt=" + sessionExpiresAt().orElse(null)
        + ", sessionIdleTimeout=" + sessionIdleTimeout
        + ", additionalFields=" + additionalFields.keySet() + "]";
  }

  /** Builds a {@link TokenResponse}, for tests and for tokens obtained elsewhere; not thread-safe. */
  public static final class Builder {
    private final String accessToken;
    private final Instant receivedAt;
    private String tokenType = "bearer";
    private String scope;
    private Duration expiresIn;
    private String refreshToken;
    private Duration refreshTokenExpiresIn;
    private String ownerId;
    private String endpointId;
    private String idToken;
    private Duration sessionExpiresIn;
    private Instant sessionExpirationTime;
    private String sessionId;
    private Duration sessionIdleTimeout;
    private final Map<String, Object> additionalFields = new LinkedHashMap<>();

    private Builder(String accessToken, Instant receivedAt) {
      this.accessToken = accessToken;
      this.receivedAt = receivedAt;
    }

    /** {@code token_type}; default {@code bearer}. */
    public Builder tokenType(String tokenType) {
      this.tokenType = tokenType;
      return this;
    }

    /** {@code scope} the token was granted for, or {@code null}. */
    public Builder scope(String scope) {
      this.scope = scope;
      return this;
    }

    /** {@code expires_in}, from {@code receivedAt}. */
    public Builder expiresIn(Duration expiresIn) {
      this.expiresIn = expiresIn;
      return this;
    }

    /** {@code refresh_token}, or {@code null} for none. */
    public Builder refreshToken(String refreshToken) {
      this.refreshToken = refreshToken;
      return this;
    }

    /** {@code refresh_token_expires_in}, from {@code receivedAt}, or {@code null}. */
    public Builder refreshTokenExpiresIn(Duration refreshTokenExpiresIn) {
      this.refreshTokenExpiresIn = refreshTokenExpiresIn;
      return this;
    }

    /** RingCentral's {@code owner_id}, or {@code null}. */
    public Builder ownerId(String ownerId) {
      this.ownerId = ownerId;
      return this;
    }

    /** RingCentral's {@code endpoint_id} as the provider sent it, or {@code null}. */
    public Builder endpointId(String endpointId) {
      this.endpointId = endpointId;
      return this;
    }

    /** OpenID Connect's {@code id_token}, or {@code null}. */
    public Builder idToken(String idToken) {
      this.idToken = idToken;
      return this;
    }

    /** {@code session_expires_in}, from {@code receivedAt}, or {@code null}. */
    public Builder sessionExpiresIn(Duration sessionExpiresIn) {
      this.sessionExpiresIn = sessionExpiresIn;
      return this;
    }

    /** {@code session_expiration_time}, or {@code null}. */
    public Builder sessionExpirationTime(Instant sessionExpirationTime) {
      this.sessionExpirationTime = sessionExpirationTime;
      return this;
    }

    /** {@code session_id}, or {@code null}. */
    public Builder sessionId(String sessionId) {
      this.sessionId = sessionId;
      return this;
    }

    /** {@code session_idle_timeout}, or {@code null} for none. */
    public Builder sessionIdleTimeout(Duration sessionIdleTimeout) {
      this.sessionIdleTimeout = sessionIdleTimeout;
      return this;
    }

    /** A response member TokenKeeper has no accessor for, kept as it is. */
    public Builder additionalField(String name, Object value) {
      this.additionalFields.put(name, value);
      return this;
    }

    /** The response. */
    public TokenResponse build() {
      return new TokenResponse(this);
    }
  }
}

package dev.tokenkeeper;

import java.util.Objects;

/**
 * The rules of one provider's token API beyond RFC 6749: a function that checks and normalises a
 * {@link TokenRequest} before {@link TokenEndpoint} sends it. Dialects compose with
 * {@link #andThen}; set one with {@link TokenEndpoint.Builder#dialect}.
 *
 * <p>Implementations must be immutable and thread-safe; the ones here are. A dialect throws
 * {@link IllegalArgumentException} with a message naming the field and the rule when a request
 * breaks it, and never shows a secret.
 *
 * <pre>{@code
 * TokenEndpoint endpoint = TokenEndpoint.builder(uri, ClientAuthentication.basic(id, secret))
 *     .dialect(Dialect.ringCentralLegacy())
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface Dialect {
  /** The smallest {@code access_token_ttl} the legacy password request accepts: 600 s. */
  int LEGACY_MIN_ACCESS_TOKEN_TTL = 600;

  /** The largest (and default) {@code access_token_ttl} of the legacy password request: 3600 s. */
  int LEGACY_MAX_ACCESS_TOKEN_TTL = 3600;

  /**
   * The request as it should be sent.
   *
   * @throws IllegalArgumentException the request breaks a rule of this dialect
   */
  TokenRequest apply(TokenRequest request);

  /** This dialect, then {@code next}. */
  default Dialect andThen(Dialect next) {
    Objects.requireNonNull(next, "next");
    return request -> next.apply(apply(request));
  }

  /** RFC 6749 and the RingCentral {@code GetTokenRequest} shapes as they are: no change. */
  static Dialect standard() {
    return request -> request;
  }

  /**
   * RingCentral's legacy password request ({@code Body2}, seed 000). The provider clamps
   * {@code access_token_ttl} to 600..3600 seconds (a larger value becomes the 3600 s default, a
   * smaller one the 600 s minimum); this dialect applies the same clamp before sending, so that
   * the request says what the provider will do and a caller that reads it back is not misled.
   * A {@code refresh_token_ttl <= 0} is sent as it is: it asks the provider not to issue a
   * refresh token (see {@link TokenRequest#refreshTokenRequested()}).
   */
  static Dialect ringCentralLegacy() {
    return request -> {
      Integer ttl = request.accessTokenTtl();
      if (ttl == null) {
        return request;
      }
      int clamped = clampLegacyAccessTokenTtl(ttl);
      return clamped == ttl ? request : request.toBuilder().accessTokenTtl(clamped).build();
    };
  }

  /**
   * The generated SDK's {@code AuthTokenRequest} (seed 003): {@code scope} is required when
   * {@code grant_type} is {@code client_credentials}.
   */
  static Dialect clientCredentialsRequireScope() {
    return request -> {
      if (request.grant() instanceof Grant.ClientCredentials && request.scope() == null) {
        throw new IllegalArgumentException(
            "scope is required when grant_type is client_credentials in this provider's dialect"
                + " (a space-delimited list such as \"/accounts.read /accounts.write\"): set"
                + " TokenRequest.Builder.scope");
      }
      return request;
    };
  }

  /** The legacy clamp of {@code access_token_ttl}: below 600 gives 600, above 3600 gives 3600. */
  static int clampLegacyAccessTokenTtl(int seconds) {
    return Math.max(LEGACY_MIN_ACCESS_TOKEN_TTL, Math.min(LEGACY_MAX_ACCESS_TOKEN_TTL, seconds));
  }
}

package dev.tokenkeeper;

import java.util.Objects;
import java.util.Optional;

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

  /**
   * The {@link TokenBudget} this provider publishes, which {@link TokenEndpoint} applies unless
   * {@link TokenEndpoint.Builder#budget} says otherwise. None by default.
   */
  default Optional<TokenBudget> budget() {
    return Optional.empty();
  }

  /**
   * This dialect, then {@code next}. The composed dialect's {@link #budget()} is {@code next}'s
   * when it has one, else this one's.
   */
  default Dialect andThen(Dialect next) {
    Objects.requireNonNull(next, "next");
    Dialect first = this;
    return new Dialect() {
      @Override
      public TokenRequest apply(TokenRequest request) {
        return next.apply(first.apply(request));
      }

      @Override
      public Optional<TokenBudget> budget() {
        return next.budget().or(first::budget);
      }
    };
  }

  /** This dialect with {@code budget} as its {@link #budget()}. */
  default Dialect withBudget(TokenBudget budget) {
    Objects.requireNonNull(budget, "budget");
    Dialect rules = this;
    return new Dialect() {
      @Override
      public TokenRequest apply(TokenRequest request) {
        return rules.apply(request);
      }

      @Override
      public Optional<TokenBudget> budget() {
        return Optional.of(budget);
      }
    };
  }

  /** RFC 6749 and the RingCentral {@code GetTokenRequest} shapes as they are: no change. */
  static Dialect standard() {
    return request -> request;
  }

  /**
   * RingCentral's token API: requests as they are, and RingCentral's published rate limit for
   * its "Auth" API group as the endpoint's budget, {@link TokenBudget#RINGCENTRAL_AUTH} (5
   * requests per 60 seconds). RingCentral answers requests beyond it with 429 and
   * {@code Retry-After}, and suspends applications that keep exceeding it. Change the budget with
   * {@link TokenEndpoint.Builder#budget}, for example to a higher endpoint limit with 5 per 60
   * seconds per key, the rate-limit guide's "per user" reading.
   */
  static Dialect ringCentral() {
    return standard().withBudget(TokenBudget.RINGCENTRAL_AUTH);
  }

  /**
   * RingCentral's legacy password request ({@code Body2}, seed 000). The provider clamps
   * {@code access_token_ttl} to 600..3600 seconds (a larger value becomes the 3600 s default, a
   * smaller one the 600 s minimum); this dialect applies the same clamp before sending, so that
   * the request says what the provider will do and a caller that reads it back is not misled.
   * A {@code refresh_token_ttl <= 0} is sent as it is: it asks the provider not to issue a
   * refresh token (see {@link TokenRequest#refreshTokenRequested()}). Like
   * {@link #ringCentral()}, it brings RingCentral's budget, {@link TokenBudget#RINGCENTRAL_AUTH}.
   */
  static Dialect ringCentralLegacy() {
    Dialect clamp = request -> {
      Integer ttl = request.accessTokenTtl();
      if (ttl == null) {
        return request;
      }
      int clamped = clampLegacyAccessTokenTtl(ttl);
      return clamped == ttl ? request : request.toBuilder().accessTokenTtl(clamped).build();
    };
    return clamp.withBudget(TokenBudget.RINGCENTRAL_AUTH);
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

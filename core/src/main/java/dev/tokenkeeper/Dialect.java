package dev.tokenkeeper;

import dev.tokenkeeper.internal.Keys;
import dev.tokenkeeper.internal.RingCentralDialect;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules of one provider's token API beyond RFC 6749: a function that checks and normalises a
 * {@link TokenRequest} before {@link TokenEndpoint} sends it, and the choice of whether and how a
 * {@link TokenManager} key is sent as the request's {@code endpoint_id}
 * ({@link #endpointIdFor}). Dialects compose with {@link #andThen}; set one with
 * {@link TokenEndpoint.Builder#dialect}.
 *
 * <p><b>Keys and {@code endpoint_id}.</b> A {@link TokenManager} key is any string of 1 to
 * {@value TokenManager#MAX_KEY_LENGTH} characters without control characters. With
 * {@link #standard()} (plain RFC 6749, the default) nothing is sent for it: the key only names the
 * token in the cache. With {@link #ringCentral()} and {@link #ringCentralLegacy()} the key is sent
 * as {@code endpoint_id} (RingCentral's client instance id), unchanged when it fits RingCentral's
 * rule {@code [a-zA-Z0-9_\-]{1,64}}, otherwise as the stable derived id
 * {@link #ringCentralEndpointId(String)}.
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
   * The {@code endpoint_id} a {@link TokenManager} sends for {@code key} when it acquires a token
   * with its primary grant or refreshes one, or empty to send none. The default sends none.
   *
   * @param key a valid key (1 to {@value TokenManager#MAX_KEY_LENGTH} characters, no control
   *     characters)
   * @return the {@code endpoint_id} to send, or empty
   */
  default Optional<String> endpointIdFor(String key) {
    return Optional.empty();
  }

  /**
   * The {@link TokenBudget} this provider publishes, which {@link TokenEndpoint} applies unless
   * {@link TokenEndpoint.Builder#budget} says otherwise. None by default.
   *
   * @return the provider's budget, or empty
   */
  default Optional<TokenBudget> budget() {
    return Optional.empty();
  }

  /**
   * This dialect, then {@code next}: {@code next} checks and normalises what this one returns; a
   * key's {@code endpoint_id} is the one this dialect chooses, else the one {@code next} chooses;
   * the {@link #budget()} is {@code next}'s when it has one, else this one's.
   *
   * @param next the dialect applied second
   * @return the composed dialect
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
      public Optional<String> endpointIdFor(String key) {
        Optional<String> chosen = first.endpointIdFor(key);
        return chosen.isPresent() ? chosen : next.endpointIdFor(key);
      }

      @Override
      public Optional<TokenBudget> budget() {
        return next.budget().or(first::budget);
      }
    };
  }

  /**
   * This dialect with {@code budget} as its {@link #budget()}; its rules and endpoint ids stay.
   *
   * @param budget the provider's budget
   * @return the dialect with that budget
   */
  default Dialect withBudget(TokenBudget budget) {
    Objects.requireNonNull(budget, "budget");
    Dialect rules = this;
    return new Dialect() {
      @Override
      public TokenRequest apply(TokenRequest request) {
        return rules.apply(request);
      }

      @Override
      public Optional<String> endpointIdFor(String key) {
        return rules.endpointIdFor(key);
      }

      @Override
      public Optional<TokenBudget> budget() {
        return Optional.of(budget);
      }
    };
  }

  /**
   * RFC 6749 and the request shapes of RingCentral's token API as they are: no change, and no
   * {@code endpoint_id} sent for a key (set one yourself with
   * {@link TokenManager.Builder#primaryRequest} if your provider wants one).
   */
  static Dialect standard() {
    return request -> request;
  }

  /**
   * RingCentral's token API: requests are sent as they are; a {@link TokenManager} key is sent
   * as {@code endpoint_id}, unchanged when it matches {@link TokenRequest#ENDPOINT_ID}
   * ({@code [a-zA-Z0-9_\-]{1,64}}), otherwise as {@link #ringCentralEndpointId(String)}, so that
   * a key such as {@code alice@example.com} works and keeps the same client instance id across
   * refreshes, restarts and versions; and RingCentral's published rate limit for its "Auth" API
   * group is the endpoint's budget, {@link TokenBudget#RINGCENTRAL_AUTH} (5 requests per 60
   * seconds). RingCentral answers requests beyond it with 429 and {@code Retry-After}, and
   * suspends applications that keep exceeding it. Change the budget with
   * {@link TokenEndpoint.Builder#budget}, for example to a higher endpoint limit with 5 per 60
   * seconds per key, the rate-limit guide's "per user" reading.
   *
   * @return RingCentral's dialect
   */
  static Dialect ringCentral() {
    return RingCentralDialect.INSTANCE;
  }

  /**
   * The {@code endpoint_id} that {@link #ringCentral()} sends for {@code key}: {@code key} itself
   * when it matches {@code [a-zA-Z0-9_\-]{1,64}}; otherwise the unpadded base64url encoding
   * (RFC 4648, section 5) of the SHA-256 digest of the key's UTF-8 bytes, 43 characters, for
   * example {@code alice@example.com} gives {@code "_42YGfwOEr8NJIkuRZh-JJoo3Og2qFytYOKOqqjG2XY"}.
   * The derivation never changes between versions. Two different keys get the same id only if
   * one of them is itself a 43-character id derived from the other; if your keys come from
   * user input (user names), prefix them to rule that out.
   *
   * @param key a key
   * @return the {@code endpoint_id} for it
   * @throws IllegalArgumentException {@code key} is not a valid key
   */
  static String ringCentralEndpointId(String key) {
    return Keys.ringCentralEndpointId(Keys.check(key));
  }

  /**
   * RingCentral's legacy password request, with the keys and the budget of
   * {@link #ringCentral()} (the key as the legacy {@code endpointId}). The provider clamps
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
    return ringCentral().andThen(clamp);
  }

  /**
   * For providers whose token endpoint requires {@code scope} when {@code grant_type} is
   * {@code client_credentials}: such a request without one is refused before it is sent.
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

package dev.tokenkeeper.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenResponse;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the answer of a token endpoint (RFC 6749, sections 5.1 and 5.2) or a revocation endpoint
 * (RFC 7009, section 2.2) into a {@link TokenResponse} or a {@link TokenEndpointException} whose
 * message names the problem: never a raw parser message, never a secret.
 *
 * <p>Immutable and thread-safe. Not part of the API.
 */
public final class TokenResponseParser {
  /** The fields of RingCentral's token response ({@code TokenInfo}) that have an accessor. */
  static final Set<String> KNOWN_FIELDS = Set.of(
      "access_token", "token_type", "expires_in", "scope", "refresh_token",
      "refresh_token_expires_in", "owner_id", "endpoint_id", "id_token", "session_expires_in",
      "session_expiration_time", "session_id", "session_idle_timeout");

  private static final int MAX_DESCRIPTION = 300;

  /** Seconds as a numeric string: any number of digits (more than 18 saturate). */
  private static final Pattern WHOLE_NUMBER = Pattern.compile("-?\\d+");

  private final Clock clock;
  private final Duration defaultExpiresIn;

  /**
   * @param clock reads {@code Retry-After} HTTP-dates
   * @param defaultExpiresIn the lifetime assumed without {@code expires_in} and JWT {@code exp}
   */
  public TokenResponseParser(Clock clock, Duration defaultExpiresIn) {
    this.clock = clock;
    this.defaultExpiresIn = defaultExpiresIn;
  }

  /**
   * The token response, or the exception that explains why there is none.
   *
   * @param receivedAt when the response arrived: the base of every relative lifetime
   */
  public TokenResponse parseTokenResponse(
      int status, HttpHeaders headers, byte[] body, Instant receivedAt, Redactor redactor)
      throws TokenEndpointException {
    Answer answer = new Answer("token endpoint", status, headers, body, redactor);
    if (status < 200 || status > 299) {
      throw answer.failure();
    }
    Map<String, Object> json = answer.jsonObject("a token response must be a JSON object"
        + " (RFC 6749, section 5.1)");
    if (!json.containsKey("access_token") && json.get("error") instanceof String) {
      // Some providers say no with 200 and an error body; believe the body.
      throw answer.oauthError(json);
    }
    try {
      return toTokenResponse(json, receivedAt, answer);
    } catch (TokenEndpointException refused) {
      // The answer was read: a refresh token in it is the provider's rotation, and the one that
      // was sent is dead now. Hand it over with the refusal (never in the message).
      if (json.get("refresh_token") instanceof String rotated && !rotated.isEmpty()) {
        throw new RefusedTokenAnswer(refused, rotated);
      }
      throw refused;
    }
  }

  /** Succeeds on 2xx (RFC 7009, section 2.2: 200 also for an unknown token), else throws. */
  public void checkRevocationResponse(
      int status, HttpHeaders headers, byte[] body, Redactor redactor)
      throws TokenEndpointException {
    if (status < 200 || status > 299) {
      throw new Answer("revocation endpoint", status, headers, body, redactor).failure();
    }
  }

  private TokenResponse toTokenResponse(Map<String, Object> json, Instant receivedAt, Answer a) {
    String accessToken = a.string(json, "access_token");
    if (accessToken == null || accessToken.isEmpty()) {
      throw a.problem("without access_token; a token response must contain a non-empty"
          + " access_token (RFC 6749, section 5.1)");
    }
    String notB64token = B64Token.violation(accessToken);
    if (notB64token != null) {
      throw a.problem("with an access_token that is not an RFC 6750 b64token (" + notB64token
          + "); it could not be sent in an Authorization header and is not shown");
    }
    String tokenType = a.string(json, "token_type");
    if (tokenType == null) {
      throw a.problem("without token_type; a token response must say token_type \"bearer\""
          + " (RFC 6749, section 5.1)");
    }
    if (!"bearer".equals(tokenType.toLowerCase(Locale.ROOT))) {
      throw a.problem("with token_type \"" + a.shortValue(tokenType) + "\"; TokenKeeper supports"
          + " only bearer tokens (RFC 6750), compared case-insensitively");
    }
    Duration expiresIn = a.seconds(json, "expires_in");
    if (expiresIn == null) {
      expiresIn = expiryOfJwt(accessToken, receivedAt);
      if (expiresIn.isZero()) {
        throw a.problem("without expires_in and with a JWT access token whose exp has passed;"
            + " the token is expired on arrival, so it is never served (check the clocks of"
            + " the provider and this host)");
      }
    } else if (expiresIn.isZero()) {
      // RFC 6749, section 5.1: the lifetime in seconds. 0 is a token expired on arrival, which
      // must never be served; a provider that means "unknown" omits the member instead.
      throw a.problem("with expires_in 0; the token is expired on arrival, so it is never"
          + " served (a provider whose tokens have no known lifetime omits expires_in)");
    }
    TokenResponse.Builder builder = TokenResponse.builder(accessToken, receivedAt)
        .tokenType(tokenType)
        .expiresIn(expiresIn)
        .scope(a.string(json, "scope"))
        .refreshToken(a.string(json, "refresh_token"))
        .refreshTokenExpiresIn(a.seconds(json, "refresh_token_expires_in"))
        .ownerId(a.string(json, "owner_id"))
        .endpointId(a.string(json, "endpoint_id"))
        .idToken(a.string(json, "id_token"))
        .sessionExpiresIn(a.seconds(json, "session_expires_in"))
        .sessionExpirationTime(a.instant(json, "session_expiration_time"))
        .sessionId(a.string(json, "session_id"))
        .sessionIdleTimeout(a.seconds(json, "session_idle_timeout"));
    for (Map.Entry<String, Object> field : json.entrySet()) {
      if (!KNOWN_FIELDS.contains(field.getKey())) {
        builder.additionalField(field.getKey(), field.getValue());
      }
    }
    return builder.build();
  }

  /** Without {@code expires_in}: the {@code exp} of a JWT access token, else the default. */
  private Duration expiryOfJwt(String accessToken, Instant receivedAt) {
    try {
      JWT jwt = JWTParser.parse(accessToken);
      Date exp = jwt.getJWTClaimsSet().getExpirationTime();
      if (exp != null) {
        Duration left = Duration.between(receivedAt, exp.toInstant());
        return left.isNegative() ? Duration.ZERO : Lifetimes.atMost(left);
      }
    } catch (ParseException | RuntimeException opaque) {
      // An opaque token is no error: fall through to the configured default.
    }
    return defaultExpiresIn;
  }

  /** One HTTP answer being read; builds the exceptions that describe it. */
  private final class Answer {
    private final String endpoint;
    private final int status;
    private final HttpHeaders headers;
    private final byte[] body;
    private final Redactor redactor;

    Answer(String endpoint, int status, HttpHeaders headers, byte[] body, Redactor redactor) {
      this.endpoint = endpoint;
      this.status = status;
      this.headers = headers;
      this.body = body;
      this.redactor = redactor;
    }

    private Duration retryAfter() {
      return RetryAfter.parse(headers.firstValue("Retry-After").orElse(null), clock);
    }

    private String prefix() {
      return "the " + endpoint + " answered HTTP " + status;
    }

    TokenEndpointException problem(String what) {
      return new TokenEndpointException(prefix() + " " + what, status, null, null, null,
          retryAfter(), null);
    }

    /** A non-2xx answer: an OAuth error if the body is one, else a description of the body. */
    TokenEndpointException failure() {
      if (status >= 300 && status <= 399) {
        String location = headers.firstValue("Location").map(this::safeUri).orElse("nowhere");
        return problem("(a redirect to " + location + "); token and revocation requests are not"
            + " redirected: configure the endpoint's final URL");
      }
      String text = text();
      if (text.isBlank()) {
        return problem("with an empty body");
      }
      if (looksLikeJson(text)) {
        Map<String, Object> json;
        try {
          json = JSONObjectUtils.parse(text);
        } catch (ParseException | RuntimeException malformed) {
          return problem("with malformed JSON (" + body.length + " bytes, truncated or invalid)");
        }
        if (json.get("error") instanceof String) {
          return oauthError(json);
        }
        return problem("with a JSON body that has no \"error\" member (RFC 6749, section 5.2)");
      }
      return problem("with " + mediaType() + " instead of JSON: \"" + redactor.excerpt(text) + "\"");
    }

    /** RFC 6749, section 5.2. */
    TokenEndpointException oauthError(Map<String, Object> json) {
      String raw = (String) json.get("error");
      if (!isErrorCode(raw)) {
        return problem("with an \"error\" member outside RFC 6749's character set (section 5.2:"
            + " printable ASCII except \" and \\); it is not shown");
      }
      // Masked like error_description: a server may echo the request in it, and applications
      // (the servlet filter's error body among them) show the code.
      String error = redactor.redact(raw);
      String description = json.get("error_description") instanceof String s ? s : null;
      String uri = json.get("error_uri") instanceof String s ? s : null;
      Duration retryAfter = retryAfter();
      StringBuilder message = new StringBuilder(prefix()).append(" ")
          .append(shortValue(error));
      if (description != null) {
        message.append(": ").append(shortDescription(description));
      }
      if (uri != null) {
        message.append(" (see ").append(shortValue(redactor.redact(uri))).append(")");
      }
      if (retryAfter != null) {
        message.append("; retry after ").append(retryAfter.toSeconds()).append(" s");
      }
      // The fields too, not only the message: applications log and show them.
      return new TokenEndpointException(message.toString(), status, error,
          redactor.redact(description), redactor.redact(uri), retryAfter, null);
    }

    Map<String, Object> jsonObject(String rule) {
      String text = text();
      if (text.isBlank()) {
        throw problem("with an empty body; " + rule);
      }
      if (!looksLikeJson(text)) {
        throw problem("with " + mediaType() + " instead of JSON: \"" + redactor.excerpt(text)
            + "\"; " + rule);
      }
      if (text.stripLeading().startsWith("[")) {
        throw problem("with a JSON array; " + rule);
      }
      try {
        return JSONObjectUtils.parse(text);
      } catch (ParseException | RuntimeException malformed) {
        DuplicateMembers duplicates = DuplicateMembers.scan(text);
        if (duplicates != null && !duplicates.names.isEmpty()) {
          throw duplicates.refusal(problem("with duplicate JSON members ("
              + String.join(", ", duplicates.names.stream().limit(5).map(this::shortValue)
                  .toList())
              + "); which value the provider meant is unknown, so the answer is refused (a"
              + " token response names each member once, RFC 8259 section 4)"));
        }
        throw problem("with malformed JSON (" + body.length + " bytes, truncated or invalid); "
            + rule);
      }
    }

    String string(Map<String, Object> json, String field) {
      Object value = json.get(field);
      if (value == null || value instanceof String) {
        return (String) value;
      }
      if (value instanceof Number || value instanceof Boolean) {
        return value.toString();
      }
      throw problem("with a token response whose " + field + " is not a JSON string");
    }

    /**
     * Seconds as a JSON number or a numeric string; never negative; more than
     * {@link Lifetimes#MAX} (a provider's "never") is read as {@link Lifetimes#MAX}.
     */
    Duration seconds(Map<String, Object> json, String field) {
      Object value = json.get(field);
      if (value == null) {
        return null;
      }
      if (value instanceof Number number) {
        double d = number.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d) || d != Math.rint(d)) {
          throw problem("with " + field + " " + shortValue(number.toString()) + "; it must be a"
              + " whole number of seconds");
        }
        if (d < 0) {
          throw negative(field, shortValue(number.toString()));
        }
        // A double of 2^63 or more is no long: saturate before longValue() wraps it.
        return d >= Lifetimes.MAX.getSeconds() ? Lifetimes.MAX
            : Lifetimes.ofSeconds(number.longValue());
      }
      if (value instanceof String text && WHOLE_NUMBER.matcher(text.trim()).matches()) {
        String digits = text.trim();
        if (digits.startsWith("-")) {
          if (digits.chars().skip(1).allMatch(c -> c == '0')) {
            return Duration.ZERO;
          }
          throw negative(field, shortValue(digits));
        }
        String significant = digits.replaceFirst("^0+(?=.)", "");
        return significant.length() > 18 ? Lifetimes.MAX
            : Lifetimes.ofSeconds(Long.parseLong(significant));
      }
      String shown = value instanceof String text ? "\"" + shortValue(text) + "\"" : "a "
          + (value instanceof Map ? "JSON object" : value instanceof Boolean ? "JSON boolean"
              : "JSON array");
      throw problem("with " + field + " " + shown + "; it must be a number of seconds (a JSON"
          + " number or a numeric string)");
    }

    private TokenEndpointException negative(String field, String shown) {
      return problem("with a negative " + field + " (" + shown + "); it must be zero or a"
          + " positive number of seconds");
    }

    /** An ISO 8601 date-time; without an offset it is read as UTC. */
    Instant instant(Map<String, Object> json, String field) {
      String text = string(json, field);
      if (text == null) {
        return null;
      }
      try {
        return OffsetDateTime.parse(text.trim()).toInstant();
      } catch (DateTimeParseException withoutOffset) {
        try {
          return LocalDateTime.parse(text.trim()).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException notIso) {
          throw problem("with " + field + " \"" + shortValue(text) + "\"; it must be an ISO 8601"
              + " date-time such as 2025-01-31T12:00:00Z");
        }
      }
    }

    private String text() {
      String text = new String(body, StandardCharsets.UTF_8);
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private String mediaType() {
      String type = headers.firstValue("Content-Type").orElse("");
      int semicolon = type.indexOf(';');
      type = (semicolon >= 0 ? type.substring(0, semicolon) : type).trim();
      return type.isEmpty() || !type.matches("[\\w.+\\-]+/[\\w.+\\-]+")
          ? "a non-JSON body" : type;
    }

    /** A provider-chosen value for a message: redacted, one line, short. */
    String shortValue(String value) {
      String clean = redactor.redact(value).replaceAll("\\s+", " ");
      return clean.length() > 80 ? clean.substring(0, 80) + "…" : clean;
    }

    private String shortDescription(String description) {
      String clean = redactor.redact(description).replaceAll("\\s+", " ").trim();
      return clean.length() > MAX_DESCRIPTION ? clean.substring(0, MAX_DESCRIPTION) + "…" : clean;
    }

    /** Scheme, host, port and path only: a query could carry anything. */
    private String safeUri(String location) {
      try {
        URI uri = URI.create(location.trim());
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (uri.getHost() == null) {
          return shortValue(path);
        }
        return shortValue(uri.getScheme() + "://" + uri.getHost()
            + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + path);
      } catch (IllegalArgumentException bad) {
        return "an invalid URI";
      }
    }
  }

  /**
   * A JSON object that is well-formed but for members named twice, which the JSON parser refuses.
   * The answer is refused all the same, but it was read: a refresh token named once (or twice
   * with the same value) is the provider's rotation and is handed over with the refusal.
   */
  private static final class DuplicateMembers {
    final Set<String> names = new LinkedHashSet<>();
    private final Set<String> refreshTokens = new LinkedHashSet<>();

    /** The duplicates of a well-formed JSON object, or null if it is not one. */
    static DuplicateMembers scan(String text) {
      // Our own top-level walk: the JSON parser of Nimbus JOSE+JWT (the one JSON library) refuses
      // the whole object at the first duplicate, and its reader is not exported to modules.
      DuplicateMembers found = new DuplicateMembers();
      Set<String> seen = new HashSet<>();
      boolean wellFormed = TopLevelMembers.scan(text, (name, stringValue) -> {
        if (!seen.add(name)) {
          found.names.add(name);
        }
        if ("refresh_token".equals(name) && stringValue != null) {
          found.refreshTokens.add(stringValue);
        }
      });
      return wellFormed ? found : null;
    }

    TokenEndpointException refusal(TokenEndpointException problem) {
      if (refreshTokens.size() == 1) {
        String rotated = refreshTokens.iterator().next();
        if (!rotated.isEmpty()) {
          return new RefusedTokenAnswer(problem, rotated);
        }
      }
      return problem; // none, or two different ones: which one lives is unknown
    }
  }

  /** RFC 6749, section 5.2: {@code error = 1*( %x20-21 / %x23-5B / %x5D-7E )}. */
  static boolean isErrorCode(String error) {
    if (error == null || error.isEmpty()) {
      return false;
    }
    for (int i = 0; i < error.length(); i++) {
      char c = error.charAt(i);
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  private static boolean looksLikeJson(String text) {
    String t = text.stripLeading();
    return t.startsWith("{") || t.startsWith("[");
  }
}

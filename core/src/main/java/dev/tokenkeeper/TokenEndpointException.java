package dev.tokenkeeper;

import java.time.Duration;
import java.util.Optional;

/**
 * A token or revocation endpoint call failed: the provider answered with an error (RFC 6749,
 * section 5.2), answered something that is not a usable token response, or could not be reached.
 *
 * <p>Carries the HTTP status ({@code 0} when no response arrived), the OAuth {@code error},
 * {@code error_description} and {@code error_uri} when the provider sent them, and the
 * {@code Retry-After} delay. The message never contains a secret. Immutable.
 */
public class TokenEndpointException extends TokenKeeperException {
  private static final long serialVersionUID = 1L;

  /** The HTTP status, {@code 0} when no response arrived. */
  private final int statusCode;
  /** The OAuth {@code error}, or {@code null}. */
  private final String error;
  /** The OAuth {@code error_description}, or {@code null}. */
  private final String errorDescription;
  /** The OAuth {@code error_uri}, or {@code null}. */
  private final String errorUri;
  /** The {@code Retry-After} delay, or {@code null}. */
  private final Duration retryAfter;

/**
 * A failure with everything the provider said.
 *
 * @param message what went wrong; must not contain a secret
 * @param statusCode the HTTP status, {@code 0} when no response arrived
 * @param error the OAuth {@code error}, or {@code null}
 * @param errorDescription the OAuth {@code error_description}, or {@code null}
 * @param errorUri the OAuth {@code error_uri}, or {@code null}
 * @param retryAfter the {@code Retry-After} delay, or {@code null}
 * @param cause the underlying failure, or {@code null}
 */
  public TokenEndpointException(
      String message,
      int statusCode,
      String error,
      String errorDescription,
      String errorUri,
      Duration retryAfter,
      Throwable cause) {
    super(message, cause);
    this.statusCode = statusCode;
    this.error = error;
    this.errorDescription = errorDescription;
    this.errorUri = errorUri;
    this.retryAfter = retryAfter;
  }

  /** A failure with no OAuth error body, such as an I/O error ({@code statusCode} 0). */
  public TokenEndpointException(String message, int statusCode, Throwable cause) {
    this(message, statusCode, null, null, null, null, cause);
  }

  /** The HTTP status of the answer, or {@code 0} when no answer arrived (I/O error, timeout). */
  public int statusCode() {
    return statusCode;
  }

  /**
   * The OAuth {@code error} code, such as {@code invalid_grant}. Taken from an answer only when it
   * is in RFC 6749's character set (section 5.2: printable ASCII except {@code "} and
   * {@code \}); a secret of the request that the provider echoed in it is masked, as in
   * {@link #errorDescription()} and {@link #errorUri()}.
   */
  public Optional<String> error() {
    return Optional.ofNullable(error);
  }

  /** The OAuth {@code error_description}, with any echoed secret of the request masked. */
  public Optional<String> errorDescription() {
    return Optional.ofNullable(errorDescription);
  }

  /** The OAuth {@code error_uri}. */
  public Optional<String> errorUri() {
    return Optional.ofNullable(errorUri);
  }

  /**
   * The delay the provider asked for in {@code Retry-After} (seconds or an HTTP-date), at most
   * 100 years: a longer one (a provider's "never") is read as 100 years.
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Whether {@code error} is {@code invalid_grant}: the grant (often a refresh token) is dead. */
  public boolean isInvalidGrant() {
    return "invalid_grant".equals(error);
  }

  /**
   * Whether trying again later may succeed: no answer arrived (I/O error, timeout), the provider
   * answered 5xx, or it answered 429 Too Many Requests.
   */
  public boolean isTransient() {
    return statusCode == 0 || statusCode == 429 || statusCode >= 500;
  }
}

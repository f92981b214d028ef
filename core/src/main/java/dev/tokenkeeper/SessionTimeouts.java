package dev.tokenkeeper;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The provider session's timeouts for one key, as TokenKeeper knows them now. Immutable and
 * thread-safe.
 *
 * <p>The fields come from RingCentral's token response ({@code TokenInfo}). The idle deadline runs from
 * the last use of the token ({@code session_idle_timeout} after it); TokenKeeper records uses at
 * most once a second, so the deadline it reports errs early by up to a second, never late. The
 * absolute deadline is {@code session_expiration_time}, else the arrival time of the response plus
 * {@code session_expires_in} (the time that remained when the provider answered); a refresh answer
 * that leaves these fields out keeps the earlier values, and a new session (a new sign-in or
 * primary grant) starts from its own answer.
 *
 * @param sessionId {@code session_id}, or {@code null}
 * @param idleTimeout {@code session_idle_timeout}, or {@code null} when none is enforced
 * @param idleDeadline last use plus the idle timeout, or {@code null}
 * @param absoluteDeadline the absolute end of the session, or {@code null}
 */
public record SessionTimeouts(
    String sessionId, Duration idleTimeout, Instant idleDeadline, Instant absoluteDeadline) {

  /** No session is known for the key, or the provider enforces no timeout. */
  public static final SessionTimeouts NONE = new SessionTimeouts(null, null, null, null);

/** The provider's {@code session_id}, when it sent one. */
  public Optional<String> sessionIdValue() {
    return Optional.ofNullable(sessionId);
  }

  /** The earlier of the two deadlines, or empty when neither applies. */
  public Optional<Instant> endsAt() {
    if (idleDeadline == null) {
      return Optional.ofNullable(absoluteDeadline);
    }
    if (absoluteDeadline == null) {
      return Optional.of(idleDeadline);
    }
    return Optional.of(idleDeadline.isBefore(absoluteDeadline) ? idleDeadline : absoluteDeadline);
  }

  /** Whether the session is over at {@code now}: a deadline has been reached. */
  public boolean isEndedAt(Instant now) {
    return endsAt().map(end -> !now.isBefore(end)).orElse(false);
  }
}

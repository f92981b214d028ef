package dev.tokenkeeper;

import java.time.Duration;

/**
 * Hears what a {@link TokenManager} does. Implementations must be thread-safe: the manager calls
 * them from several threads at once, for different keys and for the same key.
 *
 * <p>Every method has an empty default, so implement only what you need. Where each is called:
 * {@link #onToken} and {@link #onFailure} on the manager's executor, after the new state is in
 * place (so {@code token(key)} called from the listener already sees it);
 * {@link #onTokenRequestSent} on the thread that sends the request (a caller's, the scheduler's
 * for a retry, or the budget's when the request waited for it) and
 * {@link #onTokenRequestCompleted} on the thread that completed it, before the manager acts on
 * the answer; {@link #onRejected} on
 * the thread that called {@link TokenManager#rejected}, before it looks at the token; the session
 * events on the thread that used the key, on the manager's executor, or on its scheduler.
 *
 * <p><b>Listeners run before the callers they concern are released.</b> The listeners of a token
 * request's outcome ({@link #onToken}, {@link #onFailure}, and {@link #onSessionEnding} or
 * {@link #onSessionEnded} when that outcome starts or ends a session) have returned before any
 * caller waiting for that request returns from {@link TokenManager#token} or sees its
 * {@link TokenManager#tokenAsync} future complete, and a caller that gets
 * {@link ReauthenticationRequiredException} because the session ended gets it after
 * {@link #onSessionEnded}. So whatever a listener records (a status page, a metric, a flag) is
 * visible to those callers without further synchronization: the completion of the request
 * happens-after the listeners. The one exception is a session that Caffeine expires while no
 * caller is using the key: its {@link #onSessionEnded} runs later, on the executor.
 *
 * <p>Because callers wait for them, keep implementations short and non-blocking: a listener that
 * blocks delays every caller waiting for that key. A listener may call the manager, also for the
 * same key: the request that fired it has already released its slot, so {@code token(key)} sees the
 * new state (or, after a failure, starts a new request; prefer {@code tokenAsync} there, as a
 * blocking call would hold an executor thread until that request is answered). An exception thrown
 * here is logged and otherwise ignored.
 */
public interface TokenListener {

  /** A token was obtained for {@code key} by {@code cause}. */
  default void onToken(String key, TokenResponse response, RefreshCause cause) {}

  /**
   * A token request for {@code key} failed. {@code stillServing} is {@code true} when the current
   * token is still valid and stays in service (a background refresh failed).
   */
  default void onFailure(String key, Throwable failure, boolean stillServing) {}

  /**
   * One token request for {@code key} is about to be sent to the token endpoint: the first
   * attempt of a token request sequence or one of its retries. Every call is followed by exactly
   * one {@link #onTokenRequestCompleted} for the same attempt, so the difference of the two counts
   * is the number of requests in flight.
   *
   * @param grantType the request's {@code grant_type}, such as {@code refresh_token}
   * @param cause why the token is requested
   */
  default void onTokenRequestSent(String key, String grantType, RefreshCause cause) {}

  /**
   * One token request for {@code key} has completed, before the manager acts on the outcome
   * (stores the token, retries, or fails the callers, which {@link #onToken} and
   * {@link #onFailure} report).
   *
   * @param grantType the request's {@code grant_type}
   * @param cause why the token was requested
   * @param elapsed the time from sending the request to its outcome, on the manager's clock
   * @param failure {@code null} when the endpoint answered with a token; otherwise why this
   *     attempt failed, usually a {@link TokenEndpointException}
   */
  default void onTokenRequestCompleted(String key, String grantType, RefreshCause cause,
      Duration elapsed, Throwable failure) {}

  /** A resource server rejected a token of {@code key} (HTTP 401). */
  default void onRejected(String key, AccessToken token) {}

  /** The provider session of {@code key} will end soon, at {@code timeouts.endsAt()}. */
  default void onSessionEnding(String key, SessionTimeouts timeouts) {}

  /** The provider session of {@code key} has ended and could not be renewed. */
  default void onSessionEnded(String key, SessionTimeouts timeouts) {}

  /**
   * The shared {@link TokenStore} failed for {@code key} (unreachable, timed out, or another
   * instance held the key's lease past the store's maximum wait). The manager carries on with its
   * own cache, single flight and budget; sharing resumes by itself when the store is back.
   */
  default void onStoreUnavailable(String key, Throwable cause) {}

  /**
   * {@link TokenManager#revoke} has asked the provider to revoke tokens of {@code key}, and says
   * what was and was not revoked. Called once for the tokens held when {@code revoke(key)} was
   * called (with a shared store: also for the stored state when it differs from this
   * instance's copy, or when this instance held none), and once more for those of a token
   * request that was in flight then; on the thread
   * that received the revocation endpoint's answer, before the future of {@code revoke(key)}
   * completes.
   */
  default void onRevoked(String key, Revocation revocation) {}

  /**
   * The endpoint's {@link TokenBudget} had no free slot for a token request of {@code key}: the
   * request queues until one frees, or, for a refresh ahead of expiry that cannot even queue, is
   * put off while the current token stays in service. {@code cause} says which request;
   * {@code nextSlot} is when the next slot frees. Called on the thread that asked for the token,
   * or on the manager's executor or scheduler (a retry, or a refresh the full queue pushed out).
   */
  default void onBudgetDeferred(String key, RefreshCause cause, java.time.Instant nextSlot) {}

  /**
   * The endpoint's {@link TokenBudget} refused a token request of {@code key}: its callers waited
   * the budget's maximum, or the queue was full. They get {@code refusal} (after this and
   * {@link #onFailure}).
   */
  default void onBudgetRefused(String key, TokenBudgetExceededException refusal) {}
}

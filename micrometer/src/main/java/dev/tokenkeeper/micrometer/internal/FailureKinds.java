package dev.tokenkeeper.micrometer.internal;

import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.TokenEndpointException;
import java.util.Set;

/** Sorts failures into the few tag values the meters use; immutable. */
public final class FailureKinds {
  /** OAuth error codes of RFC 6749, section 5.2, kept as tag values; any other is "refused". */
  private static final Set<String> OAUTH_ERRORS = Set.of("invalid_request", "invalid_client",
      "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope");

  private FailureKinds() {}

  /**
   * {@code transient} (no answer, 5xx, 429), an RFC 6749 error code such as
   * {@code invalid_grant}, {@code refused} (another OAuth error code), {@code unreadable} (an
   * answer that was neither a token nor an OAuth error), {@code reauthentication_required},
   * {@code budget_exceeded}, or {@code other}.
   */
  public static String of(Throwable failure) {
    if (failure instanceof ReauthenticationRequiredException) {
      return "reauthentication_required";
    }
    if (failure instanceof TokenBudgetExceededException) {
      return "budget_exceeded";
    }
    if (failure instanceof TokenEndpointException e) {
      if (e.isTransient()) {
        return "transient";
      }
      String error = e.error().orElse(null);
      if (error == null) {
        return "unreadable";
      }
      return OAUTH_ERRORS.contains(error) ? error : "refused";
    }
    return "other";
  }
}

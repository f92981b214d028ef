package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.RetryPolicy;
import dev.tokenkeeper.TokenManager;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Reads the init-params for a {@link TokenManager}'s timing and retries ({@code refresh-window},
 * {@code expiry-margin}, {@code session-ending-warning}, {@code failure-cool-down},
 * {@code rejection-interval}, {@code retry-*}) and {@code record-stats}, the same for
 * {@code TokenFilter} and {@code LoginFilter}. Not part of the API; immutable once read.
 */
public final class ManagerParams implements Consumer<TokenManager.Builder> {
  private final Duration refreshWindow;
  private final Duration expiryMargin;
  private final Duration sessionEndingWarning;
  private final Duration failureCoolDown;
  private final Duration rejectionInterval;
  private final RetryPolicy retryPolicy;
  private final boolean recordStats;

  private ManagerParams(ParamReader p) throws ServletException {
    refreshWindow = p.duration("refresh-window");
    expiryMargin = p.duration("expiry-margin");
    sessionEndingWarning = p.duration("session-ending-warning");
    failureCoolDown = p.duration("failure-cool-down");
    rejectionInterval = p.duration("rejection-interval");
    retryPolicy = retryPolicy(p);
    recordStats = p.bool("record-stats", false);
  }

  public static ManagerParams read(ParamReader p) throws ServletException {
    return new ManagerParams(p);
  }

  /** Sets what the init-params say on {@code b}; the rest keeps the builder's defaults. */
  @Override
  public void accept(TokenManager.Builder b) {
    b.retryPolicy(retryPolicy);
    if (refreshWindow != null) {
      b.refreshWindow(refreshWindow);
    }
    if (expiryMargin != null) {
      b.expiryMargin(expiryMargin);
    }
    if (sessionEndingWarning != null) {
      b.sessionEndingWarning(sessionEndingWarning);
    }
    if (failureCoolDown != null) {
      b.failureCoolDown(failureCoolDown);
    }
    if (rejectionInterval != null) {
      b.rejectionInterval(rejectionInterval);
    }
    if (recordStats) {
      b.recordStats();
    }
  }

  /** {@link RetryPolicy#DEFAULT} with the retry-* init-params that are set. */
  private static RetryPolicy retryPolicy(ParamReader p) throws ServletException {
    RetryPolicy d = RetryPolicy.DEFAULT;
    Integer attempts = p.integer("retry-max-attempts", 1, Integer.MAX_VALUE, "a whole number of"
        + " attempts, the first included, at least 1 (1 disables retries)");
    Duration initial = orDefault(p.duration("retry-initial-delay"), d.initialDelay());
    Duration max = orDefault(p.duration("retry-max-delay"), d.maxDelay());
    Duration elapsed = orDefault(p.duration("retry-max-elapsed"), d.maxElapsed());
    if (max.compareTo(initial) < 0) {
      String which = p.has("retry-max-delay") ? "retry-max-delay" : "retry-initial-delay";
      throw p.error(which, "makes retry-max-delay (" + max + ") shorter than retry-initial-delay"
          + " (" + initial + ")", "retry-max-delay at least retry-initial-delay (defaults "
          + d.initialDelay() + " and " + d.maxDelay() + ")");
    }
    return new RetryPolicy(attempts == null ? d.maxAttempts() : attempts, initial, max, elapsed);
  }

  private static Duration orDefault(Duration value, Duration fallback) {
    return value != null ? value : fallback;
  }
}

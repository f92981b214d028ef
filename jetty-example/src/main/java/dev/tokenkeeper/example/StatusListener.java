package dev.tokenkeeper.example;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenResponse;

/**
 * Feeds TokenKeeper's events to the web application's {@link StatusBoard}. {@link StatusWiring}
 * publishes an instance as context attribute {@value #ATTRIBUTE}, and {@code WEB-INF/web.xml}
 * hands it to the filter with {@code listener} = {@code attribute:}{@value #ATTRIBUTE}.
 * Thread-safe.
 */
public final class StatusListener implements TokenListener {
  /** Context attribute holding the web application's listener. */
  public static final String ATTRIBUTE = "dev.tokenkeeper.example.StatusListener";

  private final StatusBoard board;

  StatusListener(StatusBoard board) {
    this.board = board;
  }

  @Override
  public void onToken(String key, TokenResponse response, RefreshCause cause) {
    board.token(key, response, cause);
  }

  @Override
  public void onFailure(String key, Throwable failure, boolean stillServing) {
    board.failure(key, failure, stillServing);
  }

  @Override
  public void onBudgetDeferred(String key, RefreshCause cause, java.time.Instant nextSlot) {
    board.budgetDeferred(key, cause, nextSlot);
  }

  @Override
  public void onRejected(String key, AccessToken token) {
    board.rejected(key, token);
  }

  @Override
  public void onSessionEnding(String key, SessionTimeouts timeouts) {
    board.sessionEnding(key, timeouts);
  }

  @Override
  public void onSessionEnded(String key, SessionTimeouts timeouts) {
    board.sessionEnded(key, timeouts);
  }
}

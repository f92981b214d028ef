package dev.tokenkeeper.example;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenResponse;

/**
 * Feeds TokenKeeper's events to the {@link StatusBoard}. Named in {@code WEB-INF/web.xml} by the
 * filter's {@code listener} init-param, so it has a public no-arg constructor. Thread-safe.
 */
public final class StatusListener implements TokenListener {
  private final StatusBoard board;

  public StatusListener() {
    this(StatusBoard.shared());
  }

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

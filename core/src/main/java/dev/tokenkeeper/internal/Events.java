package dev.tokenkeeper.internal;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.Revocation;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.Ticker;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Tells the listeners and the log what a manager did. A listener that throws is logged and
 * ignored; WARNING lines about one key (or one topic) are written at most once per
 * {@link #WARNING_INTERVAL}, so a provider that fails for hours does not flood the log.
 * Thread-safe. Not part of the API.
 */
public final class Events {
  /** Logged under the public class's name: that is the logger users configure. */
  static final System.Logger LOG = System.getLogger(TokenManager.class.getName());

  /** At most one WARNING per key (or topic) per minute. */
  public static final long WARNING_INTERVAL = 60_000_000_000L;

  private final List<TokenListener> listeners;
  private final Ticker ticker;
  private final ConcurrentHashMap<String, Long> topicWarnedAt = new ConcurrentHashMap<>();

  public Events(List<TokenListener> listeners, Ticker ticker) {
    this.listeners = List.copyOf(listeners);
    this.ticker = ticker;
  }

  public void token(String key, TokenResponse response, RefreshCause cause) {
    for (TokenListener l : listeners) {
      try {
        l.onToken(key, response, cause);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  public void failure(String key, Throwable failure, boolean stillServing) {
    for (TokenListener l : listeners) {
      try {
        l.onFailure(key, failure, stillServing);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  /** The token budget had no slot at once for a request of {@code key}. */
  public void budgetDeferred(String key, RefreshCause cause, Instant nextSlot) {
    for (TokenListener l : listeners) {
      try {
        l.onBudgetDeferred(key, cause, nextSlot);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  /** The token budget refused a request of {@code key}. */
  public void budgetRefused(String key, TokenBudgetExceededException refusal) {
    for (TokenListener l : listeners) {
      try {
        l.onBudgetRefused(key, refusal);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  public void rejected(String key, AccessToken token) {
    for (TokenListener l : listeners) {
      try {
        l.onRejected(key, token);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  public void sessionEnding(String key, SessionTimeouts timeouts) {
    for (TokenListener l : listeners) {
      try {
        l.onSessionEnding(key, timeouts);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  public void sessionEnded(String key, SessionTimeouts timeouts) {
    for (TokenListener l : listeners) {
      try {
        l.onSessionEnded(key, timeouts);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  public void storeUnavailable(String key, Throwable cause) {
    for (TokenListener l : listeners) {
      try {
        l.onStoreUnavailable(key, cause);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  public void revoked(String key, Revocation revocation) {
    for (TokenListener l : listeners) {
      try {
        l.onRevoked(key, revocation);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  /** One token request for {@code key} is about to be sent: listeners, and a DEBUG line. */
  public void requestSent(String key, String grantType, RefreshCause cause) {
    LOG.log(System.Logger.Level.DEBUG, () -> "token request for key '" + key + "': grant_type "
        + grantType + ", cause " + cause);
    for (TokenListener l : listeners) {
      try {
        l.onTokenRequestSent(key, grantType, cause);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  /**
   * One token request for {@code key} completed after {@code elapsedNanos} ({@code failure}
   * {@code null} on success): a DEBUG line, and listeners.
   */
  public void requestCompleted(String key, String grantType, RefreshCause cause,
      long elapsedNanos, Throwable failure) {
    java.time.Duration elapsed = java.time.Duration.ofNanos(Math.max(0, elapsedNanos));
    LOG.log(System.Logger.Level.DEBUG, () -> "token request for key '" + key + "' (" + grantType
        + ") " + (failure == null ? "answered with a token" : "failed: " + failure) + " after "
        + elapsed.toMillis() + " ms");
    for (TokenListener l : listeners) {
      try {
        l.onTokenRequestCompleted(key, grantType, cause, elapsed, failure);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
  }

  /**
   * A failed token request sequence of {@code slot}'s key: WARNING at most once per key per
   * {@link #WARNING_INTERVAL}, DEBUG otherwise. The failure's message never holds a secret.
   */
  public void requestFailed(KeySlot slot, Throwable failure, boolean stillServing) {
    boolean warn = slot.mayWarn(ticker.read(), WARNING_INTERVAL);
    System.Logger.Level level = warn ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG;
    if (LOG.isLoggable(level)) {
      LOG.log(level, "token request for key '" + slot.key + "' failed"
          + (stillServing ? " (a background refresh; the current token stays in service)" : "")
          + ": " + failure + (warn ? " [further failures of this key within a minute are logged"
          + " at DEBUG]" : ""));
    }
  }

  /** A WARNING about {@code topic}, at most once per {@link #WARNING_INTERVAL}. */
  public void warn(String topic, Supplier<String> message) {
    long now = ticker.read();
    Long last = topicWarnedAt.get(topic);
    if (last != null && now - last < WARNING_INTERVAL) {
      LOG.log(System.Logger.Level.DEBUG, message);
      return;
    }
    boolean first = last == null ? topicWarnedAt.putIfAbsent(topic, now) == null
        : topicWarnedAt.replace(topic, last, now);
    LOG.log(first ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, message);
  }

  public static void debug(Supplier<String> message) {
    LOG.log(System.Logger.Level.DEBUG, message);
  }

  private static void listenerFailed(RuntimeException e) {
    LOG.log(System.Logger.Level.WARNING, "a TokenListener threw; ignored", e);
  }
}

package dev.tokenkeeper.example.demo;

import dev.tokenkeeper.TokenBudget;
import java.time.Duration;
import java.util.Objects;

/**
 * The demo provider's lifetimes, deliberately short so that refresh ahead of expiry, idle expiry
 * and the absolute end of a provider session can all be watched within a few minutes. Immutable.
 *
 * @param tokenTtl access token lifetime ({@code expires_in}); a client may ask for less with
 *     {@code access_token_ttl}, never for more
 * @param refreshTtl refresh token lifetime ({@code refresh_token_expires_in}), never beyond the end
 *     of the session
 * @param idleTimeout {@code session_idle_timeout}: the session ends when its tokens go unused for
 *     this long; zero means no idle timeout is enforced (the field is then not sent)
 * @param sessionTtl absolute session lifetime ({@code session_expires_in},
 *     {@code session_expiration_time}); zero means none is enforced
 * @param retryAfter the {@code Retry-After} the token endpoint sends while it is made to fail
 * @param rateLimit the most token requests the token endpoint accepts per window, as RingCentral
 *     limits its "Auth" API group; past it, 429 with {@code Retry-After}. {@code null} for none
 */
public record DemoSettings(
    Duration tokenTtl,
    Duration refreshTtl,
    Duration idleTimeout,
    Duration sessionTtl,
    Duration retryAfter,
    RateLimit rateLimit) {

  /**
   * At most {@code requests} token requests in any {@code window}. Immutable.
   *
   * @param requests how many
   * @param window per how long
   */
  public record RateLimit(int requests, Duration window) {
    public RateLimit {
      Objects.requireNonNull(window, "window");
      if (requests < 1 || window.toMillis() < 1) {
        throw new IllegalArgumentException("--provider-rate-limit must allow at least 1 request"
            + " per window of at least 1 ms, such as 5/60s; was " + requests + "/" + window);
      }
    }

    /**
     * Parses {@code 5/60s}, {@code 50/1s}, {@code 5/min} or {@code 5/PT1M}.
     *
     * @throws IllegalArgumentException naming {@code --provider-rate-limit} and the form
     */
    public static RateLimit parse(String text) {
      try {
        TokenBudget same = TokenBudget.parse(text);
        return new RateLimit(same.requests(), same.window());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--provider-rate-limit must be REQUESTS/WINDOW such as"
            + " 5/60s, 50/1s or 5/min; was '" + text + "'", e);
      }
    }

    @Override
    public String toString() {
      long ms = window.toMillis();
      return requests + "/" + (ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms");
    }
  }

  /** 60 s tokens, 30 min refresh tokens, a 2 min idle timeout and a 6 min absolute session. */
  public static final DemoSettings DEFAULTS =
      new DemoSettings(
          Duration.ofSeconds(60),
          Duration.ofMinutes(30),
          Duration.ofMinutes(2),
          Duration.ofMinutes(6),
          Duration.ofSeconds(2),
          null);

  public DemoSettings {
    Objects.requireNonNull(tokenTtl, "tokenTtl");
    Objects.requireNonNull(refreshTtl, "refreshTtl");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(sessionTtl, "sessionTtl");
    Objects.requireNonNull(retryAfter, "retryAfter");
    if (tokenTtl.toSeconds() < 1) {
      throw new IllegalArgumentException("--token-ttl must be at least 1s, was " + tokenTtl);
    }
    if (refreshTtl.toSeconds() < 1) {
      throw new IllegalArgumentException("--refresh-ttl must be at least 1s, was " + refreshTtl);
    }
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException("--idle-timeout must be 0 (off) or positive");
    }
    if (sessionTtl.isNegative()) {
      throw new IllegalArgumentException("--session-ttl must be 0 (off) or positive");
    }
    if (retryAfter.toSeconds() < 1) {
      throw new IllegalArgumentException("retryAfter must be at least 1s");
    }
  }

  public DemoSettings withTokenTtl(Duration value) {
    return new DemoSettings(value, refreshTtl, idleTimeout, sessionTtl, retryAfter, rateLimit);
  }

  public DemoSettings withRefreshTtl(Duration value) {
    return new DemoSettings(tokenTtl, value, idleTimeout, sessionTtl, retryAfter, rateLimit);
  }

  public DemoSettings withIdleTimeout(Duration value) {
    return new DemoSettings(tokenTtl, refreshTtl, value, sessionTtl, retryAfter, rateLimit);
  }

  public DemoSettings withSessionTtl(Duration value) {
    return new DemoSettings(tokenTtl, refreshTtl, idleTimeout, value, retryAfter, rateLimit);
  }

  /** These settings with the token endpoint's rate limit, or none for {@code null}. */
  public DemoSettings withRateLimit(RateLimit value) {
    return new DemoSettings(tokenTtl, refreshTtl, idleTimeout, sessionTtl, retryAfter, value);
  }
}

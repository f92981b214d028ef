package dev.tokenkeeper.example.demo;

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
 */
public record DemoSettings(
    Duration tokenTtl,
    Duration refreshTtl,
    Duration idleTimeout,
    Duration sessionTtl,
    Duration retryAfter) {

  /** 60 s tokens, 30 min refresh tokens, a 2 min idle timeout and a 6 min absolute session. */
  public static final DemoSettings DEFAULTS =
      new DemoSettings(
          Duration.ofSeconds(60),
          Duration.ofMinutes(30),
          Duration.ofMinutes(2),
          Duration.ofMinutes(6),
          Duration.ofSeconds(2));

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
    return new DemoSettings(value, refreshTtl, idleTimeout, sessionTtl, retryAfter);
  }

  public DemoSettings withRefreshTtl(Duration value) {
    return new DemoSettings(tokenTtl, value, idleTimeout, sessionTtl, retryAfter);
  }

  public DemoSettings withIdleTimeout(Duration value) {
    return new DemoSettings(tokenTtl, refreshTtl, value, sessionTtl, retryAfter);
  }

  public DemoSettings withSessionTtl(Duration value) {
    return new DemoSettings(tokenTtl, refreshTtl, idleTimeout, value, retryAfter);
  }
}

package dev.tokenkeeper.internal;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenResponse;
import java.time.Instant;

/**
 * What a {@code TokenManager} holds for one key at one moment: the access token, the refresh
 * token, and every deadline as epoch milliseconds, so that the hot path compares {@code long}s
 * and allocates nothing. Immutable: a refresh publishes a new instance with one volatile write,
 * so the rotated refresh token and the new access token are always seen together.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class TokenState {
  /** A deadline that never comes. */
  public static final long NEVER = Long.MAX_VALUE;

  /** The token handed out. */
  public final AccessToken token;
  /** The refresh token, or {@code null}. A secret. */
  public final String refreshToken;
  /** When the access token expires ({@code receivedAt + expires_in}). */
  public final long expiresAt;
  /** From here on the token is STALE: still served, and one background refresh starts. */
  public final long refreshAt;
  /** From here on the token is EXPIRED: callers wait for a new one. */
  public final long usableUntil;
  /** When the refresh token expires; {@link #NEVER} when the provider did not say. */
  public final long refreshTokenExpiresAt;
  /** The absolute end of the provider session, or {@link #NEVER}. */
  public final long absoluteDeadline;
  /** {@code session_idle_timeout} in milliseconds, or {@link #NEVER}. */
  public final long idleTimeout;
  /** The hot path serves the token while {@code now < freshUntil}. */
  public final long freshUntil;
  /**
   * How stale the recorded last use may get before a call records it again (and checks the
   * session). With an idle timeout it bounds how early the idle deadline may err: a hundredth of
   * the timeout, at most a second. With only an absolute deadline, a second, so that its warning
   * is noticed on use even when the timer is late. Without a session the recorded use only tells
   * Caffeine's size eviction that the key is in use, which needs no precision:
   * {@link #COARSE_TOUCH_INTERVAL}.
   */
  public final long touchInterval;

  /**
   * The touch interval of a state without session timeouts, 30 seconds: at 100,000 keys served
   * in turn, a write every second per key would make about one call in six write.
   */
  public static final long COARSE_TOUCH_INTERVAL = 30_000;
  /** {@code session_id}, or {@code null}. */
  public final String sessionId;
  /** The request whose {@code endpoint_id}, scope and TTLs a refresh sends again, or {@code null}. */
  public final TokenRequest request;

  private TokenState(TokenResponse response, TokenRequest request, TokenState session,
      long refreshWindow, long expiryMargin, boolean renewable) {
    this.token = response.accessToken();
    this.request = request;
    long receivedAt = response.receivedAt().toEpochMilli();
    this.expiresAt = response.expiresAt().toEpochMilli();
    long lifetime = Math.max(0, expiresAt - receivedAt);
    // A short-lived token gets at most half of its life as refresh window, and at most a tenth
    // as margin, so that a 600 s token is refreshed every 300 s, not constantly.
    long margin = Math.min(expiryMargin, lifetime / 10);
    this.usableUntil = expiresAt - margin;
    long refreshFrom = expiresAt - Math.min(refreshWindow, lifetime / 2);
    long refreshIn = refreshInMillis(response, lifetime);
    if (refreshIn >= 0) {
      refreshFrom = receivedAt + refreshIn;
    }
    this.refreshAt = Math.min(refreshFrom, usableUntil);

    // RFC 6749, section 6: when a refresh answer carries no new refresh token, the old one stays.
    String newRefreshToken = response.refreshToken().orElse(null);
    if (newRefreshToken != null) {
      this.refreshToken = newRefreshToken;
      this.refreshTokenExpiresAt = millis(response.refreshTokenExpiresAt().orElse(null));
    } else if (session != null) {
      this.refreshToken = session.refreshToken;
      this.refreshTokenExpiresAt = session.refreshTokenExpiresAt;
    } else {
      this.refreshToken = null;
      this.refreshTokenExpiresAt = NEVER;
    }

    // A refresh continues the session: fields the answer leaves out keep their earlier values.
    // session_expires_in is the time remaining when the answer was sent, so a later answer gives
    // the same absolute end or a corrected one.
    long absolute = millis(response.sessionExpiresAt().orElse(null));
    long idle = response.sessionIdleTimeout().map(d -> d.toMillis()).orElse(NEVER);
    String id = response.sessionId().orElse(null);
    if (session != null) {
      absolute = absolute == NEVER ? session.absoluteDeadline : absolute;
      idle = idle == NEVER ? session.idleTimeout : idle;
      id = id == null ? session.sessionId : id;
    }
    this.absoluteDeadline = absolute;
    this.idleTimeout = idle;
    this.sessionId = id;
    this.touchInterval = idle != NEVER ? Math.max(1, Math.min(1000, idle / 100))
        : absolute != NEVER ? 1000 : COARSE_TOUCH_INTERVAL;
    this.freshUntil = Math.min(renewable ? refreshAt : usableUntil, absoluteDeadline);
  }

  /**
   * The state for a token response.
   *
   * @param request the request to send again on refresh, or {@code null}
   * @param session the state this answer refreshes (same provider session), or {@code null} for a
   *     new session
   * @param refreshWindow the configured refresh window, in milliseconds
   * @param expiryMargin the configured margin before expiry, in milliseconds
   * @param renewable whether a refresh token or a primary grant can renew the token
   */
  public static TokenState of(TokenResponse response, TokenRequest request, TokenState session,
      long refreshWindow, long expiryMargin, boolean renewable) {
    return new TokenState(response, request, session, refreshWindow, expiryMargin, renewable);
  }

  /** The same state without its refresh token, after the provider refused it. */
  public TokenState withoutRefreshToken() {
    return new TokenState(this);
  }

  private TokenState(TokenState other) {
    this.token = other.token;
    this.refreshToken = null;
    this.expiresAt = other.expiresAt;
    this.refreshAt = other.refreshAt;
    this.usableUntil = other.usableUntil;
    this.refreshTokenExpiresAt = NEVER;
    this.absoluteDeadline = other.absoluteDeadline;
    this.idleTimeout = other.idleTimeout;
    this.freshUntil = Math.min(other.usableUntil, other.absoluteDeadline);
    this.touchInterval = other.touchInterval;
    this.sessionId = other.sessionId;
    this.request = other.request;
  }

  /** Whether the refresh token exists and has not expired at {@code now}. */
  public boolean refreshTokenAlive(long now) {
    return refreshToken != null && now < refreshTokenExpiresAt;
  }

  /** Whether the provider session is over at {@code now}, given the last recorded use. */
  public boolean sessionOver(long now, long lastUsed) {
    return now >= absoluteDeadline || (idleTimeout != NEVER && now - lastUsed >= idleTimeout);
  }

  /** The idle deadline for the given last use, or {@link #NEVER}. */
  public long idleDeadline(long lastUsed) {
    return idleTimeout == NEVER ? NEVER : saturatedAdd(lastUsed, idleTimeout);
  }

  /** Whether the provider enforces a session timeout on this token. */
  public boolean hasSessionDeadline() {
    return absoluteDeadline != NEVER || idleTimeout != NEVER;
  }

  /**
   * The moment after which nothing can revive this state: the session's end, else the later of
   * the access token's expiry and (when there is one) the refresh token's expiry. An access token
   * that outlives its refresh token is still served until it expires.
   */
  public long reviveDeadline(long lastUsed) {
    long end = Math.min(absoluteDeadline, idleDeadline(lastUsed));
    return Math.min(end,
        refreshToken != null ? Math.max(refreshTokenExpiresAt, expiresAt) : expiresAt);
  }

  private static long refreshInMillis(TokenResponse response, long lifetime) {
    // Microsoft identity platform's refresh_in (seconds): the server's own advice on when to
    // refresh proactively, honoured by MSAL. Ignored unless it falls inside the lifetime.
    Object value = response.additionalFields().get("refresh_in");
    if (value instanceof Number n) {
      long millis = n.longValue() * 1000;
      if (millis > 0 && millis < lifetime) {
        return millis;
      }
    }
    return -1;
  }

  private static long millis(Instant instant) {
    return instant == null ? NEVER : instant.toEpochMilli();
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? NEVER : sum;
  }

  @Override
  public String toString() {
    return "TokenState[token=" + token + ", refreshToken=" + (refreshToken == null ? "none" : "██")
        + ", sessionId=" + sessionId + "]";
  }
}

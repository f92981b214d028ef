package dev.tokenkeeper.internal;

import static dev.tokenkeeper.internal.Times.NEVER;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenResponse;

/**
 * What a {@code TokenManager} holds for one key at one moment: the access token, the refresh
 * token, and every deadline as {@link dev.tokenkeeper.Ticker} nanoseconds, so that the hot path
 * compares {@code long}s and allocates nothing. Immutable: a refresh publishes a new instance with
 * one volatile write, so the rotated refresh token and the new access token are always seen
 * together.
 *
 * <p>Durations the provider sent ({@code expires_in}, {@code refresh_token_expires_in},
 * {@code session_expires_in}, {@code session_idle_timeout}) are anchored on the monotonic ticker
 * when the state is made, so a wall-clock step never changes them. The one absolute instant,
 * {@code session_expiration_time}, is kept on the wall clock ({@link #absoluteWall}); its ticker
 * estimate ({@link #absoluteDeadline}) only times the hot path and the session timer, and every
 * decision that a session is over reads the wall clock. Every sum saturates at {@link Times#NEVER}.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class TokenState {
  /** A deadline that never comes. */
  public static final long NEVER = Times.NEVER;

  /**
   * The touch interval of a state without session timeouts, 30 seconds: at 100,000 keys served
   * in turn, a write every second per key would make about one call in six write.
   */
  public static final long COARSE_TOUCH_INTERVAL = 30_000_000_000L;

  private static final long SECOND = 1_000_000_000L;
  private static final long MILLISECOND = 1_000_000L;

  /** The token handed out. */
  public final AccessToken token;
  /** The refresh token, or {@code null}. A secret. */
  public final String refreshToken;
  /** When the access token expires (ticker nanos). */
  public final long expiresAt;
  /** From here on the token is STALE: still served, and one background refresh starts. */
  public final long refreshAt;
  /** From here on the token is EXPIRED: callers wait for a new one. */
  public final long usableUntil;
  /** When the refresh token expires; {@link #NEVER} when the provider did not say. */
  public final long refreshTokenExpiresAt;
  /**
   * The absolute end of the provider session on the ticker: exact for {@code session_expires_in},
   * an estimate for {@code session_expiration_time}; {@link #NEVER} for none.
   */
  public final long absoluteDeadline;
  /** {@code session_expiration_time} as epoch milliseconds on the wall clock, or {@link #NEVER}. */
  public final long absoluteWall;
  /** {@code session_idle_timeout} in nanoseconds, or {@link #NEVER}. */
  public final long idleTimeout;
  /** The hot path serves the token while {@code now < freshUntil}. */
  public final long freshUntil;
  /**
   * How stale the recorded last use may get before a call records it again (and checks the
   * session). With an idle timeout it bounds how early the idle deadline may err: a hundredth of
   * the timeout, at most a second. With only an absolute deadline, a second, so that its warning
   * (and a wall-clock step past it) is noticed on use even when the timer is late. Without a
   * session the recorded use only tells Caffeine's size eviction that the key is in use, which
   * needs no precision: {@link #COARSE_TOUCH_INTERVAL}.
   */
  public final long touchInterval;
  /** {@code session_id}, or {@code null}. */
  public final String sessionId;
  /** The request whose {@code endpoint_id}, scope and TTLs a refresh sends again, or {@code null}. */
  public final TokenRequest request;
  /**
   * The ticker and the wall clock read together when the state was made: deadlines are shown as
   * wall instants from this one pair, so they read the same however often they are asked for.
   */
  public final long anchorNanos;
  /** See {@link #anchorNanos}; epoch milliseconds. */
  public final long anchorWallMillis;

  private TokenState(TokenResponse response, TokenRequest request, TokenState session,
      long refreshWindow, long expiryMargin, boolean renewable, long now, long wallNow,
      double spread) {
    this.token = response.accessToken();
    this.request = request;
    this.anchorNanos = now;
    this.anchorWallMillis = wallNow;
    // The answer may have arrived a little earlier (a login callback put()s it later): its
    // durations run from its arrival. A wall clock stepped back since then counts as no delay.
    long age = Math.max(0, Times.minus(wallNow, Times.epochMillis(response.receivedAt())));
    long receivedAt = Times.minus(now, Times.millisToNanos(age));
    long lifetime = Times.nanos(response.expiresIn());
    this.expiresAt = Times.add(receivedAt, lifetime);
    // A short-lived token gets at most half of its life as refresh window, and at most a tenth
    // as margin, so that a 600 s token is refreshed every 300 s, not constantly.
    long margin = Math.min(expiryMargin, lifetime / 10);
    this.usableUntil = Times.before(expiresAt, margin);
    long window = Math.min(refreshWindow, lifetime / 2);
    // The key's share of the spread moves its refresh later inside the window, so tokens
    // acquired together are not all refreshed together (a token budget's spread).
    long refreshFrom = Times.add(Times.before(expiresAt, window), (long) (window * spread));
    long refreshIn = refreshInNanos(response, lifetime);
    if (refreshIn >= 0) {
      refreshFrom = Times.add(receivedAt, refreshIn);
    }
    this.refreshAt = Math.min(refreshFrom, usableUntil);

    // RFC 6749, section 6: when a refresh answer carries no new refresh token, the old one stays.
    String newRefreshToken = response.refreshToken().orElse(null);
    if (newRefreshToken != null) {
      this.refreshToken = newRefreshToken;
      this.refreshTokenExpiresAt = Times.add(receivedAt,
          Times.nanos(response.refreshTokenExpiresIn().orElse(null)));
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
    long wall = NEVER;
    long absolute = NEVER;
    if (response.sessionExpirationTime().isPresent()) {
      wall = Times.epochMillis(response.sessionExpirationTime().get());
      absolute = Times.add(now, Times.millisToNanos(Times.minus(wall, wallNow)));
    } else if (response.sessionExpiresIn().isPresent()) {
      absolute = Times.add(receivedAt, Times.nanos(response.sessionExpiresIn().get()));
    }
    long idle = response.sessionIdleTimeout().map(Times::nanos).orElse(NEVER);
    String id = response.sessionId().orElse(null);
    if (session != null) {
      if (absolute == NEVER && wall == NEVER) {
        absolute = session.absoluteDeadline;
        wall = session.absoluteWall;
      }
      idle = idle == NEVER ? session.idleTimeout : idle;
      id = id == null ? session.sessionId : id;
    }
    this.absoluteDeadline = absolute;
    this.absoluteWall = wall;
    this.idleTimeout = idle;
    this.sessionId = id;
    this.touchInterval = idle != NEVER ? Math.max(MILLISECOND, Math.min(SECOND, idle / 100))
        : absolute != NEVER || wall != NEVER ? SECOND : COARSE_TOUCH_INTERVAL;
    this.freshUntil = Math.min(renewable ? refreshAt : usableUntil, absoluteDeadline);
  }

  /**
   * The state for a token response.
   *
   * @param request the request to send again on refresh, or {@code null}
   * @param session the state this answer refreshes (same provider session), or {@code null} for a
   *     new session
   * @param refreshWindow the configured refresh window, in nanoseconds
   * @param expiryMargin the configured margin before expiry, in nanoseconds
   * @param renewable whether a refresh token or a primary grant can renew the token
   * @param now the ticker now
   * @param wallNow the wall clock now, epoch milliseconds
   */
  public static TokenState of(TokenResponse response, TokenRequest request, TokenState session,
      long refreshWindow, long expiryMargin, boolean renewable, long now, long wallNow) {
    return new TokenState(response, request, session, refreshWindow, expiryMargin, renewable, now,
        wallNow, 0);
  }

  /**
   * {@link #of(TokenResponse, TokenRequest, TokenState, long, long, boolean, long, long)} with the
   * refresh moment moved later by {@code spread} of the refresh window (a provider's
   * {@code refresh_in} is taken as it is).
   *
   * @param spread the key's share, from 0 to 0.5 (see {@code Spread})
   */
  public static TokenState of(TokenResponse response, TokenRequest request, TokenState session,
      long refreshWindow, long expiryMargin, boolean renewable, long now, long wallNow,
      double spread) {
    return new TokenState(response, request, session, refreshWindow, expiryMargin, renewable, now,
        wallNow, Math.max(0, Math.min(0.5, spread)));
  }

  /**
   * The same state without its refresh token, after the provider refused it.
   *
   * @param renewable whether a primary grant can still renew the token (it then stays STALE from
   *     the refresh moment on, else it is served until it expires)
   */
  public TokenState withoutRefreshToken(boolean renewable) {
    return new TokenState(this, null, NEVER,
        Math.min(renewable ? refreshAt : usableUntil, absoluteDeadline));
  }

  /**
   * The same state with the refresh token the provider rotated in an answer that was otherwise
   * refused: the old refresh token is dead, the new one is the only way on.
   */
  public TokenState withRefreshToken(String rotated) {
    return new TokenState(this, rotated, NEVER, freshUntil);
  }

  private TokenState(TokenState other, String refreshToken, long refreshTokenExpiresAt,
      long freshUntil) {
    this.token = other.token;
    this.refreshToken = refreshToken;
    this.expiresAt = other.expiresAt;
    this.refreshAt = other.refreshAt;
    this.usableUntil = other.usableUntil;
    this.refreshTokenExpiresAt = refreshTokenExpiresAt;
    this.absoluteDeadline = other.absoluteDeadline;
    this.absoluteWall = other.absoluteWall;
    this.idleTimeout = other.idleTimeout;
    this.freshUntil = freshUntil;
    this.touchInterval = other.touchInterval;
    this.sessionId = other.sessionId;
    this.request = other.request;
    this.anchorNanos = other.anchorNanos;
    this.anchorWallMillis = other.anchorWallMillis;
  }

  /**
   * A state read back from a shared store ({@link StateCodec}): every field as given, deadlines
   * already on this process's ticker.
   */
  static TokenState restore(AccessToken token, String refreshToken, long expiresAt,
      long refreshAt, long usableUntil, long refreshTokenExpiresAt, long absoluteDeadline,
      long absoluteWall, long idleTimeout, long freshUntil, long touchInterval, String sessionId,
      TokenRequest request, long now, long wallNow) {
    return new TokenState(token, refreshToken, expiresAt, refreshAt, usableUntil,
        refreshTokenExpiresAt, absoluteDeadline, absoluteWall, idleTimeout, freshUntil,
        touchInterval, sessionId, request, now, wallNow);
  }

  private TokenState(AccessToken token, String refreshToken, long expiresAt, long refreshAt,
      long usableUntil, long refreshTokenExpiresAt, long absoluteDeadline, long absoluteWall,
      long idleTimeout, long freshUntil, long touchInterval, String sessionId,
      TokenRequest request, long now, long wallNow) {
    this.anchorNanos = now;
    this.anchorWallMillis = wallNow;
    this.token = token;
    this.refreshToken = refreshToken;
    this.expiresAt = expiresAt;
    this.refreshAt = refreshAt;
    this.usableUntil = usableUntil;
    this.refreshTokenExpiresAt = refreshTokenExpiresAt;
    this.absoluteDeadline = absoluteDeadline;
    this.absoluteWall = absoluteWall;
    this.idleTimeout = idleTimeout;
    this.freshUntil = freshUntil;
    this.touchInterval = touchInterval;
    this.sessionId = sessionId;
    this.request = request;
  }

  /** Whether the refresh token exists and has not expired at {@code now}. */
  public boolean refreshTokenAlive(long now) {
    return refreshToken != null && now < refreshTokenExpiresAt;
  }

  /**
   * Whether the provider session is over at ticker {@code now} and wall {@code wallNow}, given
   * the last recorded use.
   */
  public boolean sessionOver(long now, long wallNow, long lastUsed) {
    boolean absoluteOver = absoluteWall != NEVER ? wallNow >= absoluteWall
        : now >= absoluteDeadline;
    return absoluteOver || (idleTimeout != NEVER && Times.minus(now, lastUsed) >= idleTimeout);
  }

  /** The idle deadline for the given last use, or {@link #NEVER}. */
  public long idleDeadline(long lastUsed) {
    return idleTimeout == NEVER ? NEVER : Times.add(lastUsed, idleTimeout);
  }

  /** The earlier session deadline on the ticker, or {@link #NEVER}. */
  public long sessionEnd(long lastUsed) {
    return Math.min(absoluteDeadline, idleDeadline(lastUsed));
  }

  /** Whether the provider enforces a session timeout on this token. */
  public boolean hasSessionDeadline() {
    return absoluteDeadline != NEVER || absoluteWall != NEVER || idleTimeout != NEVER;
  }

  /**
   * The moment after which nothing can revive this state: the session's end, else the later of
   * the access token's expiry and (when there is one) the refresh token's expiry. An access token
   * that outlives its refresh token is still served until it expires.
   */
  public long reviveDeadline(long lastUsed) {
    long end = sessionEnd(lastUsed);
    return Math.min(end,
        refreshToken != null ? Math.max(refreshTokenExpiresAt, expiresAt) : expiresAt);
  }

  /** A ticker deadline as a wall instant, from this state's anchor; NEVER stays NEVER. */
  public long wallMillis(long deadline) {
    if (deadline == NEVER) {
      return NEVER;
    }
    return Times.add(anchorWallMillis,
        Math.floorDiv(Times.minus(deadline, anchorNanos), 1_000_000L));
  }

  private static long refreshInNanos(TokenResponse response, long lifetime) {
    // Microsoft identity platform's refresh_in (seconds): the server's own advice on when to
    // refresh proactively, honoured by MSAL. Ignored unless it falls inside the lifetime.
    Object value = response.additionalFields().get("refresh_in");
    if (value instanceof Number n) {
      long nanos = Times.secondsToNanos(n.longValue());
      if (nanos > 0 && nanos < lifetime) {
        return nanos;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return "TokenState[token=" + token + ", refreshToken=" + (refreshToken == null ? "none" : "██")
        + ", sessionId=" + sessionId + "]";
  }
}

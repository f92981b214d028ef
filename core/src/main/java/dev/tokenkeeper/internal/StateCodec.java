package dev.tokenkeeper.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenRequest;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link TokenState} as the bytes a shared {@code TokenStore} keeps, and back. Deadlines live
 * on each process's own monotonic ticker, so they travel as wall-clock epoch milliseconds:
 * written as {@code wallNow + (deadline - now)}, read back as {@code now + (wall - wallNow)}.
 * Instances must therefore keep their wall clocks in step (NTP); a skew of s makes a reader see
 * deadlines s early or late, and the expiry margin absorbs small ones.
 *
 * <p>What is kept: the access token (value, type, scope, expiry), the refresh token and its
 * expiry, the refresh, usable and fresh moments, the session's deadlines, idle timeout and id,
 * and the request a refresh repeats (its {@code scope}, {@code client_id}, {@code endpoint_id}
 * and TTLs; never its grant, whose secrets a refresh does not need). JSON, through Nimbus. The
 * bytes hold secrets: the store encrypts them.
 *
 * <p>Stateless and thread-safe. Not part of the API.
 */
public final class StateCodec {
  private static final int FORMAT = 1;
  /** The grant of a restored request: never sent (a refresh replaces it). */
  private static final Grant STORED_GRANT = Grant.custom("urn:tokenkeeper:stored", Map.of());

  private StateCodec() {}

  public static byte[] encode(TokenState s, long now, long wallNow) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("f", FORMAT);
    m.put("at", s.token.value());
    m.put("tt", s.token.tokenType());
    if (s.token.scope() != null) {
      m.put("sc", s.token.scope());
    }
    m.put("ax", s.token.expiresAt().toEpochMilli());
    if (s.refreshToken != null) {
      m.put("rt", s.refreshToken);
    }
    m.put("exp", wall(s.expiresAt, now, wallNow));
    m.put("ref", wall(s.refreshAt, now, wallNow));
    m.put("use", wall(s.usableUntil, now, wallNow));
    m.put("rtx", wall(s.refreshTokenExpiresAt, now, wallNow));
    m.put("abs", wall(s.absoluteDeadline, now, wallNow));
    m.put("absw", s.absoluteWall);
    m.put("idle", s.idleTimeout);
    m.put("fresh", wall(s.freshUntil, now, wallNow));
    m.put("touch", s.touchInterval);
    if (s.sessionId != null) {
      m.put("sid", s.sessionId);
    }
    TokenRequest r = s.request;
    if (r != null) {
      Map<String, Object> req = new LinkedHashMap<>();
      putIf(req, "scope", r.scope());
      putIf(req, "client_id", r.clientId());
      putIf(req, "endpoint_id", r.endpointId());
      putIf(req, "access_token_ttl", r.accessTokenTtl());
      putIf(req, "refresh_token_ttl", r.refreshTokenTtl());
      m.put("req", req);
    }
    return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The state in {@code bytes}, its deadlines on this process's ticker.
   *
   * @throws IllegalArgumentException not a state this codec wrote (the message holds no secret)
   */
  public static TokenState decode(byte[] bytes, long now, long wallNow) {
    try {
      Map<String, Object> m = JSONObjectUtils.parse(new String(bytes, StandardCharsets.UTF_8));
      Object format = m.get("f");
      if (!(format instanceof Number n) || n.intValue() != FORMAT) {
        throw new IllegalArgumentException("a stored token state of an unknown format (" + format
            + "); this TokenKeeper reads format " + FORMAT);
      }
      AccessToken token = AccessToken.of(JSONObjectUtils.getString(m, "at"),
          JSONObjectUtils.getString(m, "tt"), JSONObjectUtils.getString(m, "sc"),
          Instant.ofEpochMilli(JSONObjectUtils.getLong(m, "ax")));
      TokenRequest request = null;
      Map<String, Object> req = JSONObjectUtils.getJSONObject(m, "req");
      if (req != null) {
        request = TokenRequest.builder(STORED_GRANT)
            .scope(JSONObjectUtils.getString(req, "scope"))
            .clientId(JSONObjectUtils.getString(req, "client_id"))
            .endpointId(JSONObjectUtils.getString(req, "endpoint_id"))
            .accessTokenTtl(integer(req, "access_token_ttl"))
            .refreshTokenTtl(integer(req, "refresh_token_ttl"))
            .build();
      }
      return TokenState.restore(token, JSONObjectUtils.getString(m, "rt"),
          ticker(m, "exp", now, wallNow), ticker(m, "ref", now, wallNow),
          ticker(m, "use", now, wallNow), ticker(m, "rtx", now, wallNow),
          ticker(m, "abs", now, wallNow), JSONObjectUtils.getLong(m, "absw"),
          JSONObjectUtils.getLong(m, "idle"), ticker(m, "fresh", now, wallNow),
          JSONObjectUtils.getLong(m, "touch"), JSONObjectUtils.getString(m, "sid"), request,
          now, wallNow);
    } catch (ParseException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
          && iae.getMessage().startsWith("a stored token state")) {
        throw iae;
      }
      // Never e.getMessage(): a parser may quote the input, which holds tokens.
      throw new IllegalArgumentException("a stored token state could not be read ("
          + e.getClass().getSimpleName() + ")");
    }
  }

  /** The wall-clock instant (epoch ms) of a deadline, for {@code expiresAt} as a store TTL. */
  public static long wall(long deadline, long now, long wallNow) {
    if (deadline == Times.NEVER) {
      return Times.NEVER;
    }
    return Times.add(wallNow, Times.minus(deadline, now) / 1_000_000L);
  }

  private static long ticker(Map<String, Object> m, String field, long now, long wallNow)
      throws ParseException {
    long wall = JSONObjectUtils.getLong(m, field);
    if (wall == Times.NEVER) {
      return Times.NEVER;
    }
    return Times.add(now, Times.millisToNanos(Times.minus(wall, wallNow)));
  }

  private static Integer integer(Map<String, Object> m, String field) {
    Object n = m.get(field);
    return n instanceof Number number ? number.intValue() : null;
  }

  private static void putIf(Map<String, Object> m, String field, Object value) {
    if (value != null) {
      m.put(field, value);
    }
  }
}

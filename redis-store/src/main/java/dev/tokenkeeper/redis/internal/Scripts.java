package dev.tokenkeeper.redis.internal;

/**
 * The Lua scripts that make each step atomic in Redis. Every script touches only keys of one
 * hash tag (one key's state and lease, or one budget), so each runs on one Cluster node.
 *
 * <p>Versions come from Redis itself: the next version is the larger of the old one + 1 and the
 * server's {@code TIME} in microseconds, so a key's version never goes back, even after its
 * state expired or was removed and written again.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
final class Scripts {
  private Scripts() {}

  /**
   * Versions are written as decimal strings: a Lua number passed to {@code redis.call} becomes
   * {@code %.14g} text, which would round a 16-digit version to 100 microseconds (two versions
   * could then compare equal, and a stale writer pass the fence).
   */
  private static final String NEXT_VERSION = """
      local function nextVersion(old)
        local t = redis.call('TIME')
        local micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
        if micros > old then return micros end
        return old + 1
      end
      local function text(n)
        return string.format('%.0f', n)
      end
      """;

  /**
   * Claim: KEYS state, lease; ARGV seen version, owner, lease millis. Returns {0, version} when
   * the lease is granted (SET NX PX), {1, version, value} when the version moved on, {2, pttl}
   * when another instance holds the lease.
   */
  static final String CLAIM = """
      local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
      if v ~= tonumber(ARGV[1]) then
        return {1, v, redis.call('HGET', KEYS[1], 'd')}
      end
      if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
        return {0, v}
      end
      return {2, redis.call('PTTL', KEYS[2])}
      """;

  /** Renew: KEYS lease; ARGV owner, lease millis. 1 if still ours and extended, else 0. */
  static final String RENEW = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then
        return redis.call('PEXPIRE', KEYS[1], ARGV[2])
      end
      return 0
      """;

  /**
   * Release: KEYS lease; ARGV owner, channel, message. Deletes the lease only if it is still
   * ours, and tells the waiting instances that it is free.
   */
  static final String RELEASE = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then
        redis.call('DEL', KEYS[1])
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 1
      end
      return 0
      """;

  /**
   * The fenced write: KEYS state, lease; ARGV owner, expected version, value ('' removes),
   * ttl millis (0: none), channel, key, tombstone millis. Written only if the lease is the
   * writer's, or lapsed with nobody holding it now, and the version is still the expected one.
   * The writer's lease ends either way. Returns {1, new version} or {0, version, value}
   * (refused: what is stored).
   */
  static final String FENCED_WRITE = NEXT_VERSION + """
      local holder = redis.call('GET', KEYS[2])
      local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
      if (holder and holder ~= ARGV[1]) or v ~= tonumber(ARGV[2]) then
        if holder == ARGV[1] then
          -- Refused, but the lease is still ours: it ends here, and the waiters are told.
          redis.call('DEL', KEYS[2])
          redis.call('PUBLISH', ARGV[5], ARGV[6] .. '\\nreleased')
        end
        return {0, v, redis.call('HGET', KEYS[1], 'd')}
      end
      local nv = nextVersion(v)
      if ARGV[3] == '' then
        redis.call('HDEL', KEYS[1], 'd')
        redis.call('HSET', KEYS[1], 'v', text(nv))
        redis.call('PEXPIRE', KEYS[1], ARGV[7])
      else
        redis.call('HSET', KEYS[1], 'v', text(nv), 'd', ARGV[3])
        if tonumber(ARGV[4]) > 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[4])
        else
          redis.call('PERSIST', KEYS[1])
        end
      end
      if holder then redis.call('DEL', KEYS[2]) end
      redis.call('PUBLISH', ARGV[5], ARGV[6] .. '\\n' .. text(nv))
      return {1, nv}
      """;

  /**
   * The unconditional write (a sign-in's tokens, a removal): KEYS state; ARGV value ('' removes),
   * ttl millis, channel, key, tombstone millis. Returns the new version.
   */
  static final String PUT = NEXT_VERSION + """
      local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
      local nv = nextVersion(v)
      if ARGV[1] == '' then
        redis.call('HDEL', KEYS[1], 'd')
        redis.call('HSET', KEYS[1], 'v', text(nv))
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
      else
        redis.call('HSET', KEYS[1], 'v', text(nv), 'd', ARGV[1])
        if tonumber(ARGV[2]) > 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        else
          redis.call('PERSIST', KEYS[1])
        end
      end
      redis.call('PUBLISH', ARGV[3], ARGV[4] .. '\\n' .. text(nv))
      return nv
      """;

  /** Read: KEYS state. Returns {version, value}. */
  static final String READ = """
      return {tonumber(redis.call('HGET', KEYS[1], 'v') or '0'), redis.call('HGET', KEYS[1], 'd')}
      """;

  /**
   * A sliding-window limiter shared by every instance: KEYS window (a sorted set of permits),
   * pause; ARGV limit, window millis, a unique member, in-flight cap millis. A permit is counted
   * from its grant until its request completes ({@link #COMPLETE} stamps it then) plus the window:
   * the provider counts a request when it arrives, somewhere between the two. An open permit
   * carries the score {@code now + cap} until then, so one whose holder died ends by itself.
   * Returns 0 when admitted, else the milliseconds until a slot may free (or the pause ends).
   * Time is Redis's, the same for all.
   */
  static final String ACQUIRE = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local paused = redis.call('PTTL', KEYS[2])
      if paused > 0 then return paused end
      local limit = tonumber(ARGV[1])
      local window = tonumber(ARGV[2])
      local cap = tonumber(ARGV[4])
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
      if redis.call('ZCARD', KEYS[1]) < limit then
        redis.call('ZADD', KEYS[1], now + cap, ARGV[3])
        redis.call('PEXPIRE', KEYS[1], window + cap + 1000)
        return 0
      end
      local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
      local score = tonumber(oldest[2])
      if score > now then
        return math.max(10, math.min(250, math.floor(window / 20)))
      end
      local wait = score + window - now + 1
      if wait < 1 then wait = 1 end
      return wait
      """;

  /** Complete: KEYS window; ARGV member. Stamps an open permit with Redis's time now. */
  static final String COMPLETE = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
      return 1
      """;

  /** Pause: KEYS pause; ARGV millis. Extends the pause to at least that long, never shortens. */
  static final String PAUSE = """
      local left = redis.call('PTTL', KEYS[1])
      if left < tonumber(ARGV[1]) then
        redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
      end
      return redis.call('PTTL', KEYS[1])
      """;

  /** Pause left: KEYS pause. Milliseconds, 0 when none. */
  static final String PAUSE_LEFT = """
      local left = redis.call('PTTL', KEYS[1])
      if left < 0 then return 0 end
      return left
      """;
}

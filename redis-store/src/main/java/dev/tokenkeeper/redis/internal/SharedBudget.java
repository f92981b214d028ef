package dev.tokenkeeper.redis.internal;

import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token-endpoint budget shared by every instance through Redis: a sliding window of permits
 * per endpoint (and, optionally, per key, in the key's own slot), each step one Lua script on
 * Redis's clock, and the provider's {@code Retry-After} as a pause key that every instance reads.
 * A permit counts from its grant until one window after its request completed, so N instances
 * with a budget of 20 per second send at most 20 in any second as the provider counts them, however
 * late a request reaches it.
 *
 * <p>Answers in relative nanoseconds like the in-process limiter: {@code 0} granted, {@code > 0}
 * nanoseconds until the endpoint has room (full or paused), {@code < 0} the key's wait.
 * Each call is one Redis round trip, made only when a token request is about to be sent.
 *
 * <p>Thread-safe. Internal: not part of TokenKeeper's API.
 */
public final class SharedBudget {
  private final RedisLink link;
  private final String window;
  private final String pause;
  private final RedisKeys keys;
  private final int limit;
  private final long windowMillis;
  private final int perKeyLimit;
  private final long perKeyWindowMillis;
  private final long timeoutMillis;
  private final String instanceId;
  private final AtomicLong members = new AtomicLong();
  /** Open permits of this instance per key, oldest first: {member, key window, key member}. */
  private final ConcurrentHashMap<String, ConcurrentLinkedDeque<String[]>> open =
      new ConcurrentHashMap<>();

  /** How long an open permit counts at most before its completion (its holder may have died). */
  static final long IN_FLIGHT_CAP_MILLIS = 120_000;

  /**
   * @param endpoint names the budget (one per provider), such as the token URI
   * @param perKeyLimit 0 for no per-key limit
   */
  public SharedBudget(LeasedStore store, String endpoint, int limit, Duration window,
      int perKeyLimit, Duration perKeyWindow, Duration timeout) {
    this.link = store.link();
    this.keys = store.keys();
    this.window = keys.endpointBudget(endpoint);
    this.pause = keys.endpointPause(endpoint);
    this.limit = limit;
    this.windowMillis = guarded(window.toMillis());
    this.perKeyLimit = perKeyLimit;
    this.perKeyWindowMillis = perKeyWindow == null ? 0 : guarded(perKeyWindow.toMillis());
    this.timeoutMillis = timeout.toMillis();
    this.instanceId = store.instanceId();
  }

  /**
   * The window as held: 5% (at least 50 ms) longer than configured, so that requests delayed in
   * transit (scheduling, a busy network) do not land in the same window as the provider counts
   * it. A budget of 20 per second admits at most 20 in any 1.05 s on Redis's clock.
   */
  static long guarded(long windowMillis) {
    return windowMillis + Math.max(50, windowMillis / 20);
  }

  /**
   * Takes a permit for a request of {@code key}, or says how long to wait.
   *
   * @throws RuntimeException Redis cannot be reached (the caller falls back to its own budget)
   */
  public long tryAcquire(String key) {
    String keyWindow = null;
    String keyMember = null;
    if (perKeyLimit > 0) {
      keyWindow = keys.budget(key);
      keyMember = member();
      long keyWait = acquire(keyWindow, keys.budgetPause(key), perKeyLimit,
          perKeyWindowMillis, keyMember);
      if (keyWait > 0) {
        return -TimeUnit.MILLISECONDS.toNanos(keyWait);
      }
    }
    String member = member();
    long wait = acquire(window, pause, limit, windowMillis, member);
    if (wait > 0) {
      if (keyWindow != null) {
        // The endpoint said no: give the key's permit back.
        call(link.commands().zrem(keyWindow, keyMember.getBytes(StandardCharsets.UTF_8)));
      }
    } else {
      open.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>())
          .add(new String[] {member, keyWindow, keyMember});
    }
    return TimeUnit.MILLISECONDS.toNanos(wait);
  }

  /**
   * The request of this instance's oldest open permit of {@code key} completed: from now on it
   * counts for one window more. Asynchronous; an open permit whose stamp is lost ends by its cap.
   */
  public void complete(String key) {
    ConcurrentLinkedDeque<String[]> permits = open.get(key);
    String[] permit = permits == null ? null : permits.poll();
    if (permit == null) {
      return;
    }
    if (permits.isEmpty()) {
      open.remove(key, permits);
    }
    stamp(window, permit[0]);
    if (permit[1] != null) {
      stamp(permit[1], permit[2]);
    }
  }

  private void stamp(String windowKey, String member) {
    try {
      link.commands().<Long>eval(Scripts.COMPLETE, ScriptOutputType.INTEGER,
          new String[] {windowKey}, bytes(member));
    } catch (RuntimeException e) {
      // Unreachable: the permit ends by its in-flight cap.
    }
  }

  /** Pauses every instance's requests for {@code nanos}; never shortens a longer pause. */
  public void pause(long nanos) {
    long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
    call(link.commands().<Long>eval(Scripts.PAUSE, ScriptOutputType.INTEGER,
        new String[] {pause}, bytes(Long.toString(millis))));
  }

  /** How much longer the shared pause lasts, in nanoseconds (0 for none). */
  public long pausedForNanos() {
    Long left = call(link.commands().<Long>eval(Scripts.PAUSE_LEFT, ScriptOutputType.INTEGER,
        new String[] {pause}));
    return TimeUnit.MILLISECONDS.toNanos(left == null ? 0 : left);
  }

  /** Requests counted in the endpoint's window now. */
  public int used() {
    Long n = call(link.commands().zcount(window,
        io.lettuce.core.Range.create((double) 0, Double.MAX_VALUE)));
    return n == null ? 0 : n.intValue();
  }

  public int limit() {
    return limit;
  }

  private long acquire(String windowKey, String pauseKey, int max, long millis, String member) {
    Long wait = call(link.commands().<Long>eval(Scripts.ACQUIRE, ScriptOutputType.INTEGER,
        new String[] {windowKey, pauseKey}, bytes(Integer.toString(max)),
        bytes(Long.toString(millis)), bytes(member), bytes(Long.toString(IN_FLIGHT_CAP_MILLIS))));
    return wait == null ? 0 : wait;
  }

  private String member() {
    return instanceId + ":" + members.incrementAndGet();
  }

  private <T> T call(io.lettuce.core.RedisFuture<T> future) {
    try {
      return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new dev.tokenkeeper.TokenStoreException("interrupted while asking Redis for the"
          + " shared budget", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new dev.tokenkeeper.TokenStoreException("Redis could not answer for the shared"
          + " budget: " + (e.getCause() != null ? e.getCause() : e), e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

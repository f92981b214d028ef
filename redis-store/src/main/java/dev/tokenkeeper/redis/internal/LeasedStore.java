package dev.tokenkeeper.redis.internal;

import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.TokenStoreException;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link TokenStore} on Redis: per key a hash ({@code v} version, {@code d} sealed value)
 * with a TTL, a lease string ({@code SET NX PX} with a unique owner, renewed every third of its
 * period while open), a fenced write in one Lua script, and new versions announced on a pub/sub
 * channel so that near-caches and waiting instances are told instead of polling.
 *
 * <p>Thread-safe. Internal: not part of TokenKeeper's API.
 */
public final class LeasedStore implements TokenStore {
  private static final System.Logger LOG = System.getLogger(LeasedStore.class.getName());
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final String RELEASED = "released";
  /** The first retry's delay after Redis was unreachable at start-up; each next one doubles. */
  static final long FIRST_RETRY_MILLIS = 100;

  private final RedisLink link;
  private final RedisKeys keys;
  private final ValueCipher cipher;
  private final Clock clock;
  private final long leaseMillis;
  private final long maxWaitMillis;
  private final long tombstoneMillis;
  private final String instanceId;
  private final AtomicLong owners = new AtomicLong();
  private final ScheduledExecutorService timer;
  private final ConcurrentHashMap<String, CompletableFuture<Void>> signals =
      new ConcurrentHashMap<>();
  private final RateLimitedLog warnings = new RateLimitedLog(LOG, Duration.ofSeconds(30));
  private volatile VersionListener listener;
  private volatile boolean closed;
  /** The longest delay between two attempts to reach a Redis not reached since start-up. */
  private final long reconnectMillis;
  /** Attempts to reach Redis since start-up, while it has not been reached. */
  private final AtomicInteger connectAttempts = new AtomicInteger();
  private final String redactedUri;

  public LeasedStore(RedisLink link, RedisKeys keys, ValueCipher cipher, Clock clock,
      Duration lease, Duration maxWait, Duration reconnectDelay, String redactedUri) {
    this.link = link;
    this.keys = keys;
    this.cipher = cipher;
    this.clock = clock;
    this.leaseMillis = lease.toMillis();
    this.maxWaitMillis = maxWait.toMillis();
    this.tombstoneMillis = Math.max(60_000, 4 * leaseMillis);
    byte[] id = new byte[12];
    new SecureRandom().nextBytes(id);
    this.instanceId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "tokenkeeper-redis-" + THREADS.incrementAndGet());
      thread.setDaemon(true);
      thread.setContextClassLoader(ClassLoader.getSystemClassLoader());
      return thread;
    });
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    this.reconnectMillis = Math.max(1, reconnectDelay.toMillis());
    this.redactedUri = redactedUri;
  }

  // ---- connecting -----------------------------------------------------------------------------

  /**
   * The first attempt to reach Redis, on the caller's thread (the store's build). Reached: the
   * store shares from now on. Unreachable: unless {@code required}, a WARNING, and attempts go on
   * in the background on the store's timer, {@link #FIRST_RETRY_MILLIS} apart and doubling up to
   * the reconnect delay, until Redis answers; meanwhile every operation fails at once with a
   * {@link TokenStoreException}, so the manager carries on per instance.
   *
   * @return whether Redis was reached
   * @throws IllegalStateException Redis answered and refused the credentials (a configuration
   *     error, never retried)
   * @throws TokenStoreException {@code required} and Redis cannot be reached
   */
  public boolean connect(boolean required) {
    try {
      open();
      return true;
    } catch (RuntimeException e) {
      if (RedisLink.credentialsRefused(e)) {
        throw new IllegalStateException("Redis (" + redactedUri + ") refused this instance's"
            + " credentials: " + rootMessage(e) + ". Check the user and password in the store's"
            + " URI (redis://user:password@host:port) and Redis's ACL", e);
      }
      if (required) {
        throw new TokenStoreException("Redis (" + redactedUri + ") cannot be reached: "
            + rootMessage(e) + ". It is required at start-up (RedisTokenStore.Builder"
            + ".requireRedisAtStart); without that option the store starts and connects when"
            + " Redis answers", e);
      }
      warnings.warn("Redis (" + redactedUri + ") cannot be reached at start-up (" + rootMessage(e)
          + "); this instance starts alone, with its own cache, single flight and budget, and"
          + " keeps trying to connect (at most " + reconnectMillis + " ms apart)");
      scheduleConnect(Math.min(FIRST_RETRY_MILLIS, reconnectMillis));
      return false;
    }
  }

  /** Whether Redis has been reached (the connections may be reconnecting now). */
  public boolean connected() {
    return link.opened();
  }

  private void open() {
    link.open(keys.channel(), (channel, message) -> onMessage(message));
  }

  private void scheduleConnect(long delayMillis) {
    if (closed) {
      return;
    }
    try {
      timer.schedule(() -> retryConnect(delayMillis), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // closed meanwhile: nothing more to try
    }
  }

  private void retryConnect(long lastDelay) {
    if (closed) {
      return;
    }
    int attempt = connectAttempts.incrementAndGet() + 1;
    try {
      open();
      LOG.log(System.Logger.Level.INFO, () -> "Redis (" + redactedUri + ") reached at attempt "
          + attempt + ": this instance shares its tokens with the cluster from now on");
    } catch (RuntimeException e) {
      if (closed) {
        return;
      }
      if (RedisLink.credentialsRefused(e)) {
        warnings.warn("Redis (" + redactedUri + ") answers but refuses this instance's"
            + " credentials: " + rootMessage(e) + "; check the store's URI and Redis's ACL."
            + " Still trying");
      } else {
        warnings.warn("Redis (" + redactedUri + ") is still unreachable after " + attempt
            + " attempts (" + rootMessage(e) + "); still trying");
      }
      scheduleConnect(Math.min(reconnectMillis, 2 * lastDelay));
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** A unique id of this store instance, part of every lease owner it writes. */
  public String instanceId() {
    return instanceId;
  }

  public RedisKeys keys() {
    return keys;
  }

  public RedisLink link() {
    return link;
  }

  public long leaseMillis() {
    return leaseMillis;
  }

  // ---- TokenStore ----------------------------------------------------------------------------

  @Override
  public CompletableFuture<Entry> read(String key) {
    Objects.requireNonNull(key, "key");
    String stateKey = keys.state(key);
    return this.<List<Object>>eval(Scripts.READ, new String[] {stateKey})
        .thenApply(reply -> entry(stateKey, number(reply.get(0)), (byte[]) reply.get(1)));
  }

  @Override
  public CompletableFuture<Claim> claim(String key, long seenVersion) {
    Objects.requireNonNull(key, "key");
    CompletableFuture<Claim> result = new CompletableFuture<>();
    attemptClaim(key, seenVersion, result, clock.millis() + maxWaitMillis);
    return result;
  }

  private void attemptClaim(String key, long seen, CompletableFuture<Claim> result,
      long deadline) {
    if (closed) {
      result.completeExceptionally(new IllegalStateException("the Redis token store is closed"));
      return;
    }
    // Registered before asking, so that a write announced between the answer and the wait is
    // not missed.
    CompletableFuture<Void> signal = signals.computeIfAbsent(key, k -> new CompletableFuture<>());
    String owner = instanceId + ":" + owners.incrementAndGet();
    String stateKey = keys.state(key);
    this.<List<Object>>eval(Scripts.CLAIM, new String[] {stateKey, keys.lease(key)},
            Long.toString(seen), owner, Long.toString(leaseMillis))
        .whenComplete((reply, failure) -> {
          if (failure != null) {
            result.completeExceptionally(unavailable("claim the lease of key '" + key + "'",
                failure));
            return;
          }
          try {
            long code = number(reply.get(0));
            if (code == 0) {
              result.complete(Claim.granted(new RedisLease(key, owner, number(reply.get(1)))));
            } else if (code == 1) {
              result.complete(Claim.newer(
                  entry(stateKey, number(reply.get(1)), (byte[]) reply.get(2))));
            } else {
              long now = clock.millis();
              if (now >= deadline) {
                result.completeExceptionally(new TokenStoreException("another instance has held"
                    + " the lease of key '" + key + "' for longer than the store's maximum wait ("
                    + maxWaitMillis + " ms) without writing; raise"
                    + " RedisTokenStore.Builder.maxWait if the provider is that slow"));
                return;
              }
              long pttl = Math.max(1, number(reply.get(1)));
              waitThenRetry(key, seen, result, deadline, signal,
                  Math.min(pttl + 5, deadline - now));
            }
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
  }

  /** Retries the claim when the key is announced, or when the holder's lease may have lapsed. */
  private void waitThenRetry(String key, long seen, CompletableFuture<Claim> result,
      long deadline, CompletableFuture<Void> signal, long delayMillis) {
    AtomicBoolean once = new AtomicBoolean();
    Runnable retry = () -> {
      if (once.compareAndSet(false, true)) {
        attemptClaim(key, seen, result, deadline);
      }
    };
    ScheduledFuture<?> timeout = schedule(retry, delayMillis);
    signal.thenRun(() -> {
      if (timeout != null) {
        timeout.cancel(false);
      }
      retry.run();
    });
  }

  @Override
  public CompletableFuture<Entry> put(String key, byte[] value, Instant expiresAt) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    String stateKey = keys.state(key);
    byte[] sealed = cipher.seal(stateKey, value);
    return this.<Long>evalWith(Scripts.PUT, ScriptOutputType.INTEGER, new String[] {stateKey},
            sealed, bytes(Long.toString(ttl(expiresAt))), bytes(keys.channel()), bytes(key),
            bytes(Long.toString(tombstoneMillis)))
        .thenApply(version -> Entry.of(version, value));
  }

  @Override
  public CompletableFuture<Void> remove(String key) {
    Objects.requireNonNull(key, "key");
    return this.<Long>evalWith(Scripts.PUT, ScriptOutputType.INTEGER,
            new String[] {keys.state(key)}, new byte[0], bytes("0"), bytes(keys.channel()),
            bytes(key), bytes(Long.toString(tombstoneMillis)))
        .thenApply(version -> null);
  }

  @Override
  public void listen(VersionListener versionListener) {
    this.listener = versionListener;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    timer.shutdownNow();
    link.close();
  }

  // ---- the lease ------------------------------------------------------------------------------

  private final class RedisLease implements Lease {
    private final String key;
    private final String owner;
    private final long version;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final ScheduledFuture<?> renewal;

    RedisLease(String key, String owner, long version) {
      this.key = key;
      this.owner = owner;
      this.version = version;
      long every = Math.max(1, leaseMillis / 3);
      this.renewal = scheduleAtFixedRate(this::renew, every);
    }

    @Override
    public long version() {
      return version;
    }

    private void renew() {
      if (ended.get()) {
        return;
      }
      LeasedStore.this.<Long>eval(Scripts.RENEW, ScriptOutputType.INTEGER,
              new String[] {keys.lease(key)}, owner, Long.toString(leaseMillis))
          .whenComplete((renewed, failure) -> {
            if (failure != null) {
              warnings.warn("could not renew the lease of key '" + key + "' (" + failure
                  + "); retrying");
            } else if (renewed == 0L && !ended.get()) {
              // Lost: it lapsed before this renewal (a pause longer than the lease: GC, a frozen
              // container, a starved thread). Another instance may send a request now; the
              // fenced write decides whose answer is kept.
              warnings.warn("the lease of key '" + key + "' lapsed while its token request was"
                  + " open (this instance paused longer than the lease period, " + leaseMillis
                  + " ms); another instance may take over. Raise"
                  + " RedisTokenStore.Builder.leasePeriod if this repeats");
              stopRenewing();
            }
          });
    }

    private void stopRenewing() {
      if (renewal != null) {
        renewal.cancel(false);
      }
    }

    @Override
    public CompletableFuture<Write> write(byte[] value, Instant expiresAt) {
      Objects.requireNonNull(value, "value");
      return fenced(value, expiresAt);
    }

    @Override
    public CompletableFuture<Write> remove() {
      return fenced(null, null);
    }

    private CompletableFuture<Write> fenced(byte[] value, Instant expiresAt) {
      ended.set(true);
      stopRenewing();
      String stateKey = keys.state(key);
      byte[] sealed;
      try {
        sealed = value == null ? new byte[0] : cipher.seal(stateKey, value);
      } catch (RuntimeException e) {
        release();
        return CompletableFuture.failedFuture(e);
      }
      return LeasedStore.this.<List<Object>>evalWith(Scripts.FENCED_WRITE,
              ScriptOutputType.MULTI, new String[] {stateKey, keys.lease(key)},
              bytes(owner), bytes(Long.toString(version)), sealed,
              bytes(Long.toString(value == null ? 0 : ttl(expiresAt))), bytes(keys.channel()),
              bytes(key), bytes(Long.toString(tombstoneMillis)))
          .thenApply(reply -> {
            if (number(reply.get(0)) == 1) {
              return Write.written(Entry.of(number(reply.get(1)), value));
            }
            return Write.refused(entry(stateKey, number(reply.get(1)),
                reply.size() > 2 ? (byte[]) reply.get(2) : null));
          });
    }

    @Override
    public void release() {
      boolean first = ended.compareAndSet(false, true);
      stopRenewing();
      if (!first) {
        return;
      }
      LeasedStore.this.<Long>eval(Scripts.RELEASE,
              ScriptOutputType.INTEGER, new String[] {keys.lease(key)}, owner, keys.channel(),
              key + "\n" + RELEASED)
          .whenComplete((r, failure) -> {
            if (failure != null) {
              warnings.warn("could not release the lease of key '" + key + "' (" + failure
                  + "); it ends by expiry");
            }
          });
    }

    @Override
    public String toString() {
      return "RedisLease[key=" + key + ", version=" + version + "]";
    }
  }

  // ---- notifications --------------------------------------------------------------------------

  private void onMessage(String message) {
    int nl = message.lastIndexOf('\n');
    if (nl < 0) {
      return;
    }
    String key = message.substring(0, nl);
    String what = message.substring(nl + 1);
    CompletableFuture<Void> signal = signals.remove(key);
    if (signal != null) {
      signal.complete(null);
    }
    if (RELEASED.equals(what)) {
      return;
    }
    VersionListener l = listener;
    if (l != null) {
      try {
        l.onNewVersion(key, Long.parseLong(what));
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "the token store's version listener threw; ignored",
            e);
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private Entry entry(String stateKey, long version, byte[] sealed) {
    if (sealed == null) {
      return Entry.of(version, null);
    }
    try {
      return Entry.of(version, cipher.open(stateKey, sealed));
    } catch (TokenStoreException e) {
      // Unreadable (another key's value, a key not configured, tampering): treated as absent at
      // its version, so the next writer replaces it.
      warnings.warn(e.getMessage());
      return Entry.of(version, null);
    }
  }

  private long ttl(Instant expiresAt) {
    if (expiresAt == null) {
      return 0;
    }
    return Math.max(1, expiresAt.toEpochMilli() - clock.millis());
  }

  private <T> CompletableFuture<T> eval(String script, String[] redisKeys, String... args) {
    return eval(script, ScriptOutputType.MULTI, redisKeys, args);
  }

  private <T> CompletableFuture<T> eval(String script, ScriptOutputType type, String[] redisKeys,
      String... args) {
    byte[][] values = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      values[i] = bytes(args[i]);
    }
    return evalWith(script, type, redisKeys, values);
  }

  private <T> CompletableFuture<T> evalWith(String script, ScriptOutputType type,
      String[] redisKeys, byte[]... values) {
    try {
      CompletionStage<T> stage = link.commands().<T>eval(script, type, redisKeys, values);
      return stage.toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
    try {
      return timer.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      task.run(); // closed: let the claim see it and fail
      return null;
    }
  }

  private ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long everyMillis) {
    try {
      return timer.scheduleAtFixedRate(task, everyMillis, everyMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static TokenStoreException unavailable(String what, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    return new TokenStoreException("Redis could not " + what + ": " + cause, cause);
  }

  private static long number(Object o) {
    if (o instanceof Long l) {
      return l;
    }
    if (o instanceof byte[] b) {
      return Long.parseLong(new String(b, StandardCharsets.US_ASCII));
    }
    throw new TokenStoreException("unexpected reply from Redis: " + o);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

package dev.tokenkeeper.redis;

import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.TokenStoreException;
import dev.tokenkeeper.redis.internal.LeasedStore;
import dev.tokenkeeper.redis.internal.RedisKeys;
import dev.tokenkeeper.redis.internal.RedisLink;
import dev.tokenkeeper.redis.internal.SharedBudget;
import dev.tokenkeeper.redis.internal.ValueCipher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared {@link TokenStore} for a cluster of application instances, on Redis through Lettuce:
 * give it to every instance's {@code TokenManager.Builder.store(...)} and the instances make one
 * token request per key between them, never use a rotated refresh token twice, and keep their
 * tokens encrypted at rest.
 *
 * <pre>{@code
 * TokenStore store = RedisTokenStore.builder("redis://redis.internal:6379")
 *     .encryptionKeys(System.getenv("TOKENKEEPER_REDIS_KEYS"))   // base64, comma-separated
 *     .build();
 * TokenManager tokens = TokenManager.builder(endpoint).primaryGrant(grant).store(store).build();
 * }</pre>
 *
 * <p><b>What is stored.</b> Per key, a Redis hash {@code <namespace>:{key}:state} with a version
 * and the key's state (tokens, deadlines, session data, the request a refresh repeats), sealed
 * with AES-256-GCM (JWE {@code dir} + {@code A256GCM}) with the Redis key name bound as
 * additional authenticated data, and a TTL at the moment nothing can revive the state; a lease
 * {@code <namespace>:{key}:lease} while one instance requests a token. The hash tag {@code {key}}
 * keeps both in one Cluster slot. New versions are announced on the channel
 * {@code <namespace>:versions}.
 *
 * <p><b>URIs.</b> {@code redis://[user:password@]host:port[/db]}, {@code rediss://…} (TLS),
 * {@code redis-sentinel://[password@]host:26379[,host2:26379]#masterName} and
 * {@code redis-cluster://host1:6379,host2:6379} ({@code rediss-cluster://} with TLS), the hosts
 * of a Cluster URI being seeds. Passwords in URIs never appear in messages.
 *
 * <p><b>Encryption keys.</b> One or more 256-bit keys: the first encrypts, all decrypt, and a
 * value is re-encrypted with the first whenever it is written, so a key is rotated by putting
 * the new one first and dropping the old one once every value has been written again (a state is
 * written at every refresh, so after the longest refresh token lifetime at most). Without a key
 * the store refuses to start unless {@link Builder#plaintext()} opts in, and then logs a WARNING.
 *
 * <p><b>Redis unreachable at start-up.</b> The application starts anyway (unless
 * {@link Builder#requireRedisAtStart()}): {@link Builder#build()} logs a WARNING and the store
 * keeps trying to connect in the background, from 100 ms apart doubling up to
 * {@link Builder#reconnectDelay}. Until Redis answers, every store operation fails at once, so the
 * manager does what it does when Redis goes down later: it serves from its own cache with its own
 * single flight and budget, and tells {@code TokenListener.onStoreUnavailable} (a WARNING at
 * most once a minute). No refresh token another instance may have rotated is sent meanwhile: an
 * instance that never reached Redis holds only tokens it obtained itself. Once Redis answers,
 * the instance joins: leases, fenced writes, pub/sub and the shared budget from its next token
 * request on, and the cluster's state (the newest version) replaces its own. A wrong password
 * is a configuration error and fails {@code build()} at once.
 *
 * <p><b>Revocation.</b> {@code TokenManager.revoke(key)} on any instance revokes the tokens
 * stored here at the provider, under the key's lease (so no instance sends the refresh token
 * meanwhile), then removes the key by a fenced write; every instance forgets it, and an answer
 * that arrives after the removal is refused by the fence, revoked, and never served.
 *
 * <p>Thread-safe: one store per application instance, shared by its managers. {@link #close()}
 * ends its connections and its one daemon thread, {@code tokenkeeper-redis-<n>}.
 */
public final class RedisTokenStore implements TokenStore {
  private static final System.Logger LOG = System.getLogger(RedisTokenStore.class.getName());

  /** The default lease period, 10 seconds; renewed every third of it while a request is open. */
  public static final Duration DEFAULT_LEASE_PERIOD = Duration.ofSeconds(10);

  /** The default longest wait for another instance's token request, 60 seconds. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(60);

  /** The default Redis command timeout, 2 seconds. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);

  /** The default longest delay between two attempts to reach Redis, 1 second. */
  public static final Duration DEFAULT_RECONNECT_DELAY = Duration.ofSeconds(1);

  private final LeasedStore store;
  private final String description;
  private final Duration commandTimeout;
  private final ConcurrentHashMap<String, SharedBudget> budgets = new ConcurrentHashMap<>();

  private RedisTokenStore(Builder b, ValueCipher cipher) {
    RedisLink link = RedisLink.create(b.uri, b.commandTimeout, b.reconnectDelay);
    try {
      this.store = new LeasedStore(link, new RedisKeys(b.namespace), cipher, b.clock,
          b.leasePeriod, b.maxWait, b.reconnectDelay, RedisLink.redact(b.uri));
      store.connect(b.requireRedisAtStart);
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
    this.commandTimeout = b.commandTimeout;
    this.description = "RedisTokenStore[" + RedisLink.redact(b.uri) + ", namespace="
        + b.namespace + ", lease=" + b.leasePeriod + ", " + cipher + "]";
  }

  /** A builder for a store on the Redis at {@code uri} (see the class comment for the forms). */
  public static Builder builder(String uri) {
    return new Builder(uri);
  }

  @Override
  public CompletableFuture<Entry> read(String key) {
    return store.read(key);
  }

  @Override
  public CompletableFuture<Claim> claim(String key, long seenVersion) {
    return store.claim(key, seenVersion);
  }

  @Override
  public CompletableFuture<Entry> put(String key, byte[] value, Instant expiresAt) {
    return store.put(key, value, expiresAt);
  }

  @Override
  public CompletableFuture<Void> remove(String key) {
    return store.remove(key);
  }

  @Override
  public void listen(VersionListener listener) {
    store.listen(listener);
  }

  /**
   * {@code true}: the token-endpoint budget ({@code TokenBudget}) of every manager using this
   * store is counted in Redis for all instances together (a sliding window on Redis's clock, in
   * Lua), and a provider's {@code Retry-After} pauses them all.
   */
  @Override
  public boolean sharesBudget() {
    return true;
  }

  @Override
  public long acquirePermit(String name, TokenBudget budget, String key) {
    return budget(name, budget).tryAcquire(key);
  }

  @Override
  public void completePermit(String name, String key) {
    SharedBudget b = budgets.get(name);
    if (b != null) {
      b.complete(key);
    }
  }

  @Override
  public void pausePermits(String name, long nanos) {
    SharedBudget b = budgets.get(name);
    if (b != null) {
      b.pause(nanos);
    }
  }

  @Override
  public long permitPause(String name) {
    SharedBudget b = budgets.get(name);
    return b == null ? 0 : b.pausedForNanos();
  }

  @Override
  public int permitsUsed(String name, TokenBudget budget) {
    return budget(name, budget).used();
  }

  private SharedBudget budget(String name, TokenBudget budget) {
    return budgets.computeIfAbsent(name, n -> new SharedBudget(store, n, budget.requests(),
        budget.window(), budget.perKeyRequests().orElse(0), budget.perKeyWindow().orElse(null),
        commandTimeout));
  }

  /** Closes the connections and the store's thread. Idempotent. */
  @Override
  public void close() {
    store.close();
  }

  /** For the budget and tests in this module. */
  LeasedStore engine() {
    return store;
  }

  @Override
  public String toString() {
    return description;
  }

  /** Builds a {@link RedisTokenStore}; not thread-safe. */
  public static final class Builder {
    private final String uri;
    private final List<byte[]> keys = new ArrayList<>();
    private boolean plaintext;
    private String namespace = "tokenkeeper";
    private Duration leasePeriod = DEFAULT_LEASE_PERIOD;
    private Duration maxWait = DEFAULT_MAX_WAIT;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Clock clock = Clock.systemUTC();
    private Duration reconnectDelay = DEFAULT_RECONNECT_DELAY;
    private boolean requireRedisAtStart;

    private Builder(String uri) {
      RedisLink.validate(uri);
      this.uri = uri;
    }

    /**
     * The encryption keys, each 32 bytes: the first encrypts, all decrypt. Replaces keys given
     * before.
     */
    public Builder encryptionKeys(List<byte[]> encryptionKeys) {
      Objects.requireNonNull(encryptionKeys, "encryptionKeys");
      keys.clear();
      for (byte[] k : encryptionKeys) {
        keys.add(Objects.requireNonNull(k, "encryption key").clone());
      }
      return this;
    }

    /**
     * The encryption keys as base64 (standard or URL-safe), separated by commas or whitespace,
     * the current key first, such as the value of an environment variable. Generate a key with
     * {@code openssl rand -base64 32}.
     *
     * @throws IllegalArgumentException a key is not base64 or not 32 bytes (the message says
     *     which, by position, never the key)
     */
    public Builder encryptionKeys(String base64Keys) {
      Objects.requireNonNull(base64Keys, "base64Keys");
      List<byte[]> parsed = new ArrayList<>();
      int position = 0;
      for (String part : base64Keys.trim().split("[,\\s]+")) {
        if (part.isEmpty()) {
          continue;
        }
        position++;
        try {
          parsed.add(part.indexOf('-') >= 0 || part.indexOf('_') >= 0
              ? Base64.getUrlDecoder().decode(part) : Base64.getDecoder().decode(part));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("encryption key #" + position + " is not valid"
              + " base64; generate one with: openssl rand -base64 32");
        }
      }
      if (parsed.isEmpty()) {
        throw new IllegalArgumentException("no encryption key given; generate one with:"
            + " openssl rand -base64 32");
      }
      ValueCipher.of(parsed); // checks the lengths now, with the key's position in the message
      return encryptionKeys(parsed);
    }

    /**
     * Stores tokens readable by anyone who can read Redis. Only for development or a Redis
     * that is itself encrypted and access-controlled; start-up logs a WARNING.
     */
    public Builder plaintext() {
      this.plaintext = true;
      return this;
    }

    /** The prefix of every Redis key and of the channel. Default {@code tokenkeeper}. */
    public Builder namespace(String namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace");
      new RedisKeys(namespace);
      return this;
    }

    /**
     * How long a lease lasts unless renewed; {@link #DEFAULT_LEASE_PERIOD}. The holder renews it
     * every third of the period while its token request is open, so the period bounds only how
     * long the cluster waits after an instance died mid-request: make it a few times the worst
     * Redis round trip plus the longest pause (GC, container freeze) you expect.
     */
    public Builder leasePeriod(Duration period) {
      if (period == null || period.toMillis() < 30) {
        throw new IllegalArgumentException("leasePeriod must be at least 30 ms; got " + period);
      }
      this.leasePeriod = period;
      return this;
    }

    /**
     * How long an instance waits, at most, for another instance's token request before it gives
     * up with a {@code TokenStoreException}; {@link #DEFAULT_MAX_WAIT}. Size it to the
     * provider's worst answer time with retries.
     */
    public Builder maxWait(Duration wait) {
      if (wait == null || wait.isNegative() || wait.isZero()) {
        throw new IllegalArgumentException("maxWait must be positive; got " + wait);
      }
      this.maxWait = wait;
      return this;
    }

    /** The Redis command timeout; {@link #DEFAULT_COMMAND_TIMEOUT}. */
    public Builder commandTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("commandTimeout must be positive; got " + timeout);
      }
      this.commandTimeout = timeout;
      return this;
    }

    /**
     * The longest delay between two attempts to reach Redis, {@link #DEFAULT_RECONNECT_DELAY}:
     * after a lost connection (Lettuce's reconnect, from 10 ms doubling up to this) and when Redis
     * could not be reached at start-up (from 100 ms doubling up to this). An instance shares
     * again at most this long after Redis answers.
     */
    public Builder reconnectDelay(Duration delay) {
      if (delay == null || delay.toMillis() < 10) {
        throw new IllegalArgumentException("reconnectDelay must be at least 10 ms; got " + delay);
      }
      this.reconnectDelay = delay;
      return this;
    }

    /**
     * Makes {@link #build()} fail when Redis cannot be reached, for deployments that would
     * rather not start than run unshared. By default the store starts without Redis: the
     * manager serves per instance (its own cache, single flight and budget; see the class
     * comment) and the store connects in the background, joining the cluster as soon as Redis
     * answers.
     */
    public Builder requireRedisAtStart() {
      this.requireRedisAtStart = true;
      return this;
    }

    /** The clock that turns deadlines into TTLs; default the system clock (UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the store and makes its first attempt to reach Redis. Unreachable Redis is no
     * error (unless {@link #requireRedisAtStart()}): the store logs a WARNING, starts unshared,
     * and keeps connecting in the background (see the class comment). Configuration errors are.
     *
     * @throws IllegalStateException neither an encryption key nor {@link #plaintext()}, or both;
     *     or Redis answered and refused the credentials of the URI
     * @throws TokenStoreException Redis cannot be reached and {@link #requireRedisAtStart()} was
     *     set
     */
    public RedisTokenStore build() {
      if (keys.isEmpty() && !plaintext) {
        throw new IllegalStateException("the Redis token store needs an encryption key"
            + " (RedisTokenStore.Builder.encryptionKeys; generate one with: openssl rand -base64"
            + " 32), or an explicit opt-in to readable tokens in Redis (plaintext())");
      }
      if (!keys.isEmpty() && plaintext) {
        throw new IllegalStateException("the Redis token store was given encryption keys and"
            + " plaintext(); choose one");
      }
      ValueCipher cipher = plaintext ? ValueCipher.plaintext() : ValueCipher.of(keys);
      RedisTokenStore store = new RedisTokenStore(this, cipher);
      if (plaintext) {
        LOG.log(System.Logger.Level.WARNING, "tokens are stored in Redis UNENCRYPTED ("
            + RedisLink.redact(uri) + ", namespace " + namespace + "): anyone who can read"
            + " Redis can use them. Configure an encryption key for production.");
      }
      return store;
    }
  }
}

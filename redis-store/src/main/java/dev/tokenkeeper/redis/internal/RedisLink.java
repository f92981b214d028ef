package dev.tokenkeeper.redis.internal;

import dev.tokenkeeper.TokenStoreException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The Lettuce side: one client (standalone, Sentinel or Cluster, from the URI), one command
 * connection with String keys and byte[] values, and one pub/sub connection. Standalone and
 * Sentinel commands are rejected at once while disconnected (rather than queued), Cluster
 * commands wait at most the command timeout, so that the manager falls back to per-instance
 * behaviour instead of waiting on a Redis that is down; Lettuce reconnects (and resubscribes) in
 * the background, at most {@code reconnectDelay} apart.
 *
 * <p>The client is made by {@link #create} without connecting; {@link #open} connects, and may
 * be called again after it failed (Redis unreachable at start-up: the store retries on its
 * timer). Until it succeeds, {@link #commands()} throws {@link TokenStoreException}.
 *
 * <p>URIs: {@code redis://}, {@code rediss://} (TLS), {@code redis-sentinel://} as Lettuce reads
 * them, and {@code redis-cluster://host:port[,host:port…]} ({@code rediss-cluster://} with TLS)
 * for a Redis Cluster, the hosts being seeds.
 *
 * <p>Thread-safe. Internal: not part of TokenKeeper's API.
 */
public final class RedisLink implements AutoCloseable {
  private static final RedisCodec<String, byte[]> CODEC =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final String uri;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final boolean cluster;
  private volatile StatefulConnection<String, byte[]> connection;
  private volatile RedisClusterAsyncCommands<String, byte[]> commands;
  private volatile StatefulRedisPubSubConnection<String, String> pubSub;
  private volatile boolean closed;

  private RedisLink(String uri, Duration timeout, Duration reconnectDelay) {
    this.uri = uri;
    long maxDelay = Math.max(10, reconnectDelay.toMillis());
    this.resources = DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        // Back within reconnectDelay of Redis: Lettuce's default waits up to 30 s between
        // attempts.
        .reconnectDelay(() -> Delay.exponential(Duration.ofMillis(10),
            Duration.ofMillis(maxDelay), 2, TimeUnit.MILLISECONDS))
        .build();
    String scheme = scheme(uri);
    this.cluster = scheme.equals("redis-cluster") || scheme.equals("rediss-cluster");
    try {
      if (cluster) {
        RedisClusterClient cc = RedisClusterClient.create(resources, clusterSeeds(uri, timeout));
        cc.setOptions(ClusterClientOptions.builder()
            .autoReconnect(true)
            // Node connections open lazily, so a command may meet one not yet connected: it
            // waits (bounded by the command timeout) instead of being rejected.
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .build());
        this.client = cc;
      } else {
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(timeout);
        RedisClient rc = RedisClient.create(resources, redisUri);
        rc.setOptions(ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .build());
        this.client = rc;
      }
    } catch (RuntimeException e) {
      resources.shutdown();
      throw e;
    }
  }

  /**
   * The client for {@code uri}, not connected yet.
   *
   * @throws IllegalArgumentException the URI is not one of the accepted forms
   */
  public static RedisLink create(String uri, Duration timeout, Duration reconnectDelay) {
    return new RedisLink(uri, timeout, reconnectDelay);
  }

  /**
   * Connects the command and pub/sub connections and subscribes {@code onMessage(channel,
   * message)} to {@code channel}; nothing when already open. After a failure nothing is left
   * open, and it may be called again.
   *
   * @throws io.lettuce.core.RedisException Redis cannot be reached, or refused the credentials
   * @throws IllegalStateException closed
   */
  public synchronized void open(String channel, BiConsumer<String, String> onMessage) {
    if (closed) {
      throw new IllegalStateException("the Redis token store is closed");
    }
    if (commands != null) {
      return;
    }
    StatefulConnection<String, byte[]> conn = null;
    StatefulRedisPubSubConnection<String, String> ps = null;
    try {
      if (client instanceof RedisClusterClient cc) {
        var c = cc.connect(CODEC);
        conn = c;
        ps = cc.connectPubSub(StringCodec.UTF8);
        subscribe(ps, channel, onMessage);
        this.connection = conn;
        this.pubSub = ps;
        this.commands = c.async();
      } else {
        RedisClient rc = (RedisClient) client;
        var c = rc.connect(CODEC);
        conn = c;
        ps = rc.connectPubSub(StringCodec.UTF8);
        subscribe(ps, channel, onMessage);
        this.connection = conn;
        this.pubSub = ps;
        this.commands = c.async();
      }
    } catch (RuntimeException e) {
      if (ps != null) {
        ps.close();
      }
      if (conn != null) {
        conn.close();
      }
      throw e;
    }
  }

  private static void subscribe(StatefulRedisPubSubConnection<String, String> ps, String channel,
      BiConsumer<String, String> onMessage) {
    ps.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String ch, String message) {
        if (ch.equals(channel)) {
          onMessage.accept(ch, message);
        }
      }
    });
    ps.sync().subscribe(channel);
  }

  /** Checks the form of a store URI without connecting; the message names what is wrong. */
  public static void validate(String uri) {
    String scheme = scheme(uri);
    if (scheme.equals("redis-cluster") || scheme.equals("rediss-cluster")) {
      clusterSeeds(uri, Duration.ofSeconds(1));
    } else {
      RedisURI.create(uri);
    }
  }

  /** Whether {@link #open} has succeeded (the connections may be reconnecting now). */
  public boolean opened() {
    return commands != null;
  }

  /**
   * The commands.
   *
   * @throws TokenStoreException Redis has not been reached since start-up
   */
  public RedisClusterAsyncCommands<String, byte[]> commands() {
    RedisClusterAsyncCommands<String, byte[]> c = commands;
    if (c == null) {
      throw new TokenStoreException("Redis (" + redact(uri) + ") has not been reachable since"
          + " this instance started; the store keeps trying to connect in the background");
    }
    return c;
  }

  public boolean cluster() {
    return cluster;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // Not synchronized: an open() blocked in a connect attempt fails when the client shuts
      // down (which also closes any connection it made meanwhile).
      StatefulRedisPubSubConnection<String, String> ps = pubSub;
      StatefulConnection<String, byte[]> conn = connection;
      if (ps != null) {
        ps.close();
      }
      if (conn != null) {
        conn.close();
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown();
    }
  }

  /**
   * Whether {@code failure} (a failed {@link #open}) says that Redis answered and refused this
   * client's credentials: a configuration error, not an outage.
   */
  public static boolean credentialsRefused(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      if (t instanceof io.lettuce.core.RedisCommandExecutionException && m != null
          && (m.startsWith("WRONGPASS") || m.startsWith("NOAUTH") || m.startsWith("NOPERM")
              || m.contains("invalid password") || m.contains("invalid username-password")
              || m.contains("AUTH <password> called without any password configured")
              || m.contains("Client sent AUTH, but no password is set"))) {
        return true;
      }
    }
    return false;
  }

  static String scheme(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("a Redis URI is required, such as"
          + " redis://host:6379, rediss://host:6380, redis-sentinel://host:26379#mymaster or"
          + " redis-cluster://host1:6379,host2:6379");
    }
    int colon = uri.indexOf("://");
    String scheme = colon < 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "redis", "rediss", "redis-sentinel", "rediss-sentinel", "redis-socket",
          "redis-cluster", "rediss-cluster" -> {
        return scheme;
      }
      default -> throw new IllegalArgumentException("unsupported Redis URI scheme in '"
          + redact(uri) + "': use redis://, rediss:// (TLS), redis-sentinel:// or"
          + " redis-cluster:// (a comma-separated list of seed nodes)");
    }
  }

  /** {@code redis-cluster://[user:password@]h1:p1,h2:p2[/db][?query]} as one URI per seed. */
  static List<RedisURI> clusterSeeds(String uri, Duration timeout) {
    String scheme = scheme(uri);
    String rest = uri.substring(scheme.length() + 3);
    String base = scheme.startsWith("rediss") ? "rediss://" : "redis://";
    String userInfo = "";
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      userInfo = rest.substring(0, at + 1);
      rest = rest.substring(at + 1);
    }
    String suffix = "";
    int cut = indexOfAny(rest, '/', '?');
    if (cut >= 0) {
      suffix = rest.substring(cut);
      rest = rest.substring(0, cut);
    }
    List<RedisURI> seeds = new ArrayList<>();
    for (String hostPort : rest.split(",")) {
      if (hostPort.isBlank()) {
        continue;
      }
      RedisURI seed = RedisURI.create(base + userInfo + hostPort.trim() + suffix);
      seed.setTimeout(timeout);
      seeds.add(seed);
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("the Redis Cluster URI '" + redact(uri) + "' names no"
          + " node; write redis-cluster://host1:6379,host2:6379");
    }
    return seeds;
  }

  private static int indexOfAny(String s, char a, char b) {
    int i = s.indexOf(a);
    int j = s.indexOf(b);
    return i < 0 ? j : j < 0 ? i : Math.min(i, j);
  }

  /** The URI without its password, for messages. */
  public static String redact(String uri) {
    if (uri == null) {
      return null;
    }
    int start = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    if (start < 0 || at < start) {
      return uri;
    }
    String userInfo = uri.substring(start + 3, at);
    int colon = userInfo.indexOf(':');
    String shown = colon < 0 ? "██" : userInfo.substring(0, colon) + ":██";
    return uri.substring(0, start + 3) + shown + uri.substring(at);
  }
}

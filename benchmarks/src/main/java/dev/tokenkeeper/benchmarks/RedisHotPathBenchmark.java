package dev.tokenkeeper.benchmarks;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import dev.tokenkeeper.redis.RedisTokenStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hot path with the Redis store: a fresh token served from the near-cache (the manager's own
 * cache) against the same call on a manager without a store, in the same run. Both hold a token
 * valid for a day for every key; the Redis one has it in Redis too (a real {@code redis-server}
 * started for the trial). No call may reach Redis or the provider: a trial that made a token
 * request fails at tear-down.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class RedisHotPathBenchmark {

  @Param({"1", "1000"})
  public int keys;

  String[] names;
  TokenServer server;
  RedisProcess redis;
  RedisTokenStore store;
  TokenManager inProcess;
  TokenManager shared;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    names = new String[keys];
    for (int i = 0; i < keys; i++) {
      names[i] = "key-" + i;
    }
    server = TokenServer.start(Duration.ZERO);
    redis = new RedisProcess();
    store = RedisTokenStore.builder(redis.uri())
        .encryptionKeys("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=").build();
    inProcess = manager(null);
    shared = manager(store);
    Instant now = Instant.now();
    for (String key : names) {
      TokenResponse r = TokenResponse.builder("token-" + key, now)
          .expiresIn(Duration.ofDays(1)).build();
      inProcess.put(key, r);
      shared.put(key, r);
    }
    for (String key : names) {
      if (!shared.token(key).value().equals("token-" + key)
          || !inProcess.token(key).value().equals("token-" + key)) {
        throw new IllegalStateException("a manager lost the token of " + key);
      }
    }
  }

  private TokenManager manager(RedisTokenStore s) {
    TokenEndpoint endpoint = TokenEndpoint.builder(server.tokenUri(),
        ClientAuthentication.basic("benchmark", "secret")).build();
    TokenManager.Builder b = TokenManager.builder(endpoint).primaryGrant(Grant.clientCredentials());
    if (s != null) {
      b.store(s);
    }
    return b.build();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    int requests = server.requests();
    inProcess.close();
    shared.close();
    store.close();
    redis.close();
    server.close();
    if (requests != 0) {
      throw new IllegalStateException(requests + " token requests during the hot path");
    }
  }

  @State(Scope.Thread)
  public static class Cursor {
    int next = ThreadLocalRandom.current().nextInt(1 << 20);

    int next(int size) {
      int i = next++ % size;
      return i < 0 ? -i : i;
    }
  }

  @Benchmark
  public AccessToken inProcess(Cursor c) {
    return inProcess.token(names[c.next(keys)]);
  }

  @Benchmark
  public AccessToken redisNearCache(Cursor c) {
    return shared.token(names[c.next(keys)]);
  }
}

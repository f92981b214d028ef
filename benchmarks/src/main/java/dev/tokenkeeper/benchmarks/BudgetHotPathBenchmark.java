package dev.tokenkeeper.benchmarks;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The cached-token hot path with a token budget configured ({@code budgeted}: RingCentral's 5
 * requests per 60 s, 5/60s per key, spread 20%) against the same manager without one
 * ({@code plain}), in the same run: the budget is touched only when a request is sent, so the two
 * must be within 1.05x. Both hold a fresh token (valid for a day) for every key; a loopback
 * endpoint counts requests and a trial that made one fails.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class BudgetHotPathBenchmark {

  @Benchmark
  public AccessToken plain(Managers s, Cursor c) {
    return s.plain.token(s.names[c.next(s.size)]);
  }

  @Benchmark
  public AccessToken budgeted(Managers s, Cursor c) {
    return s.budgeted.token(s.names[c.next(s.size)]);
  }

  /** A per-thread cursor over the shuffled keys, threads starting at different offsets. */
  @State(Scope.Thread)
  public static class Cursor {
    private int next;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams benchmark, ThreadParams thread) {
      int keys = Integer.parseInt(benchmark.getParam("keys"));
      next = (int) ((long) keys * thread.getThreadIndex() / thread.getThreadCount());
    }

    int next(int size) {
      int i = next;
      next = i + 1 == size ? 0 : i + 1;
      return i;
    }
  }

  @State(Scope.Benchmark)
  public static class Managers {
    @Param({"1", "1000"})
    public int keys;

    String[] names;
    int size;
    TokenServer server;
    TokenEndpoint plainEndpoint;
    TokenEndpoint budgetEndpoint;
    TokenManager plain;
    TokenManager budgeted;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      List<String> list = new ArrayList<>(keys);
      for (int i = 0; i < keys; i++) {
        list.add("endpoint-" + i);
      }
      Collections.shuffle(list, new Random(42));
      names = list.toArray(new String[0]);
      size = names.length;
      server = TokenServer.start(Duration.ZERO);
      plainEndpoint = TokenEndpoint.builder(server.tokenUri(),
          ClientAuthentication.basic("benchmark", "secret")).build();
      budgetEndpoint = TokenEndpoint.builder(server.tokenUri(),
              ClientAuthentication.basic("benchmark", "secret"))
          .budget(TokenBudget.RINGCENTRAL_AUTH.withPerKey(TokenBudget.RINGCENTRAL_AUTH))
          .build();
      plain = manager(plainEndpoint);
      budgeted = manager(budgetEndpoint);
      System.gc();
    }

    private TokenManager manager(TokenEndpoint endpoint) {
      TokenManager m = TokenManager.builder(endpoint)
          .primaryGrant(Grant.clientCredentials())
          .maximumSize(Math.max(10_000L, 2L * keys))
          .build();
      Instant now = Instant.now();
      for (String key : names) {
        m.put(key, TokenResponse.builder("at-" + key, now).expiresIn(Duration.ofDays(1)).build());
      }
      for (String key : names) {
        if (!("at-" + key).equals(m.token(key).value())) {
          throw new IllegalStateException("benchmark set-up is wrong: lost the token of " + key);
        }
      }
      return m;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      plain.close();
      budgeted.close();
      plainEndpoint.close();
      budgetEndpoint.close();
      server.close();
      if (server.requests() != 0) {
        throw new IllegalStateException("the hot path reached the network: " + server.requests()
            + " token requests");
      }
    }
  }
}

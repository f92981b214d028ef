package dev.tokenkeeper.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.redis.testing.ClusterNode;
import dev.tokenkeeper.redis.testing.RedisServer;
import dev.tokenkeeper.redis.testing.RotatingProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The token-endpoint budget shared through Redis by four instances. */
class SharedBudgetClusterIT {
  @RegisterExtension
  final RedisServer redis = new RedisServer();

  @Test
  void fourInstancesWithABudgetOf20PerSecondAnd400KeysNeverExceed20RequestsInAnySecond()
      throws Exception {
    try (RotatingProvider provider = new RotatingProvider(3600)) {
      List<ClusterNode> nodes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        nodes.add(new ClusterNode(redis.uri(), provider.tokenUri(), Duration.ofSeconds(2),
            "20/1s", "node-" + i));
      }
      try {
        List<CompletableFuture<AccessToken>> calls = new ArrayList<>();
        for (int k = 0; k < 400; k++) {
          for (ClusterNode n : nodes) {
            calls.add(n.manager.tokenAsync("user-" + k)); // every key asked by every instance
          }
        }
        CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]))
            .get(90, TimeUnit.SECONDS);
        for (CompletableFuture<AccessToken> c : calls) {
          assertTrue(c.join().value().startsWith("AT-user-"));
        }
      } finally {
        nodes.forEach(ClusterNode::close);
      }
      List<Long> times = provider.arrivals().stream().map(RotatingProvider.Arrival::nanoTime)
          .sorted().toList();
      assertEquals(400, times.size(), "one request per key for the whole cluster");
      int worst = 0;
      for (int i = 0; i < times.size(); i++) {
        int n = 0;
        for (int j = i; j < times.size()
            && times.get(j) - times.get(i) < TimeUnit.SECONDS.toNanos(1); j++) {
          n++;
        }
        worst = Math.max(worst, n);
      }
      StringBuilder histogram = new StringBuilder();
      for (long t : times) {
        histogram.append(TimeUnit.NANOSECONDS.toMillis(t - times.get(0))).append(' ');
      }
      assertTrue(worst <= 20, "the provider saw " + worst + " requests within one second; at ms "
          + histogram);
      System.out.println("SharedBudgetClusterIT: 400 requests over "
          + TimeUnit.NANOSECONDS.toMillis(times.get(399) - times.get(0)) + " ms, at most "
          + worst + " in any second");
    }
  }
}

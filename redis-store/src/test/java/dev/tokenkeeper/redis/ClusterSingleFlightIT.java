package dev.tokenkeeper.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.redis.testing.ClusterNode;
import dev.tokenkeeper.redis.testing.RedisCluster;
import dev.tokenkeeper.redis.testing.RedisServer;
import dev.tokenkeeper.redis.testing.RotatingProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Four TokenManagers (one JVM, each with its own Redis store, as four instances) × 32 threads on
 * one key against a provider that rotates single-use refresh tokens: one request per expiry cycle,
 * on a standalone Redis and on a Redis Cluster of three masters.
 */
class ClusterSingleFlightIT {
  @RegisterExtension
  static final RedisServer REDIS = new RedisServer();

  @RegisterExtension
  static final RedisCluster CLUSTER = new RedisCluster();

  @Test
  void fourInstancesMakeOneTokenRequestPerExpiryCycleAndNeverReuseARefreshToken()
      throws Exception {
    singleFlight(REDIS.uri());
  }

  @Test
  void onARedisClusterOfThreeMastersTooOneTokenRequestPerExpiryCycle() throws Exception {
    singleFlight(CLUSTER.uri());
  }

  /**
   * Leases of 1 s here (four managers and 128 spinning callers share this JVM's two cores: a
   * renewal thread starved past a 500 ms lease would let a second instance in, which the lapse
   * WARNING reports); the separate-JVM test runs 500 ms leases.
   */
  private void singleFlight(String uri) throws Exception {
    try (RotatingProvider provider = new RotatingProvider(1)) {
      CountDownLatch cycles = new CountDownLatch(6);
      provider.onArrival(a -> {
        if (a.grant().equals("refresh_token")) {
          cycles.countDown();
        }
      });
      List<ClusterNode> nodes = new ArrayList<>();
      long done;
      for (int i = 0; i < 4; i++) {
        nodes.add(new ClusterNode(uri, provider.tokenUri(), Duration.ofMillis(1000), null));
      }
      try {
        for (ClusterNode n : nodes) {
          n.start(32, new String[] {"shared-key"}, 2);
        }
        assertTrue(cycles.await(30, TimeUnit.SECONDS), "6 refresh cycles");
        done = System.nanoTime();
        for (ClusterNode n : nodes) {
          n.stop();
        }
      } finally {
        nodes.forEach(ClusterNode::close);
      }
      ClusterAssertions.oneRequestPerCycle(provider, nodes.stream().map(ClusterNode::result)
          .toList(), 300, done);
      for (ClusterNode n : nodes) {
        assertEquals(0, n.errors().size(), n.result());
        assertTrue(n.calls() > 0);
      }
    }
  }
}

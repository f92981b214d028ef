package dev.tokenkeeper.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.redis.testing.ClusterNode;
import dev.tokenkeeper.redis.testing.RedisServer;
import dev.tokenkeeper.redis.testing.RotatingProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A provider slower than the lease: the holder renews it, nobody else sends a request. */
class LeaseRenewalIT {
  @RegisterExtension
  final RedisServer redis = new RedisServer();

  @Test
  void aRefreshHeldForThreeLeasePeriodsKeepsItsLeaseAndNoSecondRequestIsSent() throws Exception {
    long lease = 300;
    try (RotatingProvider provider = new RotatingProvider(4)) {
      provider.holdRefreshes(3 * lease);
      CountDownLatch refreshes = new CountDownLatch(2);
      List<Long> refreshArrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
      provider.onArrival(a -> {
        if (a.grant().equals("refresh_token")) {
          refreshArrivals.add(a.nanoTime());
          refreshes.countDown();
        }
      });
      List<ClusterNode> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        nodes.add(new ClusterNode(redis.uri(), provider.tokenUri(), Duration.ofMillis(lease),
            null, "node-" + i));
      }
      try {
        for (ClusterNode n : nodes) {
          n.start(16, new String[] {"slow-key"}, 2);
        }
        assertTrue(refreshes.await(30, TimeUnit.SECONDS));
        for (ClusterNode n : nodes) {
          n.stop();
        }
      } finally {
        nodes.forEach(ClusterNode::close);
      }
      // Each refresh was held 900 ms (three lease periods) before the provider answered: a
      // second request during that time would arrive less than 900 ms after the first.
      for (int i = 1; i < refreshArrivals.size(); i++) {
        long gap = refreshArrivals.get(i) - refreshArrivals.get(i - 1);
        assertTrue(gap >= TimeUnit.MILLISECONDS.toNanos(3 * lease),
            "a second refresh arrived " + TimeUnit.NANOSECONDS.toMillis(gap) + " ms after one"
            + " still held: the lease was not renewed");
      }
      ClusterAssertions.oneRequestPerCycle(provider,
          nodes.stream().map(ClusterNode::result).toList(), 3 * lease);
      assertTrue(refreshArrivals.size() >= 2);
      for (ClusterNode n : nodes) {
        assertEquals(0, n.errors().size(), n.result());
      }
    }
  }
}

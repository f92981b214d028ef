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
    // 500 ms: a few hundred milliseconds, yet more than the stalls of a cold JVM on this shared,
    // heavily loaded two-core machine (a 300 ms lease lapsed there now and then at start-up).
    long lease = 500;
    try (RotatingProvider provider = new RotatingProvider(6)) {
      provider.holdRefreshes(3 * lease);
      CountDownLatch refreshes = new CountDownLatch(2);
      List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
      List<Long> refreshArrivals = arrivals;
      List<String> sent = List.of();
      List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      provider.onArrival(a -> {
        seen.add(a.client() + " " + a.grant() + " " + a.refreshToken() + " @"
            + TimeUnit.NANOSECONDS.toMillis(a.nanoTime()));
        if (a.grant().equals("refresh_token")) {
          arrivals.add(a.nanoTime());
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
        // What happened up to here: closing the nodes fails their requests in flight, which
        // rightly lets the next instance in while the test tears down.
        refreshArrivals = List.copyOf(refreshArrivals);
        sent = List.copyOf(seen);
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
            + " still held: the lease was not renewed; arrivals " + seen);
      }
      assertTrue(refreshArrivals.size() >= 2);
      List<String> refreshTokens = sent.stream().filter(x -> x.contains(" refresh_token "))
          .map(x -> x.split(" ")[2]).toList();
      assertEquals(refreshTokens.stream().distinct().count(), refreshTokens.size(),
          "no refresh token sent twice: " + sent);
      assertEquals(1, sent.stream().filter(x -> x.contains(" client_credentials ")).count(),
          "one acquisition for the cluster: " + sent);
      for (ClusterNode n : nodes) {
        assertEquals(0, n.errors().size(), n.result());
      }
    }
  }
}

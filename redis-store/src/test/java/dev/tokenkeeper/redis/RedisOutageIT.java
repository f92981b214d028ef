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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis stopped mid-test and started again: served throughout, then shared again. */
class RedisOutageIT {
  @RegisterExtension
  final RedisServer redis = new RedisServer();

  @Test
  void callersAreServedWhileRedisIsDownAndTheInstancesConvergeWhenItIsBack() throws Exception {
    try (RotatingProvider provider = new RotatingProvider(1)) {
      AtomicReference<CountDownLatch> refreshes = new AtomicReference<>(new CountDownLatch(2));
      provider.onArrival(a -> {
        if (a.grant().equals("refresh_token")) {
          refreshes.get().countDown();
        }
      });
      List<ClusterNode> nodes = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        nodes.add(new ClusterNode(redis.uri(), provider.tokenUri(), Duration.ofMillis(500),
            null, "node-" + i));
      }
      try {
        for (ClusterNode n : nodes) {
          n.start(8, new String[] {"k"}, 2);
        }
        assertTrue(refreshes.get().await(30, TimeUnit.SECONDS), "shared cycles before");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (provider.requests() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(10); // the second refresh has arrived; let the provider finish it
        }
        assertEquals(3, provider.requests(), "1 acquisition + 2 refreshes while shared");
        assertEquals(0, provider.invalidGrants());

        redis.stop();
        refreshes.set(new CountDownLatch(3));
        assertTrue(refreshes.get().await(30, TimeUnit.SECONDS), "cycles with Redis down");
        long callsDuringOutage = nodes.stream().mapToLong(ClusterNode::calls).sum();

        redis.start();
        refreshes.set(new CountDownLatch(3));
        assertTrue(refreshes.get().await(30, TimeUnit.SECONDS), "cycles with Redis back");
        // Converged: one state for both instances (compared between refreshes).
        String a = null;
        String b = null;
        for (int attempt = 0; attempt < 50; attempt++) {
          a = nodes.get(0).manager.token("k").value();
          b = nodes.get(1).manager.token("k").value();
          if (a.equals(b)) {
            break;
          }
          Thread.sleep(50); // a refresh may be landing in one instance: look again, bounded
        }
        assertEquals(a, b, "both instances serve the cluster's token again");
        for (ClusterNode n : nodes) {
          n.stop();
        }
        assertTrue(nodes.stream().mapToLong(ClusterNode::calls).sum() > callsDuringOutage);
        assertTrue(nodes.stream().mapToLong(ClusterNode::storeFailures).sum() > 0,
            "the listeners heard that the store was unavailable");
        for (ClusterNode n : nodes) {
          assertEquals(0, n.errors().size(), "served throughout: " + n.result());
        }
      } finally {
        nodes.forEach(ClusterNode::close);
      }
    }
  }
}

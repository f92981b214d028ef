package dev.tokenkeeper.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenStore.Claim;
import dev.tokenkeeper.TokenStore.Lease;
import dev.tokenkeeper.TokenStore.Write;
import dev.tokenkeeper.redis.internal.RedisKeys;
import dev.tokenkeeper.redis.testing.RedisCluster;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store on a Redis Cluster of 3 masters: hash tags keep a key's state and lease together. */
class RedisClusterStoreIT {
  @RegisterExtension
  static final RedisCluster CLUSTER = new RedisCluster();

  @Test
  void aKeysStateLeaseAndBudgetShareOneSlotAndKeysSpreadOverTheMasters() {
    RedisKeys keys = new RedisKeys("tokenkeeper");
    RedisClusterClient client = RedisClusterClient.create(
        "redis://127.0.0.1:" + CLUSTER.ports().get(0));
    try (var c = client.connect()) {
      Set<Long> slots = new HashSet<>();
      for (String key : new String[] {"alice", "bob", "", "we{ir}d", "%7B", "device-42"}) {
        long slot = c.sync().clusterKeyslot(keys.state(key));
        assertEquals(slot, c.sync().clusterKeyslot(keys.lease(key)), key);
        assertEquals(slot, c.sync().clusterKeyslot(keys.budget(key)), key);
        slots.add(slot);
      }
      assertTrue(slots.size() >= 5, "different keys land in different slots: " + slots);
    } finally {
      client.shutdown();
    }
  }

  @Test
  void leaseFencedWriteAndNotificationWorkAcrossTheCluster() throws Exception {
    try (RedisTokenStore a = store(); RedisTokenStore b = store()) {
      for (String key : new String[] {"alice", "bob", "carol", "we{ir}d"}) {
        Lease lease = a.claim(key, 0).get(5, TimeUnit.SECONDS).lease();
        assertNotNull(lease, key);
        CompletableFuture<Claim> waiting = b.claim(key, 0);
        assertFalse(waiting.isDone());
        Write w = lease.write(("tokens of " + key).getBytes(UTF_8), null)
            .get(5, TimeUnit.SECONDS);
        assertTrue(w.written());
        Claim seen = waiting.get(3, TimeUnit.SECONDS);
        assertArrayEquals(("tokens of " + key).getBytes(UTF_8), seen.newer().value(), key);

        assertNotNull(b.claim(key, 0).get(5, TimeUnit.SECONDS).newer(),
            "a claim from an old version gets the newer entry, never a lease");
        Lease next = b.claim(key, w.current().version()).get(5, TimeUnit.SECONDS).lease();
        assertNotNull(next);
        Write refused = lease.write("late".getBytes(UTF_8), null).get(5, TimeUnit.SECONDS);
        assertFalse(refused.written(), "an old lease never writes again");
        next.release();
      }
    }
  }

  private static RedisTokenStore store() {
    return RedisTokenStore.builder(CLUSTER.uri())
        .encryptionKeys(RedisTokenStoreIT.KEY1)
        .leasePeriod(Duration.ofSeconds(5))
        .build();
  }
}

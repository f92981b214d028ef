package dev.tokenkeeper.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenStore.Claim;
import dev.tokenkeeper.TokenStore.Lease;
import dev.tokenkeeper.redis.testing.RedisSentinel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A {@code redis-sentinel://} URI: the store finds the master through the Sentinel. */
class RedisSentinelIT {
  @RegisterExtension
  static final RedisSentinel SENTINEL = new RedisSentinel();

  @Test
  void leaseFencedWriteAndNotificationThroughSentinel() throws Exception {
    try (RedisTokenStore a = store(); RedisTokenStore b = store()) {
      Lease lease = a.claim("k", 0).get(5, TimeUnit.SECONDS).lease();
      assertNotNull(lease);
      CompletableFuture<Claim> waiting = b.claim("k", 0);
      assertFalse(waiting.isDone());
      assertTrue(lease.write("via sentinel".getBytes(UTF_8), null).get(5, TimeUnit.SECONDS)
          .written());
      assertArrayEquals("via sentinel".getBytes(UTF_8),
          waiting.get(3, TimeUnit.SECONDS).newer().value(), "told through pub/sub");
    }
  }

  private static RedisTokenStore store() {
    return RedisTokenStore.builder(SENTINEL.uri()).encryptionKeys(RedisTokenStoreIT.KEY1)
        .leasePeriod(Duration.ofSeconds(5)).build();
  }
}

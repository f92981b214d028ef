package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.redis.RedisTokenStore;
import java.time.Duration;

/**
 * Builds the Redis store of init-param {@code store}. Its own class, so that {@code tokenkeeper-redis}
 * (an optional dependency) is loaded only when the init-param is set: without it this class fails
 * to link with {@link NoClassDefFoundError}, which {@link StoreParams} turns into a message naming
 * the missing module. Not part of the API.
 */
final class RedisStores {
  private RedisStores() {}

  /**
   * @param keys base64 encryption keys, or {@code null} for the explicit plaintext opt-in
   */
  static TokenStore redis(String uri, String keys, String namespace, Duration lease) {
    RedisTokenStore.Builder b = RedisTokenStore.builder(uri);
    if (keys == null) {
      b.plaintext();
    } else {
      b.encryptionKeys(keys);
    }
    if (namespace != null) {
      b.namespace(namespace);
    }
    if (lease != null) {
      b.leasePeriod(lease);
    }
    return b.build();
  }
}

package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.redis.RedisTokenStore;

/**
 * Builds the Redis store of init-param {@code store}. Its own class, so that {@code tokenkeeper-redis}
 * (an optional dependency) is loaded only when the init-param is set: without it this class fails
 * to link with {@link NoClassDefFoundError}, which {@link StoreParams} turns into a message naming
 * the missing module. Not part of the API.
 */
final class RedisStores {
  private RedisStores() {}

  /** Builds the store; unreachable Redis fails only with {@code store-require-at-start}. */
  static TokenStore redis(StoreParams.Settings settings) {
    RedisTokenStore.Builder b = RedisTokenStore.builder(settings.uri());
    if (settings.keys() == null) {
      b.plaintext();
    } else {
      b.encryptionKeys(settings.keys());
    }
    if (settings.namespace() != null) {
      b.namespace(settings.namespace());
    }
    if (settings.lease() != null) {
      b.leasePeriod(settings.lease());
    }
    if (settings.reconnectDelay() != null) {
      b.reconnectDelay(settings.reconnectDelay());
    }
    if (settings.requireAtStart()) {
      b.requireRedisAtStart();
    }
    return b.build();
  }
}

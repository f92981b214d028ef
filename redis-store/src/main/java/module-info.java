/**
 * A shared {@link dev.tokenkeeper.TokenStore} on Redis for clusters:
 * {@link dev.tokenkeeper.redis.RedisTokenStore}.
 *
 * <p>Exports {@code dev.tokenkeeper.redis} only. Reads TokenKeeper's core transitively (the store
 * is a {@code TokenStore}); Lettuce ({@code lettuce.core}, an automatic module) and Nimbus
 * JOSE+JWT are used inside and appear in no public signature.
 */
module dev.tokenkeeper.redis {
  requires transitive dev.tokenkeeper.core;
  requires lettuce.core;
  requires com.nimbusds.jose.jwt;

  exports dev.tokenkeeper.redis;
}

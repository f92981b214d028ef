/**
 * A shared {@link dev.tokenkeeper.TokenStore} on Redis for clusters:
 * {@link dev.tokenkeeper.redis.RedisTokenStore}.
 *
 * <p>Exports {@code dev.tokenkeeper.redis} only. Reads TokenKeeper's core transitively (the store
 * is a {@code TokenStore}); Lettuce ({@code lettuce.core}, an automatic module), the Netty
 * modules it runs on, and Nimbus JOSE+JWT are used inside and appear in no public signature.
 */
module dev.tokenkeeper.redis {
  requires transitive dev.tokenkeeper.core;
  requires lettuce.core;
  // Lettuce is an automatic module, so nothing brings the Netty modules it runs on (explicit
  // modules since Netty 4.2) into the graph: without these, the first connection fails with
  // NoClassDefFoundError: io/netty/util/CharsetUtil. These two read the rest of Netty.
  requires io.netty.handler;
  requires io.netty.resolver.dns;
  requires com.nimbusds.jose.jwt;

  exports dev.tokenkeeper.redis;
}

/**
 * OAuth 2.0 token management: the token endpoint client, grants and client authentication, the
 * {@link dev.tokenkeeper.TokenManager} that keeps one token per key, and the Bearer
 * {@link java.net.http.HttpClient}. Start with {@link dev.tokenkeeper.TokenManager}.
 *
 * <p>Exports {@code dev.tokenkeeper} only (its internal package to TokenKeeper's servlet filter
 * alone). Reads {@code java.net.http} transitively, since
 * {@link dev.tokenkeeper.BearerHttpClient} is a {@link java.net.http.HttpClient}; Caffeine and
 * Nimbus JOSE+JWT are used inside and appear in no public signature.
 */
// The servlet filter is not on core's module path when core compiles: "module not found" is expected.
@SuppressWarnings("module")
module dev.tokenkeeper.core {
  requires transitive java.net.http;
  requires com.github.benmanes.caffeine;
  requires com.nimbusds.jose.jwt;

  exports dev.tokenkeeper;
  // TokenKeeper's own servlet filter shares a few internals (the loopback rule); nobody else.
  exports dev.tokenkeeper.internal to dev.tokenkeeper.servlet;
}

/**
 * OAuth 2.0 token management: the token endpoint client, grants and client authentication, the
 * {@link dev.tokenkeeper.TokenManager} that keeps one token per key, and the Bearer
 * {@link java.net.http.HttpClient}. Start with {@link dev.tokenkeeper.TokenManager}.
 *
 * <p>Exports {@code dev.tokenkeeper} only. Reads {@code java.net.http} transitively, since
 * {@link dev.tokenkeeper.BearerHttpClient} is a {@link java.net.http.HttpClient}; Caffeine and
 * Nimbus JOSE+JWT are used inside and appear in no public signature.
 */
module dev.tokenkeeper.core {
  requires transitive java.net.http;
  requires com.github.benmanes.caffeine;
  requires com.nimbusds.jose.jwt;

  exports dev.tokenkeeper;
}

/**
 * The Jakarta Servlet 6.0 side of TokenKeeper: the token filter
 * ({@link dev.tokenkeeper.servlet.TokenFilter}), sign-in and logout
 * ({@link dev.tokenkeeper.servlet.login.LoginFilter}) and the token relay
 * ({@link dev.tokenkeeper.servlet.relay.TokenRelayServlet}).
 *
 * <p>Exports those three packages only. Reads TokenKeeper's core and the Servlet API
 * transitively (both appear in its signatures). The Redis store is optional: an application
 * that sets init-param {@code store} puts {@code dev.tokenkeeper.redis} in its module graph
 * ({@code requires dev.tokenkeeper.redis}, or {@code --add-modules dev.tokenkeeper.redis}).
 * Classes named in init-params (resolvers, listeners) are created reflectively, so their
 * packages must be exported, at least to {@code dev.tokenkeeper.servlet}.
 */
module dev.tokenkeeper.servlet {
  requires transitive dev.tokenkeeper.core;
  requires transitive jakarta.servlet;
  requires static dev.tokenkeeper.redis;
  requires com.nimbusds.jose.jwt;
  requires com.github.benmanes.caffeine;

  exports dev.tokenkeeper.servlet;
  exports dev.tokenkeeper.servlet.login;
  exports dev.tokenkeeper.servlet.relay;
}

/**
 * A Jakarta Servlet 6.0 filter that gives every request the token of its key:
 * {@link dev.tokenkeeper.servlet.TokenFilter}, configured in {@code web.xml} or with
 * {@link dev.tokenkeeper.servlet.TokenFilterConfig}.
 *
 * <p>Exports {@code dev.tokenkeeper.servlet} only. Reads TokenKeeper's core and
 * {@code jakarta.servlet} transitively, since its public types use theirs.
 */
module dev.tokenkeeper.servlet {
  requires transitive dev.tokenkeeper.core;
  requires transitive jakarta.servlet;
  requires com.nimbusds.jose.jwt;

  exports dev.tokenkeeper.servlet;
}

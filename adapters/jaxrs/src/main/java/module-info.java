/**
 * TokenKeeper for Jakarta REST (JAX-RS 3.1) clients:
 * {@link dev.tokenkeeper.jaxrs.BearerClientFilter}.
 *
 * <p>Exports {@code dev.tokenkeeper.jaxrs} only. Reads TokenKeeper's core and the Jakarta REST
 * API transitively, since the filter is a client request and response filter.
 */
module dev.tokenkeeper.jaxrs {
  requires transitive dev.tokenkeeper.core;
  requires transitive jakarta.ws.rs;

  exports dev.tokenkeeper.jaxrs;
}

/**
 * TokenKeeper for Spring Framework's HTTP clients:
 * {@link dev.tokenkeeper.spring.BearerClientHttpRequestInterceptor} for {@code RestClient} and
 * {@code RestTemplate}, {@link dev.tokenkeeper.spring.BearerExchangeFilterFunction} for
 * {@code WebClient}.
 *
 * <p>Exports {@code dev.tokenkeeper.spring} only. Reads TokenKeeper's core transitively. Spring's
 * modules are optional, as the artifact's dependencies are, and read transitively when present:
 * an application requires {@code spring.web} for the interceptor, and also {@code spring.webflux}
 * (with Reactor) for the filter function.
 */
module dev.tokenkeeper.spring {
  requires transitive dev.tokenkeeper.core;
  requires static spring.core;
  requires static transitive spring.web;
  requires static transitive spring.webflux;
  requires static transitive reactor.core;
  requires static org.reactivestreams;

  exports dev.tokenkeeper.spring;
}

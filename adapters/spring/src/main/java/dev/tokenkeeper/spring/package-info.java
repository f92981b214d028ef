/**
 * TokenKeeper for Spring's web clients: {@link dev.tokenkeeper.spring.BearerClientHttpRequestInterceptor}
 * for {@code RestClient} and {@code RestTemplate}, {@link dev.tokenkeeper.spring.BearerExchangeFilterFunction}
 * for {@code WebClient}.
 */
package dev.tokenkeeper.spring;

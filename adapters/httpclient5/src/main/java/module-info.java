/**
 * TokenKeeper for Apache HttpClient 5, classic and async:
 * {@link dev.tokenkeeper.httpclient5.BearerExecChainHandler} and
 * {@link dev.tokenkeeper.httpclient5.AsyncBearerExecChainHandler}.
 *
 * <p>Exports {@code dev.tokenkeeper.httpclient5} only. Reads TokenKeeper's core and HttpClient 5
 * and HttpCore 5 (automatic modules) transitively, since the handlers are HttpClient's exec
 * chain handlers.
 */
// Named after its package, as HttpClient 5's own modules are (the "terminal digits" lint).
@SuppressWarnings("module")
module dev.tokenkeeper.httpclient5 {
  requires transitive dev.tokenkeeper.core;
  requires transitive org.apache.httpcomponents.client5.httpclient5;
  requires transitive org.apache.httpcomponents.core5.httpcore5;

  exports dev.tokenkeeper.httpclient5;
}

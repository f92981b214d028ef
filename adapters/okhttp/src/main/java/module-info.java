/**
 * TokenKeeper for OkHttp 5: {@link dev.tokenkeeper.okhttp.BearerInterceptor}.
 *
 * <p>Exports {@code dev.tokenkeeper.okhttp} only. Reads TokenKeeper's core and OkHttp
 * ({@code okhttp3}) transitively, since the interceptor is an OkHttp {@code Interceptor}.
 */
module dev.tokenkeeper.okhttp {
  requires transitive dev.tokenkeeper.core;
  requires transitive okhttp3;

  exports dev.tokenkeeper.okhttp;
}

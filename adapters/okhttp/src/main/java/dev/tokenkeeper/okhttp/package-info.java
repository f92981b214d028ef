/**
 * TokenKeeper for OkHttp 5: {@link dev.tokenkeeper.okhttp.BearerInterceptor} sends the Bearer
 * token of a {@link dev.tokenkeeper.TokenManager} key and retries once after a 401.
 */
package dev.tokenkeeper.okhttp;

package dev.tokenkeeper.okhttp.internal;

import dev.tokenkeeper.BearerPolicy;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The network interceptor: sees every hop of a redirect chain, and from the first hop to another
 * origin on removes the credential headers (RFC 9110, section 15.4). Stateless; thread-safe.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class CrossOriginCredentials implements Interceptor {
  @Override
  public Response intercept(Chain chain) throws IOException {
    Request hop = chain.request();
    Request original = chain.call().request();
    boolean crossed = !BearerPolicy.sameOrigin(original.url().uri(), hop.url().uri());
    Attempt attempt = hop.tag(Attempt.class);
    if (attempt != null) {
      attempt.sawHop(crossed);
      crossed = attempt.crossedOrigin();
    }
    if (!crossed) {
      return chain.proceed(hop);
    }
    Request.Builder stripped = hop.newBuilder()
        .removeHeader("Authorization")
        .removeHeader("Proxy-Authorization");
    String callersCookie = original.header("Cookie");
    // OkHttp's bridge puts the CookieJar's cookies for this host in place of the caller's header;
    // only the caller's own header is dropped.
    if (callersCookie != null && callersCookie.equals(hop.header("Cookie"))) {
      stripped.removeHeader("Cookie");
    }
    return chain.proceed(stripped.build());
  }
}

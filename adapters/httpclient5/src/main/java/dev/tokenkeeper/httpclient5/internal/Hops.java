package dev.tokenkeeper.httpclient5.internal;

import dev.tokenkeeper.BearerPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;

/**
 * What the classic and the async handler share: where a hop of a redirect chain goes, whether the
 * chain has left the origin of its first hop, and the credential headers to drop then.
 * Stateless; the per-exchange state lives in the exchange's {@link HttpClientContext}.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class Hops {
  private static final String STATE = "dev.tokenkeeper.httpclient5.exchange";

  private Hops() {}

  /** The first hop of one exchange, and whether a later hop went to another origin. */
  private static final class Exchange {
    final String id;
    final URI first;
    boolean crossed;

    Exchange(String id, URI first) {
      this.id = id;
      this.first = first;
    }
  }

  /** The key the execution's context names, else {@code fallback}. */
  public static String key(HttpClientContext context, String fallback) {
    Object named = context.getAttribute("dev.tokenkeeper.key");
    return named instanceof String s && !s.isEmpty() ? s : fallback;
  }

  /** The absolute URI a hop is sent to. */
  public static URI uri(HttpRequest request, HttpRoute route) {
    try {
      URI uri = request.getUri();
      if (uri.isAbsolute() && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // fall back to the route's target
    }
    String path = request.getPath() == null ? "/" : request.getPath();
    return URI.create(route.getTargetHost().toURI() + (path.startsWith("/") ? path : "/" + path));
  }

  /**
   * Whether this hop, or an earlier hop of the same exchange, goes to another origin than the
   * exchange's first hop (the caller's request).
   */
  public static boolean crossedOrigin(URI hop, HttpClientContext context, String exchangeId) {
    Object found = context.getAttribute(STATE);
    Exchange exchange;
    if (found instanceof Exchange e && e.id.equals(exchangeId)) {
      exchange = e;
    } else {
      exchange = new Exchange(exchangeId, hop);
      context.setAttribute(STATE, exchange);
    }
    if (!BearerPolicy.sameOrigin(exchange.first, hop)) {
      exchange.crossed = true;
    }
    return exchange.crossed;
  }

  /**
   * Removes the credential headers. Cookies of the client's cookie store are added after this
   * handler, for the hop's own host; only the caller's {@code Cookie} header is dropped here.
   */
  public static void stripCredentials(HttpRequest request) {
    request.removeHeaders("Authorization");
    request.removeHeaders("Proxy-Authorization");
    request.removeHeaders("Cookie");
  }

  /** Whether the response rejects the token it answered. */
  public static boolean rejects(HttpResponse response) {
    Header[] headers = response.getHeaders("WWW-Authenticate");
    List<String> values = new ArrayList<>(headers.length);
    for (Header h : headers) {
      values.add(h.getValue());
    }
    return BearerPolicy.rejectsToken(response.getCode(), values);
  }
}

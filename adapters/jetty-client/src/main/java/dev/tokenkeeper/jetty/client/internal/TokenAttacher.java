package dev.tokenkeeper.jetty.client.internal;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.TokenManager;
import java.net.URI;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Runs as each request, redirect hop and retry begins, the last moment its headers can change:
 * sets the token for an allowed origin, and from the first hop to another origin on removes the
 * credential headers. Thread-safe.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class TokenAttacher implements Request.BeginListener {
  private final TokenManager manager;
  private final String key;
  private final BearerPolicy policy;

  public TokenAttacher(TokenManager manager, String key, BearerPolicy policy) {
    this.manager = manager;
    this.key = key;
    this.policy = policy;
  }

  @Override
  public void onBegin(Request request) {
    Exchange exchange = Exchange.of(request);
    if (exchange == null) {
      return;
    }
    URI uri = request.getURI();
    String key = exchange.key(JettyKey.ATTRIBUTE, this.key);
    if (exchange.hopCrossesOrigin(BearerPolicy.sameOrigin(exchange.first(), uri))) {
      request.headers(h -> h.remove(HttpHeader.AUTHORIZATION).remove(HttpHeader.COOKIE)
          .remove(HttpHeader.PROXY_AUTHORIZATION));
      return;
    }
    if (!policy.allows(uri)) {
      return;
    }
    AccessToken renewed = exchange.takeRenewed();
    AccessToken token;
    try {
      token = renewed != null ? renewed : manager.token(key);
    } catch (RuntimeException e) {
      // Jetty logs and ignores a listener's exception: abort, or the request would go unauthorized.
      request.abort(e);
      return;
    }
    request.headers(h -> h.put(HttpHeader.AUTHORIZATION, token.authorizationHeader()));
    exchange.sent(token);
  }
}

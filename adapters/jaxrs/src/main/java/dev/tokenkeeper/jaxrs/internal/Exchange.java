package dev.tokenkeeper.jaxrs.internal;

import dev.tokenkeeper.AccessToken;
import java.net.URI;

/**
 * The state of one logical request across the requests the filter sends again (a retry, a
 * redirect), handed from one to the next as a request property. Immutable.
 *
 * <p>Internal: not part of TokenKeeper's API.
 *
 * @param key the key whose token to send
 * @param first the URI of the caller's request
 * @param crossed whether a redirect has left the first origin
 * @param retried whether the request was already sent again after a rejection
 * @param redirects how many redirects were followed
 * @param renewed the token to send on this hop instead of asking the manager, or {@code null}
 */
public record Exchange(String key, URI first, boolean crossed, boolean retried, int redirects,
    AccessToken renewed) {

  /** The property that carries it. */
  public static final String PROPERTY = "dev.tokenkeeper.jaxrs.exchange";
  /** The property that carries the token sent on a hop. */
  public static final String SENT = "dev.tokenkeeper.jaxrs.sent";

  public static Exchange start(String key, URI first) {
    return new Exchange(key, first, false, false, 0, null);
  }

  public Exchange retry(AccessToken token) {
    return new Exchange(key, first, crossed, true, redirects, token);
  }

  public Exchange redirect(boolean crossedNow) {
    return new Exchange(key, first, crossed || crossedNow, retried, redirects + 1, null);
  }

  /** Immutable, but named in logs only by its shape: the token is redacted. */
  @Override
  public String toString() {
    return "Exchange[key=" + key + ", first=" + first + ", crossed=" + crossed + ", retried=" + retried
        + ", redirects=" + redirects + "]";
  }
}

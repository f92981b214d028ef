package dev.tokenkeeper.spring.internal;

import java.net.URI;

/**
 * Where a redirect leads and with which method, by the rules of RFC 9110, section 15.4 as
 * browsers and the JDK's client apply them: 301/302 after a POST and 303 (but after HEAD) become
 * a GET without a body; 307/308 keep method and body. Stateless.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class Redirects {
  /** At most this many redirects in a row are followed. */
  public static final int MAX = 5;

  private Redirects() {}

  /**
   * A redirect to follow.
   *
   * @param uri the absolute target
   * @param method the method to use there
   * @param dropsBody whether the body (and its Content-Type) is left behind
   */
  public record Next(URI uri, String method, boolean dropsBody) {}

  /** The redirect this response asks for, or {@code null} if it is none to follow. */
  public static Next next(String method, URI current, int status, URI location) {
    if (location == null
        || !(status == 301 || status == 302 || status == 303 || status == 307 || status == 308)) {
      return null;
    }
    URI target;
    try {
      target = current.resolve(location);
    } catch (IllegalArgumentException e) {
      return null;
    }
    String scheme = target.getScheme();
    if (target.getHost() == null
        || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
      return null;
    }
    boolean toGet = (status == 303 && !method.equals("HEAD"))
        || ((status == 301 || status == 302) && method.equals("POST"));
    return new Next(target, toGet ? "GET" : method, toGet);
  }
}

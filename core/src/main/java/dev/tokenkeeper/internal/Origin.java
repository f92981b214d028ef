package dev.tokenkeeper.internal;

import java.net.URI;
import java.util.Locale;

/**
 * A web origin (RFC 6454, section 4): scheme, host and port, with the scheme's default port filled
 * in and scheme and host lower-cased, so that {@code https://API.example.com} and
 * {@code https://api.example.com:443/v1} are the same origin. Immutable.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public record Origin(String scheme, String host, int port) {

  /** The origin of an absolute {@code http} or {@code https} URI, or {@code null} for any other. */
  public static Origin of(URI uri) {
    if (uri == null || uri.getScheme() == null || uri.getHost() == null) {
      return null;
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    if (port == -1) {
      port = switch (scheme) {
        case "http" -> 80;
        case "https" -> 443;
        default -> -1;
      };
    }
    if (port == -1) {
      return null;
    }
    return new Origin(scheme, uri.getHost().toLowerCase(Locale.ROOT), port);
  }

  @Override
  public String toString() {
    return scheme + "://" + host + ":" + port;
  }
}

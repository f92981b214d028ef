package dev.tokenkeeper.servlet.internal;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/** Checks origins ({@code scheme://host[:port]}, RFC 6454). */
public final class Origins {
  private Origins() {}

  /** The origin, normalised to lower-case scheme and host without a trailing slash. */
  public static URI check(URI origin) {
    Objects.requireNonNull(origin, "origin");
    if (origin.getRawUserInfo() != null) {
      // Not echoed: user info may hold a password.
      throw new IllegalArgumentException(
          "an allowed origin must not carry user info (user:password@); give scheme://host[:port]");
    }
    String scheme = origin.getScheme() == null ? null : origin.getScheme().toLowerCase(Locale.ROOT);
    if (!"https".equals(scheme) && !"http".equals(scheme)) {
      throw new IllegalArgumentException(
          "an allowed origin must be an absolute http or https URI such as https://api.example.com;"
              + " got " + origin);
    }
    if (origin.getHost() == null) {
      throw new IllegalArgumentException("an allowed origin needs a host; got " + origin);
    }
    if (origin.getRawQuery() != null
        || origin.getRawFragment() != null
        || (origin.getRawPath() != null && !origin.getRawPath().isEmpty()
            && !"/".equals(origin.getRawPath()))) {
      throw new IllegalArgumentException(
          "an allowed origin is scheme://host[:port] only, without user info, path, query or"
              + " fragment; got " + origin);
    }
    String host = origin.getHost().toLowerCase(Locale.ROOT);
    return URI.create(scheme + "://" + host + (origin.getPort() == -1 ? "" : ":" + origin.getPort()));
  }
}

package dev.tokenkeeper.servlet.login.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Return targets after sign-in: same-origin paths inside the web app only, so that the login
 * cannot be used as an open redirect (RFC 9700, section 4.11). Stateless.
 */
public final class ReturnTargets {
  private static final int MAX_LENGTH = 2048;

  private ReturnTargets() {}

  /**
   * {@code raw} when it is a safe context-relative target ({@code /path?query}), else
   * {@code null}. Refused: absolute URLs, scheme-relative {@code //host}, anything with a
   * backslash (browsers read {@code /\host} as {@code //host}), control characters or white
   * space, and each of those hidden behind percent-encoding (decoded up to three times).
   */
  public static String safe(String raw) {
    if (raw == null || raw.isEmpty() || raw.length() > MAX_LENGTH) {
      return null;
    }
    if (!safeForm(raw, true)) {
      return null;
    }
    String s = raw;
    for (int round = 0; s.indexOf('%') >= 0; round++) {
      if (round == 3) {
        return null; // still encoded after three rounds: nobody needs that
      }
      try {
        s = URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null; // a malformed escape
      }
      // What a decoding layer would see: still a path here, still no backslash or control
      // character (a decoded space is fine: "/search?q=a%20b").
      if (!safeForm(s, false)) {
        return null;
      }
    }
    try {
      URI uri = new URI(raw);
      if (uri.getScheme() != null || uri.getRawAuthority() != null || uri.getRawFragment() != null) {
        return null;
      }
    } catch (URISyntaxException e) {
      return null;
    }
    return raw;
  }

  private static boolean safeForm(String s, boolean raw) {
    if (s.isEmpty() || s.charAt(0) != '/') {
      return false;
    }
    if (s.length() > 1 && (s.charAt(1) == '/' || s.charAt(1) == '\\')) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' || c < 0x20 || c == 0x7f || (raw && (c == ' ' || c == '#'))) {
        return false;
      }
    }
    return true;
  }
}

package dev.tokenkeeper.servlet.relay.internal;

import java.util.Locale;

/**
 * The part of a relayed request's path below the relay's mapping, taken from the raw (still
 * encoded) request URI and refused when it could leave the upstream base: dot segments, encoded
 * dots, slashes or backslashes, backslashes, empty segments, path parameters and control
 * characters. Stateless.
 */
public final class RelayPaths {
  private RelayPaths() {}

  /** The raw rest path ("" or "/..."), or {@code null} when it is refused. */
  public static String rest(String requestUri, String contextPath, String servletPath) {
    String prefix = contextPath + servletPath;
    if (!requestUri.startsWith(prefix)) {
      return null; // the raw URI differs from the decoded mapping: encoded characters in it
    }
    String rest = requestUri.substring(prefix.length());
    if (rest.isEmpty()) {
      return rest;
    }
    if (rest.charAt(0) != '/') {
      return null;
    }
    String lower = rest.toLowerCase(Locale.ROOT);
    if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c")
        || lower.contains("%25") || lower.contains("%00") || rest.indexOf('\\') >= 0
        || rest.indexOf(';') >= 0 || rest.contains("//")) {
      return null;
    }
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c < 0x21 || c == 0x7f) {
        return null;
      }
    }
    for (String segment : rest.substring(1).split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return null;
      }
    }
    return rest;
  }
}

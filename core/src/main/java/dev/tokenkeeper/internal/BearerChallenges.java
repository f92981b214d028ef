package dev.tokenkeeper.internal;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Locale;

/**
 * Reads the {@code error} of a {@code Bearer} challenge in {@code WWW-Authenticate} (RFC 6750,
 * section 3; challenge syntax of RFC 9110, section 11.6.1), tolerating several challenges in one
 * header line and quoted values with commas.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class BearerChallenges {
  private BearerChallenges() {}

  /** No Bearer challenge was found. */
  public static final String NO_CHALLENGE = null;

  /**
   * The {@code error} parameter of the first {@code Bearer} challenge in the headers: the error
   * code, {@code ""} for a Bearer challenge without an error, or {@code null} when there is no
   * Bearer challenge.
   */
  public static String bearerError(HttpHeaders headers) {
    return bearerError(headers.allValues("WWW-Authenticate"));
  }

  /** As {@link #bearerError(HttpHeaders)}, for the values of the {@code WWW-Authenticate} headers. */
  public static String bearerError(List<String> wwwAuthenticate) {
    String found = NO_CHALLENGE;
    for (String value : wwwAuthenticate) {
      String error = bearerError(value);
      if (error != null && (found == null || found.isEmpty())) {
        found = error;
      }
    }
    return found;
  }

  /** As {@link #bearerError(HttpHeaders)}, for one header value. */
  static String bearerError(String header) {
    Parser p = new Parser(header);
    String result = null;
    while (p.more()) {
      p.skip(" \t,");
      String scheme = p.token();
      if (scheme.isEmpty()) {
        p.pos++; // not a token character: skip it
        continue;
      }
      boolean bearer = scheme.toLowerCase(Locale.ROOT).equals("bearer");
      if (bearer && result == null) {
        result = "";
      }
      // auth-params until the next challenge (a token not followed by '=')
      for (;;) {
        p.skip(" \t");
        int save = p.pos;
        String name = p.token();
        p.skip(" \t");
        if (name.isEmpty() || !p.at('=')) {
          p.pos = save;
          break;
        }
        p.pos++;
        p.skip(" \t");
        String value = p.at('"') ? p.quoted() : p.token();
        if (bearer && result.isEmpty() && name.equalsIgnoreCase("error")) {
          result = value;
        }
        p.skip(" \t");
        if (p.at(',')) {
          p.pos++;
        } else {
          break;
        }
      }
    }
    return result;
  }

  private static final class Parser {
    private final String s;
    int pos;

    Parser(String s) {
      this.s = s == null ? "" : s;
    }

    boolean more() {
      return pos < s.length();
    }

    boolean at(char c) {
      return pos < s.length() && s.charAt(pos) == c;
    }

    void skip(String chars) {
      while (pos < s.length() && chars.indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
    }

    String token() {
      int start = pos;
      while (pos < s.length() && isTokenChar(s.charAt(pos))) {
        pos++;
      }
      return s.substring(start, pos);
    }

    String quoted() {
      StringBuilder b = new StringBuilder();
      pos++; // opening quote
      while (pos < s.length() && s.charAt(pos) != '"') {
        char c = s.charAt(pos++);
        if (c == '\\' && pos < s.length()) {
          c = s.charAt(pos++);
        }
        b.append(c);
      }
      pos++; // closing quote
      return b.toString();
    }

    private static boolean isTokenChar(char c) {
      return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
  }
}

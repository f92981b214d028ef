package dev.tokenkeeper.internal;

/** The {@code b64token} syntax of a bearer token (RFC 6750, section 2.1). Not part of the API. */
public final class B64Token {
  private B64Token() {}

  /**
   * Why {@code value} is not an RFC 6750 (section 2.1) {@code b64token}, without showing it, or
   * {@code null} when it is one: {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
   * *"="}.
   */
  public static String violation(String value) {
    int n = value.length();
    int end = n;
    while (end > 0 && value.charAt(end - 1) == '=') {
      end--;
    }
    if (end == 0) {
      return "it has no character before its trailing '='";
    }
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
      if (!ok) {
        return "character " + (i + 1) + " of " + n + " is not a letter, digit, '-', '.', '_',"
            + " '~', '+' or '/', nor a trailing '='";
      }
    }
    return null;
  }
}

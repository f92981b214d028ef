package dev.tokenkeeper.internal;

import java.util.function.BiConsumer;

/**
 * Walks the members of one JSON object (RFC 8259) at the top level only: each member's name, and
 * its value when that value is a string ({@code null} for any other value, which is skipped).
 * Duplicate names are reported as often as they appear, which is why it exists: the JSON parser
 * TokenKeeper uses refuses an object with duplicate names before anything in it can be read.
 * Not part of the API.
 */
final class TopLevelMembers {
  private final String text;
  private int at;

  private TopLevelMembers(String text) {
    this.text = text;
  }

  /**
   * Calls {@code member} with each top-level name and its string value (or {@code null}).
   *
   * @return whether {@code text} was one well-formed JSON object (with nothing after it but
   *     white space); when it was not, some members may already have been reported
   */
  static boolean scan(String text, BiConsumer<String, String> member) {
    TopLevelMembers scanner = new TopLevelMembers(text);
    try {
      return scanner.object(member) && scanner.skipSpace() == text.length();
    } catch (IndexOutOfBoundsException | IllegalArgumentException malformed) {
      return false;
    }
  }

  private boolean object(BiConsumer<String, String> member) {
    if (text.charAt(skipSpace()) != '{') {
      return false;
    }
    at++;
    if (text.charAt(skipSpace()) == '}') {
      at++;
      return true;
    }
    for (;;) {
      if (text.charAt(skipSpace()) != '"') {
        return false;
      }
      String name = string();
      if (text.charAt(skipSpace()) != ':') {
        return false;
      }
      at++;
      if (text.charAt(skipSpace()) == '"') {
        member.accept(name, string());
      } else {
        member.accept(name, null);
        skipValue();
      }
      char next = text.charAt(skipSpace());
      at++;
      if (next == '}') {
        return true;
      }
      if (next != ',') {
        return false;
      }
    }
  }

  /** Skips a number, literal, object or array; strings inside are read whole, so their brackets do not count. */
  private void skipValue() {
    int depth = 0;
    for (;;) {
      char c = text.charAt(at);
      if (c == '"') {
        string();
        if (depth == 0) {
          return;
        }
        continue;
      }
      if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        if (depth == 0) {
          return; // the end of the enclosing object: the value was a number or literal
        }
        depth--;
        if (depth == 0) {
          at++;
          return;
        }
      } else if (depth == 0 && (c == ',' || Character.isWhitespace(c))) {
        return;
      }
      at++;
    }
  }

  /** Reads the string that starts at {@code at}, decoding its escapes. */
  private String string() {
    StringBuilder out = new StringBuilder();
    at++; // the opening quote
    for (;;) {
      char c = text.charAt(at++);
      if (c == '"') {
        return out.toString();
      }
      if (c < 0x20) {
        throw new IllegalArgumentException("control character in a JSON string");
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = text.charAt(at++);
      switch (e) {
        case '"', '\\', '/' -> out.append(e);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          at += 4;
        }
        default -> throw new IllegalArgumentException("bad escape in a JSON string");
      }
    }
  }

  private int skipSpace() {
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        break;
      }
      at++;
    }
    return at;
  }
}

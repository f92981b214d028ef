package dev.tokenkeeper.servlet.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Resolves {@code ${name}} and {@code ${name:default}} in one init-param value; <code>$${</code> is
 * a literal <code>${</code>. A name is looked up, in order, as a context-param, a Java system property and
 * an environment variable; the first that defines it (even as empty) wins. Resolved values and
 * defaults are taken literally: they are not resolved again. Stateless and thread-safe.
 */
final class Placeholders {
  private Placeholders() {}

  /** Where a name was found, in lookup order. */
  enum Source {
    CONTEXT_PARAM("context-param"),
    SYSTEM_PROPERTY("Java system property"),
    ENVIRONMENT("environment variable"),
    DEFAULT("default");

    final String label;

    Source(String label) {
      this.label = label;
    }
  }

  /** One source to look names up in; {@code null} means "not defined here". */
  record Lookup(Source source, Function<String, String> values) {}

  /** The outcome: the value, and one line per placeholder for the log (names only, no values). */
  record Resolved(String value, List<String> origins) {}

  /** A malformed or unresolvable placeholder; the message never contains the raw value. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message);
    }
  }

  static final String NAME_RULE = "letters, digits, '.', '_' and '-'";

  /** Whether {@code value} needs {@link #resolve} at all (the common case is no). */
  static boolean hasPlaceholder(String value) {
    return value.contains("${");
  }

  /**
   * @param value the raw init-param value
   * @param lookups the sources, in lookup order
   * @throws Failure a placeholder is malformed, or names something no source defines and has no
   *     default
   */
  static Resolved resolve(String value, List<Lookup> lookups) throws Failure {
    StringBuilder out = new StringBuilder(value.length());
    List<String> origins = new ArrayList<>();
    int i = 0;
    int n = value.length();
    while (i < n) {
      char c = value.charAt(i);
      if (c == '$' && value.startsWith("$${", i)) {
        out.append("${");
        i += 3;
        continue;
      }
      if (c != '$' || !value.startsWith("${", i)) {
        out.append(c);
        i++;
        continue;
      }
      int close = value.indexOf('}', i + 2);
      if (close < 0) {
        throw new Failure("has a ${ without its closing } (character " + (i + 1) + ")");
      }
      String body = value.substring(i + 2, close);
      int colon = body.indexOf(':');
      String name = colon < 0 ? body : body.substring(0, colon);
      String fallback = colon < 0 ? null : body.substring(colon + 1);
      if (!isValidName(name)) {
        // The name is shown only when it is well-formed enough to be a name, never a value.
        throw new Failure("has a placeholder at character " + (i + 1) + " whose name "
            + (name.isEmpty() ? "is empty" : "breaks the rule") + " (" + NAME_RULE + ")");
      }
      String found = null;
      Source from = null;
      for (Lookup lookup : lookups) {
        found = lookup.values().apply(name);
        if (found != null) {
          from = lookup.source();
          break;
        }
      }
      if (found == null && fallback != null) {
        found = fallback;
        from = Source.DEFAULT;
      }
      if (found == null) {
        throw new Failure("refers to ${" + name + "}, which is not set: no context-param, Java"
            + " system property or environment variable is named " + name + "; set one of them"
            + " (e.g. <context-param> " + name + " in web.xml, -D" + name + "=... or the"
            + " variable " + name + "), or give a default: ${" + name + ":VALUE}, where an empty"
            + " default ${" + name + ":} leaves the init-param out");
      }
      out.append(found);
      origins.add("${" + name + "} from the " + from.label
          + (found.isBlank() ? " (empty)" : ""));
      i = close + 1;
    }
    return new Resolved(out.toString(), List.copyOf(origins));
  }

  static boolean isValidName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int k = 0; k < name.length(); k++) {
      char c = name.charAt(k);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }
}

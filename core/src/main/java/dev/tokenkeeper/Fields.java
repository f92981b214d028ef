package dev.tokenkeeper;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Validation and form building shared by the request types; not part of the API. */
final class Fields {
  private Fields() {}

  static void required(String field, String value, String grantType) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          field + " is required for the " + grantType + " grant and must not be blank");
    }
  }

  static void optional(String field, String value) {
    if (value != null && value.isBlank()) {
      throw new IllegalArgumentException(
          field + " must not be blank: leave it out (null) or give a value");
    }
  }

  /** An unmodifiable, ordered map of the pairs whose value is not {@code null}. */
  static Map<String, String> params(String... namesAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (namesAndValues[i + 1] != null) {
        map.put(namesAndValues[i], namesAndValues[i + 1]);
      }
    }
    return Collections.unmodifiableMap(map);
  }
}

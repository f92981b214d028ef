package dev.tokenkeeper.redis.internal;

import java.nio.charset.StandardCharsets;

/**
 * The Redis key names of one namespace. A manager key {@code k} has its state
 * ({@code <ns>:{k}:state}), its lease ({@code <ns>:{k}:lease}) and its per-key budget
 * ({@code <ns>:{k}:budget}) under one hash tag, so that in Redis Cluster the three live in one
 * slot and one Lua script may touch them together. Braces and {@code %} in a key are escaped
 * ({@code %7B}, {@code %7D}, {@code %25}), and an empty key becomes {@code %}, so that a key never
 * ends its hash tag early or leaves it empty (which would hash the whole name, and scatter the
 * three over different slots).
 *
 * <p>Immutable and thread-safe. Internal: not part of TokenKeeper's API.
 */
public final class RedisKeys {
  private final String namespace;

  public RedisKeys(String namespace) {
    if (namespace == null || namespace.isEmpty() || namespace.indexOf('{') >= 0
        || namespace.indexOf('}') >= 0) {
      throw new IllegalArgumentException("the Redis namespace must be a non-empty name without"
          + " '{' or '}'; got '" + namespace + "'");
    }
    this.namespace = namespace;
  }

  public String namespace() {
    return namespace;
  }

  public String state(String key) {
    return namespace + ":{" + escape(key) + "}:state";
  }

  public String lease(String key) {
    return namespace + ":{" + escape(key) + "}:lease";
  }

  public String budget(String key) {
    return namespace + ":{" + escape(key) + "}:budget";
  }

  /** Never set: the per-key budget has no pause of its own (the endpoint's applies). */
  public String budgetPause(String key) {
    return namespace + ":{" + escape(key) + "}:pause";
  }

  /** The endpoint-wide budget (its own slot) and its Retry-After pause. */
  public String endpointBudget(String endpoint) {
    return namespace + ":budget:{" + escape(endpoint) + "}";
  }

  public String endpointPause(String endpoint) {
    return namespace + ":pause:{" + escape(endpoint) + "}";
  }

  /** The pub/sub channel on which new versions are announced ({@code key '\n' version}). */
  public String channel() {
    return namespace + ":versions";
  }

  /** The manager key of a state key name, or {@code null} if it is not one of ours. */
  public String keyOf(String stateKey) {
    String prefix = namespace + ":{";
    if (!stateKey.startsWith(prefix) || !stateKey.endsWith("}:state")) {
      return null;
    }
    return unescape(stateKey.substring(prefix.length(), stateKey.length() - "}:state".length()));
  }

  static String escape(String key) {
    if (key.isEmpty()) {
      return "%";
    }
    if (key.indexOf('{') < 0 && key.indexOf('}') < 0 && key.indexOf('%') < 0) {
      return key;
    }
    StringBuilder b = new StringBuilder(key.length() + 8);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      switch (c) {
        case '{' -> b.append("%7B");
        case '}' -> b.append("%7D");
        case '%' -> b.append("%25");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  static String unescape(String escaped) {
    if (escaped.equals("%")) {
      return "";
    }
    if (escaped.indexOf('%') < 0) {
      return escaped;
    }
    StringBuilder b = new StringBuilder(escaped.length());
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c == '%' && i + 2 < escaped.length()) {
        b.append((char) Integer.parseInt(escaped.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

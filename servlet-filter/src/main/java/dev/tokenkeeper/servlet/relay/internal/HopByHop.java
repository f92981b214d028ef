package dev.tokenkeeper.servlet.relay.internal;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Headers that belong to one connection, not to the message (RFC 9110, section 7.6.1), plus
 * those the relay owns or must not forward. Stateless.
 */
public final class HopByHop {
  private HopByHop() {}

  private static final Set<String> HOP = Set.of("connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding",
      "upgrade");

  /** Never forwarded upstream: hop-by-hop, the browser's credentials, and what the client sets. */
  private static final Set<String> REQUEST = Set.of("host", "content-length", "expect",
      "cookie", "cookie2", "authorization", "http2-settings");

  /** Never passed back: hop-by-hop, and cookies of the upstream's (not for our origin). */
  private static final Set<String> RESPONSE = Set.of("set-cookie", "set-cookie2",
      "content-length", ":status");

  /** The extra hop-by-hop names a {@code Connection} header lists. */
  public static Set<String> listed(Iterable<String> connectionValues) {
    Set<String> out = new HashSet<>();
    for (String v : connectionValues) {
      for (String name : v.split(",")) {
        if (!name.isBlank()) {
          out.add(name.strip().toLowerCase(Locale.ROOT));
        }
      }
    }
    return out;
  }

  public static boolean dropRequest(String name, Set<String> listed) {
    String n = name.toLowerCase(Locale.ROOT);
    return HOP.contains(n) || REQUEST.contains(n) || listed.contains(n);
  }

  public static boolean dropResponse(String name, Set<String> listed) {
    String n = name.toLowerCase(Locale.ROOT);
    return HOP.contains(n) || RESPONSE.contains(n) || listed.contains(n);
  }
}

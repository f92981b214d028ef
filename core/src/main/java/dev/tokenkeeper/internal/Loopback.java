package dev.tokenkeeper.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Decides whether plain {@code http} to a host stays on this machine, so that secrets may travel
 * unencrypted there. Counted as loopback: an IPv4 literal in {@code 127.0.0.0/8}, the IPv6
 * literal {@code ::1}, and the name {@code localhost} when every address it resolves to (from
 * the hosts file, at build time) is a loopback address.
 *
 * <p>Names under {@code .localhost} are <em>not</em> counted, whatever they resolve to now:
 * RFC 6761 asks resolvers to keep them on loopback, but many send them to DNS, and
 * {@code java.net.http.HttpClient} resolves the name again when it connects, which TokenKeeper
 * cannot check. A check at build time would be defeated by a DNS answer that changes between
 * build and connect. Use {@code localhost}, {@code 127.0.0.1} or https instead.
 *
 * <p>Thread-safe. Not part of the API.
 */
public final class Loopback {
  private Loopback() {}

  /** The rule, for messages. */
  public static final String RULE = "http is allowed only on loopback: localhost, 127.0.0.0/8,"
      + " [::1]; a name under .localhost is not, since it is resolved again when connecting";

  /** Whether {@code host} (as in a URI, IPv6 literals in brackets) is a loopback host. */
  public static boolean isLoopback(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    String h = host.startsWith("[") && host.endsWith("]") && host.length() > 2
        ? host.substring(1, host.length() - 1) : host;
    String lower = h.toLowerCase(Locale.ROOT);
    if (lower.equals("localhost") || lower.equals("localhost.")) {
      return resolvesOnlyToLoopback("localhost");
    }
    if (lower.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      // Checked by hand: InetAddress would resolve "999.0.0.1" as a name.
      String[] octets = lower.split("\\.");
      for (String octet : octets) {
        if (Integer.parseInt(octet) > 255) {
          return false;
        }
      }
      return Integer.parseInt(octets[0]) == 127;
    }
    if (lower.contains(":") && lower.matches("[0-9a-f:.%a-z]+") && !host.equals(h)) {
      return isLoopbackLiteral(lower);
    }
    return false;
  }

  /** An IP literal: parsed without any lookup (no name reaches {@link InetAddress} here). */
  private static boolean isLoopbackLiteral(String literal) {
    try {
      return InetAddress.getByName(literal).isLoopbackAddress();
    } catch (UnknownHostException | RuntimeException e) {
      return false;
    }
  }

  private static boolean resolvesOnlyToLoopback(String name) {
    try {
      InetAddress[] addresses = InetAddress.getAllByName(name);
      if (addresses.length == 0) {
        return false;
      }
      for (InetAddress a : addresses) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException | RuntimeException e) {
      return false;
    }
  }
}

package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.EndpointIdResolver;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.Objects;

/** The built-in {@link EndpointIdResolver}s; immutable. */
public final class Resolvers {
  private Resolvers() {}

  public static EndpointIdResolver fixed(String endpointId) {
    Objects.requireNonNull(endpointId, "endpointId");
    if (!isValidKey(endpointId)) {
      throw new IllegalArgumentException("a fixed endpoint id must be 1 to "
          + TokenManager.MAX_KEY_LENGTH + " characters without control characters; got "
          + endpointId.length() + " characters that are not");
    }
    return new Fixed(endpointId);
  }

  public static EndpointIdResolver trustedHeader(String name) {
    return new TrustedHeader(requireName(name, "header"));
  }

  /** Whether {@code resolver} takes its key from client input (so {@code init} warns). */
  public static boolean readsClientInput(EndpointIdResolver resolver) {
    return resolver instanceof TrustedHeader;
  }

  public static EndpointIdResolver sessionAttribute(String name) {
    return new SessionAttribute(requireName(name, "session attribute"));
  }

  public static EndpointIdResolver principal() {
    return Principals.INSTANCE;
  }

  /** The key rule of {@link TokenManager}. */
  public static boolean isValidKey(String key) {
    int n = key.length();
    if (n < 1 || n > TokenManager.MAX_KEY_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (Character.isISOControl(key.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static String requireName(String name, String what) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the " + what + " name must not be blank");
    }
    return name;
  }

  record Fixed(String endpointId) implements EndpointIdResolver {
    @Override public String resolve(HttpServletRequest request) {
      return endpointId;
    }

    @Override public String toString() {
      return "fixed:" + endpointId;
    }
  }

  /** A header that a gateway in front of the application sets and strips from client requests. */
  record TrustedHeader(String name) implements EndpointIdResolver {
    @Override public String resolve(HttpServletRequest request) {
      return request.getHeader(name);
    }

    @Override public String toString() {
      return "trusted-header:" + name;
    }
  }

  record SessionAttribute(String name) implements EndpointIdResolver {
    @Override public String resolve(HttpServletRequest request) {
      HttpSession session = request.getSession(false);
      if (session == null) {
        return null;
      }
      Object value = session.getAttribute(name);
      return value == null ? null : value.toString();
    }

    @Override public String toString() {
      return "session:" + name;
    }
  }

  enum Principals implements EndpointIdResolver {
    INSTANCE;

    @Override public String resolve(HttpServletRequest request) {
      Principal principal = request.getUserPrincipal();
      return principal == null ? null : principal.getName();
    }

    @Override public String toString() {
      return "principal";
    }
  }
}

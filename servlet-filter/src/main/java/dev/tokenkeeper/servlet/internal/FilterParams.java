package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.EndpointIdResolver;
import dev.tokenkeeper.servlet.SessionEndedPolicy;
import dev.tokenkeeper.servlet.TokenFilterConfig;
import jakarta.servlet.ServletException;
import java.net.URI;
import java.util.List;

/**
 * Reads {@code TokenFilter}'s request-side init-params (which key a request uses, where tokens
 * may go, the headers, the session and {@code manager-attribute}) into a
 * {@link TokenFilterConfig}. Not part of the API; not thread-safe.
 */
final class FilterParams {
  /** The default {@code manager-attribute}. */
  static final String DEFAULT_MANAGER_ATTRIBUTE = "dev.tokenkeeper.TokenManager";

  final EndpointIdResolver resolver;
  final List<URI> origins;
  final boolean exposeHeaders;
  final boolean alignSessionTimeout;
  final SessionEndedPolicy sessionEnded;
  final String managerAttribute;

  private FilterParams(ParamReader p) throws ServletException {
    resolver = endpointIdResolver(p);
    origins = p.origins("allowed-origins");
    exposeHeaders = p.bool("expose-headers", false);
    alignSessionTimeout = p.bool("align-session-timeout", false);
    sessionEnded = sessionEndedPolicy(p);
    managerAttribute = p.get("manager-attribute", DEFAULT_MANAGER_ATTRIBUTE);
  }

  static FilterParams read(ParamReader p) throws ServletException {
    return new FilterParams(p);
  }

  TokenFilterConfig config(TokenManager manager) {
    return TokenFilterConfig.builder(manager, resolver)
        .allowedOrigins(origins)
        .exposeHeaders(exposeHeaders)
        .alignSessionTimeout(alignSessionTimeout)
        .sessionEndedPolicy(sessionEnded)
        .build();
  }

  private static EndpointIdResolver endpointIdResolver(ParamReader p) throws ServletException {
    String form = "fixed:VALUE, session:ATTRIBUTE, principal, class:FQCN (an EndpointIdResolver)"
        + " or trusted-header:NAME (only behind a gateway that sets the header and strips it from"
        + " client requests)";
    String value = p.require("endpoint-id", form);
    int colon = value.indexOf(':');
    String kind = colon < 0 ? value : value.substring(0, colon);
    String argument = colon < 0 ? null : value.substring(colon + 1).strip();
    if (kind.equals("principal") && argument == null) {
      return EndpointIdResolver.principal();
    }
    if (argument == null || argument.isEmpty()) {
      throw p.error("endpoint-id", "is \"" + value + "\"", form);
    }
    switch (kind) {
      case "fixed":
        try {
          return EndpointIdResolver.fixed(argument);
        } catch (IllegalArgumentException e) {
          throw p.error("endpoint-id", "is fixed: with a value that breaks the key rule ("
              + argument.length() + " characters)", "fixed:VALUE with VALUE of 1 to "
              + TokenManager.MAX_KEY_LENGTH + " characters without control characters");
        }
      case "header":
        // The value is a header name from web.xml, not a secret.
        throw new ServletException(p.owner() + ": init-param endpoint-id is header:" + argument
            + ", which would let any client choose whose token the server uses: a signed-in user"
            + " sending " + argument + ": alice would act with alice's token, and every value a"
            + " client invents would cost a token request. Bind keys to the user instead with"
            + " session:ATTRIBUTE (set by your login), principal or class:FQCN; or, only when a"
            + " gateway in front of this application sets " + argument + " itself and strips it"
            + " from client requests, say so with trusted-header:" + argument
            + " (see CONFIGURATION.md, \"Which key a request uses\")");
      case "trusted-header":
        return EndpointIdResolver.trustedHeader(argument);
      case "session":
        return EndpointIdResolver.sessionAttribute(argument);
      case "class":
        return Instances.instance(p, "endpoint-id", argument, EndpointIdResolver.class);
      default:
        throw p.error("endpoint-id", "is \"" + value + "\"", form);
    }
  }

  private static SessionEndedPolicy sessionEndedPolicy(ParamReader p) throws ServletException {
    String value = p.get("session-ended");
    String form = "401, redirect:URL (an absolute URL or a path starting with /) or pass-through";
    if (value == null || value.equals("401")) {
      return SessionEndedPolicy.unauthorized();
    }
    if (value.equals("pass-through")) {
      return SessionEndedPolicy.passThrough();
    }
    if (value.startsWith("redirect:")) {
      try {
        return SessionEndedPolicy.redirect(value.substring("redirect:".length()).strip());
      } catch (IllegalArgumentException e) {
        throw p.error("session-ended", "is wrong: " + e.getMessage(), form);
      }
    }
    throw p.error("session-ended", "is \"" + value + "\"", form);
  }
}

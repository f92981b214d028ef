package dev.tokenkeeper.servlet;

import dev.tokenkeeper.servlet.internal.Resolvers;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Finds the key under which a request's token is kept: one key per user, per device or per
 * service account, as your app needs. Whether the key is also sent to the provider as
 * {@code endpoint_id} is the {@code dialect} init-param's choice (see
 * {@link dev.tokenkeeper.Dialect#endpointIdFor}).
 *
 * <p>Implementations must be thread-safe: the filter calls one instance from many request threads
 * at once. The built-ins ({@link #fixed}, {@link #header}, {@link #sessionAttribute},
 * {@link #principal}) are immutable. A custom class named in {@code web.xml}
 * ({@code endpoint-id} = {@code class:com.example.MyResolver}) needs a public no-arg constructor.
 *
 * <p>The filter checks every key against {@link dev.tokenkeeper.TokenManager}'s key rule (1 to
 * {@value dev.tokenkeeper.TokenManager#MAX_KEY_LENGTH} characters, no control characters): a
 * request whose key breaks it is answered {@code 400} and no token is requested, so a resolver
 * may return what the request carries without checking it.
 */
@FunctionalInterface
public interface EndpointIdResolver {

  /**
   * The request's key, or {@code null} when the request has none (no header, no session
   * attribute, not signed in); the filter then applies its session-ended policy.
   */
  String resolve(HttpServletRequest request);

  /** The same key for every request, e.g. a service account's; checked against the key rule now. */
  static EndpointIdResolver fixed(String endpointId) {
    return Resolvers.fixed(endpointId);
  }

  /** The value of the request header {@code name}. */
  static EndpointIdResolver header(String name) {
    return Resolvers.header(name);
  }

  /**
   * The {@code HttpSession} attribute {@code name}, as a string; never creates a session. Your
   * login callback sets the attribute after it stored the user's token with
   * {@code TokenManager.put(key, response)}.
   */
  static EndpointIdResolver sessionAttribute(String name) {
    return Resolvers.sessionAttribute(name);
  }

  /**
   * The name of the authenticated user ({@code request.getUserPrincipal().getName()}), such as
   * {@code alice@example.com}.
   */
  static EndpointIdResolver principal() {
    return Resolvers.principal();
  }
}

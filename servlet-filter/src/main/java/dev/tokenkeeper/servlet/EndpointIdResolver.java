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
 * at once. The built-ins ({@link #fixed}, {@link #sessionAttribute}, {@link #principal},
 * {@link #trustedHeader}) are immutable. A custom class named in {@code web.xml}
 * ({@code endpoint-id} = {@code class:com.example.MyResolver}) needs a public no-arg constructor.
 *
 * <p>The filter checks every key against {@link dev.tokenkeeper.TokenManager}'s key rule (1 to
 * {@value dev.tokenkeeper.TokenManager#MAX_KEY_LENGTH} characters, no control characters): a
 * request whose key breaks it is answered {@code 400} and no token is requested, so a resolver
 * may return a value without checking its form.
 *
 * <p><b>No client chooses whose token the server uses.</b> The key selects a token the server
 * holds, so it must come from something the server itself bound to the user — a session
 * attribute your login set, the container's authenticated principal, a key your login flow made —
 * never from a value the client sends on its own (a header, a parameter, a cookie value). A
 * resolver that returns, say, the value of an {@code X-Endpoint-Id} header lets a signed-in user
 * who sends {@code X-Endpoint-Id: alice} act with Alice's token, and lets anonymous clients make
 * the server acquire one token per value they invent. The one built-in that reads client input,
 * {@link #trustedHeader}, is for deployments behind a gateway that sets the header itself and
 * strips it from client requests, and is named so; the filter logs a WARNING at {@code init}
 * when it is used.
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

  /**
   * The value of request header {@code name}, <b>trusted</b> to have been set by a gateway in
   * front of this application (an API gateway or reverse proxy that authenticates the caller,
   * sets the header from that identity, and removes any header of that name the client sent).
   * Without such a gateway any client can send the header and so choose whose token the server
   * uses: do not use it then; bind keys to the user with {@link #sessionAttribute},
   * {@link #principal} or your own resolver instead. {@code web.xml}:
   * {@code endpoint-id = trusted-header:NAME} (the former {@code header:NAME} fails {@code init}
   * and says so). The filter logs a WARNING at {@code init} when it runs with this resolver.
   *
   * @throws IllegalArgumentException {@code name} is blank
   */
  static EndpointIdResolver trustedHeader(String name) {
    return Resolvers.trustedHeader(name);
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

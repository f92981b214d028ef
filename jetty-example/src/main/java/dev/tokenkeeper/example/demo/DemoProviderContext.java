package dev.tokenkeeper.example.demo;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

/**
 * Mounts a {@link DemoProvider} as a servlet context of its own, outside the web application, so
 * that the app reaches it over HTTP exactly as it would reach a real provider.
 *
 * <pre>
 *   POST {path}/oauth/token          token endpoint (Basic client authentication)
 *   GET  {path}/oauth/authorize      consent page for authorization_code (PKCE, OpenID nonce)
 *   GET  {path}/.well-known/openid-configuration (and /oauth-authorization-server) metadata
 *   GET  {path}/oauth/jwks           the ID token signing key
 *   POST {path}/oauth/revoke         token revocation (RFC 7009)
 *   GET  {path}/oauth/logout         end-session endpoint; tells the client over its back channel
 *   POST {path}/control/end-session  end the demo user's signed-in sessions (back channel too)
 *   GET  {path}/api/...              resource API (Bearer)
 *   POST {path}/control/reject       make the API reject the current tokens
 *   POST {path}/control/fail?seconds=N  make the token endpoint answer 503 for N seconds
 *   GET  {path}/stats.json           counters
 * </pre>
 *
 * <p>Thread-safe: a stateless factory; the servlets it mounts share the thread-safe
 * {@link DemoProvider}.
 */
public final class DemoProviderContext {
  private DemoProviderContext() {}

  /** A servlet context at {@code contextPath} serving {@code provider}. */
  public static ServletContextHandler create(String contextPath, DemoProvider provider) {
    ServletContextHandler context = new ServletContextHandler(contextPath);
    context.setDisplayName("TokenKeeper demo provider");
    context.addServlet(new ServletHolder("token", new DemoTokenServlet(provider)), "/oauth/token");
    context.addServlet(
        new ServletHolder("authorize", new DemoAuthorizeServlet(provider)), "/oauth/authorize");
    context.addServlet(new ServletHolder("api", new DemoApiServlet(provider)), "/api/*");
    DemoBackChannel backChannel = new DemoBackChannel(provider);
    ServletHolder openId = new ServletHolder("openid", new DemoOpenIdServlet(provider, backChannel));
    for (String path : new String[] {"/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server", "/oauth/jwks", "/oauth/revoke",
        "/oauth/logout"}) {
      context.addServlet(openId, path);
    }
    DemoControlServlet control = new DemoControlServlet(provider, backChannel);
    context.addServlet(new ServletHolder("control", control), "/control/*");
    context.addServlet(new ServletHolder("stats", control), "/stats.json");
    return context;
  }
}

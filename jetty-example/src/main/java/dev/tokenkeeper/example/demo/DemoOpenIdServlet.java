package dev.tokenkeeper.example.demo;

import static dev.tokenkeeper.example.Web.html;

import dev.tokenkeeper.example.Web;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Map;

/**
 * The demo provider's OpenID Connect endpoints: discovery ({@code GET
 * /.well-known/openid-configuration} and RFC 8414's {@code /.well-known/oauth-authorization-server}),
 * the JWK Set ({@code GET /oauth/jwks}), revocation ({@code POST /oauth/revoke}, RFC 7009) and the
 * end-session endpoint ({@code GET /oauth/logout}, RP-Initiated Logout 1.0), which also tells the
 * client over its back channel.
 */
final class DemoOpenIdServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient DemoProvider provider;
  private final transient DemoBackChannel backChannel;

  DemoOpenIdServlet(DemoProvider provider, DemoBackChannel backChannel) {
    this.provider = provider;
    this.backChannel = backChannel;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getServletPath();
    switch (path) {
      case "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server" ->
          Web.writeJson(response, provider.openId().discovery());
      case "/oauth/jwks" -> Web.writeJson(response, provider.openId().jwks());
      case "/oauth/logout" -> endSession(request, response);
      default -> Web.writeJson(response, 404, Map.of(), Map.of("error", "not found"));
    }
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (!"/oauth/revoke".equals(request.getServletPath())) {
      Web.writeJson(response, 405, Map.of("Allow", "GET"), Map.of("error", "use GET"));
      return;
    }
    DemoProvider.Reply reply =
        provider.revoke(request.getParameterMap(), request.getHeader("Authorization"));
    backChannel.deliver();
    Web.writeJson(response, reply.status(), reply.headers(), reply.json());
  }

  private void endSession(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    int ended = provider.endSignedInSessions(request.getParameter("logout_hint"));
    backChannel.deliver();
    String back = request.getParameter("post_logout_redirect_uri");
    String link = "";
    if (back != null && isLoopback(back)) {
      link = "<p><a id=\"back\" href=\"" + html(back) + "\">Back to the application</a></p>";
    }
    Web.writeHtml(response, 200, """
        <!doctype html><html lang="en"><head><meta charset="utf-8">
        <title>Demo provider: signed out</title></head>
        <body style="font:16px system-ui,sans-serif;display:grid;place-items:center;min-height:80vh">
        <main><h1>Signed out of the demo provider</h1><p id="ended">%d session(s) ended.</p>%s</main>
        </body></html>""".formatted(ended, link));
  }

  private static boolean isLoopback(String uri) {
    try {
      URI u = new URI(uri);
      String host = u.getHost();
      return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && host != null
          && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }
}

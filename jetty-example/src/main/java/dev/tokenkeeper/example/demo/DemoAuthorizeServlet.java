package dev.tokenkeeper.example.demo;

import static dev.tokenkeeper.example.Web.html;

import dev.tokenkeeper.example.Web;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The demo provider's authorization endpoint (RFC 6749 section 4.1.1): {@code GET} shows a tiny
 * consent page for the demo user; {@code POST} (its buttons) redirects back to the client with a
 * {@code code} or with {@code error=access_denied}.
 */
final class DemoAuthorizeServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final List<String> CARRIED = List.of(
      "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
      "code_challenge_method", "endpoint_id", "nonce");

  private final transient DemoProvider provider;

  DemoAuthorizeServlet(DemoProvider provider) {
    this.provider = provider;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    StringBuilder hidden = new StringBuilder();
    for (String name : CARRIED) {
      String value = request.getParameter(name);
      if (value != null) {
        hidden.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"")
            .append(html(value)).append("\">");
      }
    }
    String scope = request.getParameter("scope");
    Web.writeHtml(response, 200, """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo provider: sign in</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body{font:16px system-ui,sans-serif;background:#f4f6fb;color:#1d2433;display:grid;
        place-items:center;min-height:90vh}main{background:#fff;border-radius:12px;padding:28px 32px;
        box-shadow:0 4px 24px #0002;max-width:420px}button{font:inherit;padding:8px 18px;border-radius:8px;
        border:1px solid #3b5bdb;margin-right:8px;cursor:pointer}.ok{background:#3b5bdb;color:#fff}
        .no{background:#fff;color:#3b5bdb}code{background:#eef1f8;padding:1px 5px;border-radius:4px}</style>
        </head><body><main><h1>Demo provider</h1>
        <p>The application <code>%s</code> asks to act as <b>Demo User</b> (<code>%s</code>) with the
        scopes <code>%s</code>.</p>
        <form method="post">%s
        <button class="ok" name="decision" value="approve">Approve</button>
        <button class="no" name="decision" value="deny">Deny</button></form></main></body></html>
        """.formatted(
            html(request.getParameter("client_id")), html(DemoProvider.USERNAME),
            html(scope == null || scope.isBlank() ? DemoProvider.SCOPES : scope), hidden));
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String redirectUri = request.getParameter("redirect_uri");
    String state = request.getParameter("state");
    String code;
    try {
      code = provider.authorize(
          request.getParameter("client_id"),
          redirectUri,
          request.getParameter("scope"),
          request.getParameter("code_challenge"),
          request.getParameter("code_challenge_method"),
          request.getParameter("endpoint_id"),
          request.getParameter("nonce"));
    } catch (IllegalArgumentException e) {
      // RFC 6749 section 4.1.2.1: with a bad client or redirect_uri, never redirect.
      Web.writeHtml(response, 400, "<!doctype html><title>Bad authorization request</title><p>"
          + html(e.getMessage()) + "</p>");
      return;
    }
    if (!"code".equals(request.getParameter("response_type"))) {
      response.sendRedirect(withParams(redirectUri, "error", "unsupported_response_type", state));
    } else if (!"approve".equals(request.getParameter("decision"))) {
      response.sendRedirect(withParams(redirectUri, "error", "access_denied", state));
    } else {
      response.sendRedirect(withParams(redirectUri, "code", code, state));
    }
  }

  private static String withParams(String uri, String name, String value, String state) {
    StringBuilder out = new StringBuilder(uri).append(uri.contains("?") ? '&' : '?')
        .append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    if (state != null) {
      out.append("&state=").append(URLEncoder.encode(state, StandardCharsets.UTF_8));
    }
    return out.toString();
  }
}

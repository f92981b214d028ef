package dev.tokenkeeper.example.demo;

import dev.tokenkeeper.example.Web;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The demo resource API: any {@code GET} under it checks the bearer token (RFC 6750) and answers
 * with the caller's account, or 401 for a missing, unknown, expired or revoked token or an ended
 * session.
 */
final class DemoApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient DemoProvider provider;

  DemoApiServlet(DemoProvider provider) {
    this.provider = provider;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    DemoProvider.Reply reply = provider.api(request.getHeader("Authorization"));
    Web.writeJson(response, reply.status(), reply.headers(), reply.json());
  }
}

package dev.tokenkeeper.example;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Gives a browser its session with the status page itself, before the page's scripts send
 * anything. The page registers its devices at once and the user may sign in at once: first
 * requests sent side by side without a session cookie would each make a session, the browser
 * would keep whichever cookie came last, and a sign-in started in one session would come back to
 * another and be refused ("started in another browser session"). Other paths (status.json,
 * metrics, the API) make no session. Stateless and thread-safe.
 */
public final class PageSessionFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response,
      FilterChain chain) throws IOException, ServletException {
    if ("GET".equals(request.getMethod()) && isPage(request)) {
      request.getSession(true);
    }
    chain.doFilter(request, response);
  }

  private static boolean isPage(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return path.isEmpty() || path.equals("/") || path.equals("/index.html");
  }
}

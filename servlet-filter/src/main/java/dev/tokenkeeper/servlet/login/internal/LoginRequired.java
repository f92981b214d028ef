package dev.tokenkeeper.servlet.login.internal;

import dev.tokenkeeper.servlet.SessionEndedPolicy;
import dev.tokenkeeper.servlet.internal.Responses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The session-ended policy of signed-in apps: a browser navigation goes to the login, which
 * brings the user back to the page asked for; a script's request ({@link Pages#isApiRequest})
 * gets {@code 401} with a JSON body naming the login URL. Immutable.
 */
public record LoginRequired(String loginPath) implements SessionEndedPolicy {

  @Override
  public boolean handle(HttpServletRequest request, HttpServletResponse response,
      String endpointId) throws IOException {
    String login = request.getContextPath() + loginPath;
    if (Pages.isApiRequest(request)) {
      response.setHeader("WWW-Authenticate", "Bearer realm=\"tokenkeeper\","
          + " error=\"invalid_token\", error_description=\"Sign in again\"");
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", "login_required");
      body.put("error_description", endpointId == null ? "Not signed in"
          : "The sign-in has ended; sign in again");
      body.put("login", login);
      Responses.json(response, HttpServletResponse.SC_UNAUTHORIZED, body);
      return false;
    }
    String target = request.getRequestURI().substring(request.getContextPath().length());
    if (request.getQueryString() != null) {
      target += "?" + request.getQueryString();
    }
    String safe = ReturnTargets.safe(target);
    Pages.redirect(response, HttpServletResponse.SC_FOUND, safe == null ? login
        : login + "?return_to=" + URLEncoder.encode(safe, StandardCharsets.UTF_8));
    return false;
  }

  @Override
  public String toString() {
    return "login:" + loginPath;
  }
}

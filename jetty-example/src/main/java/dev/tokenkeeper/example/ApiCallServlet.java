package dev.tokenkeeper.example;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.servlet.TokenContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /app/call}, behind {@code TokenFilter}: calls the provider's API (context-param
 * {@value #API_URL_PARAM}, set by the launcher) through the request's {@code BearerHttpClient}, which attaches the endpoint's
 * token and, after a 401, refreshes once and retries. Answers with the API's status and body, and
 * tells the {@link StatusBoard}.
 *
 * <p>Thread-safe: the container calls it from many threads at once; it keeps only what
 * {@link #init()} read, and the board and the request's client are thread-safe.
 */
public final class ApiCallServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final int MAX_BODY = 64 * 1024;

  /** Context-param: the API resource to call; none means "only show that a token is at hand". */
  public static final String API_URL_PARAM = "example.api-url";

  private transient URI apiUrl;
  private transient StatusBoard board;

  @Override
  public void init() throws ServletException {
    String value = getServletContext().getInitParameter(API_URL_PARAM);
    apiUrl = value == null || value.isBlank() ? null : URI.create(value.trim());
    board = StatusBoard.of(getServletContext());
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    call(request, response);
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    call(request, response);
  }

  private void call(HttpServletRequest request, HttpServletResponse response) throws IOException {
    TokenContext tk = TokenContext.from(request);
    String key = tk.endpointId();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("endpoint_id", key);
    if (apiUrl == null) {
      board.inUse(key, tk.token());
      board.called(key, 200, Duration.ZERO, tk.sessionTimeouts());
      json.put("api_status", null);
      json.put("message", "A token is at hand; give --api-url to call an API with it");
      Web.writeJson(response, json);
      return;
    }
    long started = System.nanoTime();
    HttpResponse<String> api;
    try {
      api = tk.httpClient().send(
          HttpRequest.newBuilder(apiUrl).timeout(Duration.ofSeconds(30))
              .header("Accept", "application/json").GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      board.callFailed(key, e.toString());
      json.put("error", "api_unreachable");
      json.put("error_description", "The API did not answer: " + e.getMessage());
      Web.writeJson(response, 502, Map.of(), json);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      board.callFailed(key, "interrupted");
      json.put("error", "interrupted");
      Web.writeJson(response, 503, Map.of(), json);
      return;
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    if (api.statusCode() >= 200 && api.statusCode() < 300) {
      board.inUse(key, tk.token()); // the cached token the call just used: no request
    }
    board.called(key, api.statusCode(), elapsed, tk.sessionTimeouts());
    json.put("api_status", api.statusCode());
    json.put("elapsed_ms", elapsed.toMillis());
    String body = api.body();
    if (body.length() <= MAX_BODY) {
      try {
        json.put("api", JSONObjectUtils.parse(body));
      } catch (ParseException e) {
        json.put("api_text", body.length() > 500 ? body.substring(0, 500) + "\u2026" : body);
      }
    } else {
      json.put("api_text", "(" + body.length() + " characters, not shown)");
    }
    boolean ok = api.statusCode() >= 200 && api.statusCode() < 300;
    Web.writeJson(response, ok ? 200 : 502, Map.of(), json);
  }
}

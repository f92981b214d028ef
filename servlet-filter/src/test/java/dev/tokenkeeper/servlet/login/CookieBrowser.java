package dev.tokenkeeper.servlet.login;

import java.io.IOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;

/** A user agent with its own cookie jar that never follows redirects by itself. */
public final class CookieBrowser {
  public final CookieManager cookies = new CookieManager();
  private final HttpClient client = HttpClient.newBuilder().cookieHandler(cookies)
      .version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).build();

  public HttpResponse<String> get(URI uri, String... headers) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  public HttpResponse<String> post(URI uri, Map<String, String> form, String... headers)
      throws IOException {
    StringJoiner body = new StringJoiner("&");
    form.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest.Builder b = HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  public HttpResponse<String> send(HttpRequest request) throws IOException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** Follows the response's Location (relative to its request). */
  public HttpResponse<String> follow(HttpResponse<String> r) throws IOException {
    String location = r.headers().firstValue("Location")
        .orElseThrow(() -> new AssertionError("no Location in " + r.statusCode() + " " + r.body()));
    return get(r.uri().resolve(location));
  }

  public static URI location(HttpResponse<String> r) {
    return r.uri().resolve(r.headers().firstValue("Location")
        .orElseThrow(() -> new AssertionError("no Location in " + r.statusCode() + " " + r.body())));
  }

  /** The JSESSIONID cookie's value, or null. */
  public String sessionId() {
    for (HttpCookie c : cookies.getCookieStore().getCookies()) {
      if (c.getName().equals("JSESSIONID")) {
        return c.getValue();
      }
    }
    return null;
  }
}

package dev.tokenkeeper.servlet.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

/** One user agent with its own session cookie; never follows redirects. */
public final class Browser {
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NEVER).build();
  private volatile String cookie;

  public HttpResponse<String> get(URI uri, String... headers) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
    if (headers.length > 0) {
      b.headers(headers);
    }
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      r.headers().firstValue("Set-Cookie").ifPresent(c -> cookie = c.split(";", 2)[0]);
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** The {@code name=value} lines of {@code /app/info}. */
  public static Map<String, String> lines(String body) {
    Map<String, String> map = new HashMap<>();
    for (String line : body.split("\r?\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        map.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return map;
  }
}

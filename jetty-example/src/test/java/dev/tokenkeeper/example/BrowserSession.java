package dev.tokenkeeper.example;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;

/** One browser against the example: its own cookies, so its own {@code HttpSession}. */
final class BrowserSession {
  private final URI base;
  private final HttpClient http = HttpClient.newBuilder()
      .cookieHandler(new CookieManager())
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  BrowserSession(URI base) {
    this.base = base;
  }

  /** Registers {@code device} in this browser's session; returns its server-made endpoint id. */
  String register(String device) throws IOException, InterruptedException {
    HttpResponse<String> r = post("/devices?device=" + enc(device));
    if (r.statusCode() != 200) {
      throw new AssertionError("POST /devices: " + r.statusCode() + " " + r.body());
    }
    try {
      return (String) JSONObjectUtils.parse(r.body()).get("endpoint_id");
    } catch (ParseException e) {
      throw new AssertionError(r.body(), e);
    }
  }

  /** {@code POST /app/call?device=NAME}, registering the device first. */
  HttpResponse<String> call(String device) throws IOException, InterruptedException {
    register(device);
    return post("/app/call?device=" + enc(device));
  }

  HttpResponse<String> post(String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  static Map<String, Object> json(HttpResponse<String> response) {
    try {
      return JSONObjectUtils.parse(response.body());
    } catch (ParseException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}

package dev.tokenkeeper.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token endpoint on loopback (port 0) that counts the requests it gets and answers each, after a
 * fixed delay, with a fresh client_credentials token valid for an hour.
 *
 * <p>Every request is served on its own thread, so the delay is the provider's latency, not a
 * queue: N concurrent requests all complete after about one delay.
 */
final class TokenServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;
  private final Duration delay;
  private final String extraFields;
  private final AtomicInteger requests = new AtomicInteger();
  private final long expiresInSeconds;
  /** Per key (the form's endpoint_id, else the Basic user name): the nanoTime of each request. */
  private final Map<String, List<Long>> requestTimes = new ConcurrentHashMap<>();

  private TokenServer(Duration delay, String extraFields) throws IOException {
    this(delay, extraFields, 3600);
  }

  private TokenServer(Duration delay, String extraFields, long expiresInSeconds)
      throws IOException {
    this.delay = delay;
    this.extraFields = extraFields;
    this.expiresInSeconds = expiresInSeconds;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "token-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/token", this::handle);
    server.start();
  }

  /** Starts a server that answers every token request after {@code delay}. */
  static TokenServer start(Duration delay) throws IOException {
    return new TokenServer(delay, "");
  }

  /**
   * Starts a server whose answers also carry {@code extraFields}: JSON members without braces,
   * e.g. {@code "session_idle_timeout":1800}, added after the standard ones.
   */
  static TokenServer start(Duration delay, String extraFields) throws IOException {
    return new TokenServer(delay, extraFields.isEmpty() ? "" : "," + extraFields);
  }

  /** Starts a server whose tokens live {@code expiresIn} (whole seconds). */
  static TokenServer start(Duration delay, Duration expiresIn) throws IOException {
    return new TokenServer(delay, "", expiresIn.toSeconds());
  }

  /**
   * The nanoTime of every request per key since start or the last {@link #reset()}; the key is
   * the form's {@code endpoint_id}, else the user name of HTTP Basic client authentication.
   */
  Map<String, List<Long>> requestTimes() {
    Map<String, List<Long>> copy = new TreeMap<>();
    requestTimes.forEach((key, times) -> {
      synchronized (times) {
        copy.put(key, new ArrayList<>(times));
      }
    });
    return copy;
  }

  URI tokenUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
  }

  /** Token requests received since start or the last {@link #reset()}. */
  int requests() {
    return requests.get();
  }

  void reset() {
    requests.set(0);
    requestTimes.clear();
  }

  private static String keyOf(String form, String authorization) {
    for (String pair : form.split("&")) {
      if (pair.startsWith("endpoint_id=")) {
        return URLDecoder.decode(pair.substring("endpoint_id=".length()), StandardCharsets.UTF_8);
      }
    }
    if (authorization != null && authorization.startsWith("Basic ")) {
      String user = new String(Base64.getDecoder().decode(authorization.substring(6)),
          StandardCharsets.UTF_8);
      int colon = user.indexOf(':');
      return URLDecoder.decode(colon < 0 ? user : user.substring(0, colon), StandardCharsets.UTF_8);
    }
    return "?";
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange; InputStream body = exchange.getRequestBody()) {
      long at = System.nanoTime();
      String form = new String(body.readAllBytes(), StandardCharsets.UTF_8);
      List<Long> times = requestTimes.computeIfAbsent(
          keyOf(form, exchange.getRequestHeaders().getFirst("Authorization")),
          k -> new ArrayList<>());
      synchronized (times) {
        times.add(at);
      }
      int n = requests.incrementAndGet();
      if (!delay.isZero()) {
        try {
          Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] json = ("{\"access_token\":\"herd-" + n + "\",\"token_type\":\"Bearer\","
              + "\"expires_in\":" + expiresInSeconds + ",\"scope\":\"benchmark\"" + extraFields + "}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json;charset=UTF-8");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      exchange.sendResponseHeaders(200, json.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(json);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.tokenkeeper.testing;

import com.sun.net.httpserver.Headers;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JDK {@link HttpServer} on a loopback port chosen by the OS, playing a token endpoint: it
 * records every request exactly as received and answers with queued responses (or the default).
 * Thread-safe. A test class may hold one in a {@code @RegisterExtension} field: it is closed after
 * each test (JUnit makes a new test instance, and so a new server, for every test).
 */
public final class LoopbackTokenServer implements AutoCloseable, AfterEachCallback {
  /** A request as the server saw it. */
  public record Recorded(String method, String path, Headers headers, String body) {
    public String header(String name) {
      return headers.getFirst(name);
    }

    /** The form body decoded; a repeated name fails, since no token request repeats one. */
    public Map<String, String> form() {
      Map<String, String> form = new LinkedHashMap<>();
      if (body.isEmpty()) {
        return form;
      }
      for (String pair : body.split("&")) {
        int eq = pair.indexOf('=');
        String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        if (form.put(name, value) != null) {
          throw new AssertionError("form field sent twice: " + name);
        }
      }
      return form;
    }
  }

  /** A canned answer. {@code delayMillis} holds the answer back (for timeout tests only). */
  public record Reply(int status, Map<String, String> headers, byte[] body, long delayMillis,
      boolean chunked) {
    public static Reply json(int status, String json) {
      return new Reply(status, Map.of("Content-Type", "application/json;charset=UTF-8"),
          json.getBytes(StandardCharsets.UTF_8), 0, false);
    }

    public static Reply of(int status, String contentType, String body) {
      return new Reply(status, contentType == null ? Map.of() : Map.of("Content-Type", contentType),
          body.getBytes(StandardCharsets.UTF_8), 0, false);
    }

    public Reply withHeader(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Reply(status, h, body, delayMillis, chunked);
    }

    public Reply delayed(long millis) {
      return new Reply(status, headers, body, millis, chunked);
    }

    /** Sent with chunked transfer encoding: no Content-Length, so the size is unknown up front. */
    public Reply asChunked() {
      return new Reply(status, headers, body, delayMillis, true);
    }
  }

  private final HttpServer server;
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
  private volatile java.util.concurrent.CountDownLatch gate;
  private volatile Reply defaultReply = Reply.json(200,
      "{\"access_token\":\"default-access\",\"token_type\":\"bearer\",\"expires_in\":3600}");

  private LoopbackTokenServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "loopback-token-server");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::handle);
    server.start();
  }

  public static LoopbackTokenServer start() {
    try {
      return new LoopbackTokenServer();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code http://127.0.0.1:port/path}. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  public LoopbackTokenServer enqueue(Reply reply) {
    replies.add(reply);
    return this;
  }

  public LoopbackTokenServer respondByDefault(Reply reply) {
    defaultReply = reply;
    return this;
  }

  /** Holds every answer back until {@code gate} opens (or 30 s pass): for async and timeout tests. */
  public LoopbackTokenServer holdRepliesUntil(java.util.concurrent.CountDownLatch gate) {
    this.gate = gate;
    return this;
  }

  public List<Recorded> requests() {
    return Collections.unmodifiableList(new ArrayList<>(requests));
  }

  /** The only request so far. */
  public Recorded onlyRequest() {
    if (requests.size() != 1) {
      throw new AssertionError("expected exactly one request, got " + requests.size());
    }
    return requests.get(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      Headers copy = new Headers();
      copy.putAll(exchange.getRequestHeaders());
      requests.add(new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
          copy, body));
    }
    Reply reply = replies.poll();
    if (reply == null) {
      reply = defaultReply;
    }
    java.util.concurrent.CountDownLatch held = gate;
    if (held != null) {
      try {
        held.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (reply.delayMillis() > 0) {
      try {
        TimeUnit.MILLISECONDS.sleep(reply.delayMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
    byte[] body = reply.body();
    exchange.sendResponseHeaders(reply.status(),
        reply.chunked() ? 0 : body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    } catch (IOException clientWentAway) {
      // The client may close early on purpose (size cap, timeout).
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}

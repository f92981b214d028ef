package dev.tokenkeeper.testing;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A JDK {@link HttpServer} on a loopback port chosen by the OS whose answers come from a script
 * (a function of the request), so it can play a token endpoint that rotates refresh tokens, a
 * resource server that answers 401, or a redirector. Counts requests, and how many are open at
 * once. Thread-safe; each request is handled on its own thread, so a script may block.
 */
public final class ScriptedServer implements AutoCloseable {

  /** A request as the server saw it. */
  public record Request(String method, String path, Map<String, List<String>> headers,
      String body) {
    /** The first value of a header (names are case-insensitive), or {@code null}. */
    public String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    /** The form-urlencoded body, decoded. */
    public Map<String, String> form() {
      Map<String, String> form = new LinkedHashMap<>();
      if (body.isEmpty()) {
        return form;
      }
      for (String pair : body.split("&")) {
        int eq = pair.indexOf('=');
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
      return form;
    }

    public String param(String name) {
      return form().get(name);
    }

    public String grantType() {
      return param("grant_type");
    }
  }

  /** An answer. */
  public record Answer(int status, Map<String, String> headers, String body) {
    public static Answer json(int status, String json) {
      return new Answer(status, Map.of("Content-Type", "application/json"), json);
    }

    public static Answer status(int status) {
      return new Answer(status, Map.of(), "");
    }

    public static Answer text(int status, String text) {
      return new Answer(status, Map.of("Content-Type", "text/plain"), text);
    }

    /** An OAuth error answer (RFC 6749, section 5.2). */
    public static Answer error(int status, String error) {
      return json(status, "{\"error\":\"" + error + "\",\"error_description\":\"scripted\"}");
    }

    public Answer withHeader(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Answer(status, h, body);
    }
  }

  /** Computes the answer to a request; may block (e.g. on a latch). */
  @FunctionalInterface
  public interface Script {
    Answer answer(Request request) throws Exception;
  }

  private final HttpServer server;
  private final ExecutorService pool;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger maxOpen = new AtomicInteger();
  private volatile Script script;

  private ScriptedServer(Script script) throws IOException {
    this.script = script;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "scripted-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  public static ScriptedServer start(Script script) {
    try {
      return new ScriptedServer(script);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public void script(Script script) {
    this.script = script;
  }

  /** {@code http://127.0.0.1:port/path}. */
  public URI uri(String path) {
    return URI.create(origin() + path);
  }

  /** {@code http://127.0.0.1:port}. */
  public String origin() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<Request> requests() {
    return Collections.unmodifiableList(new ArrayList<>(requests));
  }

  public int count() {
    return requests.size();
  }

  public long count(Predicate<Request> which) {
    return requests.stream().filter(which).count();
  }

  /** The most requests that were open at the same moment. */
  public int maxConcurrent() {
    return maxOpen.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    int now = open.incrementAndGet();
    maxOpen.accumulateAndGet(now, Math::max);
    try {
      String body;
      try (InputStream in = exchange.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Map<String, List<String>> headers = new LinkedHashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
      Request request = new Request(exchange.getRequestMethod(),
          exchange.getRequestURI().getPath(), headers, body);
      requests.add(request);
      Answer answer;
      try {
        answer = script.answer(request);
      } catch (Exception | AssertionError e) {
        answer = Answer.text(500, "script failed: " + e);
      }
      answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } finally {
      open.decrementAndGet();
      exchange.close();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}

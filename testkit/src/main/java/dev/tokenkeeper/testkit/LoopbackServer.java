package dev.tokenkeeper.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A JDK {@code HttpServer} on a loopback port chosen by the operating system: it records every
 * request as received and answers each with its current {@linkplain #script script}. The kit's
 * resource servers and token endpoint are instances of it; adapter tests may use it for scenarios
 * of their own.
 *
 * <p>Thread-safe: requests are served concurrently, and the script may be replaced at any time.
 */
public final class LoopbackServer implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();

  /**
   * A request as the server received it. A value, thread-safe to read once the server has
   * recorded it; the body array is the server's copy, not to be modified.
   *
   * @param method the HTTP method
   * @param path the path and query
   * @param headers the headers, names lower-cased, each with its values in order
   * @param body the body as received (empty when none)
   */
  public record Request(String method, String path, Map<String, List<String>> headers,
      byte[] body) {

    /** The values of a header (any case of the name); empty when absent. */
    public List<String> headers(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** The first value of a header, or {@code null}. */
    public String header(String name) {
      List<String> values = headers(name);
      return values.isEmpty() ? null : values.get(0);
    }

    /** The body as UTF-8 text. */
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /**
   * An answer. Immutable when made by its factories and {@link #withHeader}.
   *
   * @param status the status code
   * @param headers response headers
   * @param body the body, UTF-8
   */
  public record Answer(int status, Map<String, String> headers, String body) {
    /** A {@code text/plain} answer. */
    public static Answer text(int status, String body) {
      return new Answer(status, Map.of("Content-Type", "text/plain;charset=UTF-8"), body);
    }

    /** An {@code application/json} answer. */
    public static Answer json(int status, String body) {
      return new Answer(status, Map.of("Content-Type", "application/json;charset=UTF-8"), body);
    }

    /** A redirect with an empty body. */
    public static Answer redirect(int status, String location) {
      return new Answer(status, Map.of("Location", location), "");
    }

    /** This answer with one more header. */
    public Answer withHeader(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Answer(status, Map.copyOf(h), body);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Function<Request, Answer> script;

  private LoopbackServer(Function<Request, Answer> script) throws IOException {
    this.script = Objects.requireNonNull(script, "script");
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "testkit-server-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a server that answers with {@code script}. */
  public static LoopbackServer start(Function<Request, Answer> script) {
    try {
      return new LoopbackServer(script);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Answers later requests with {@code script}. */
  public void script(Function<Request, Answer> script) {
    this.script = Objects.requireNonNull(script, "script");
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public URI uri(String path) {
    InetSocketAddress a = server.getAddress();
    return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + path);
  }

  /** Every request received so far, in arrival order. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** How many requests were received. */
  public int count() {
    return requests.size();
  }

  /** How many received requests match. */
  public long count(Predicate<Request> which) {
    return requests.stream().filter(which).count();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Map<String, List<String>> headers = new LinkedHashMap<>();
      exchange.getRequestHeaders().forEach((name, values) ->
          headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new CopyOnWriteArrayList<>())
              .addAll(values));
      headers.replaceAll((name, values) -> List.copyOf(values));
      Request request = new Request(exchange.getRequestMethod(),
          exchange.getRequestURI().toString(), Map.copyOf(headers), body);
      requests.add(request);
      Answer answer;
      try {
        answer = script.apply(request);
      } catch (RuntimeException | AssertionError e) {
        answer = Answer.text(500, "script failed: " + e);
      }
      answer.headers().forEach((n, v) -> exchange.getResponseHeaders().add(n, v));
      byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = exchange.getResponseBody()) {
          os.write(out);
        }
      }
    }
  }

  /** Stops the server and its threads. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

package dev.tokenkeeper.benchmarks;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.EndpointIdResolver;
import dev.tokenkeeper.servlet.TokenFilter;
import dev.tokenkeeper.servlet.TokenFilterConfig;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link TokenFilter}'s cost on a real Jetty 12 (ee10) request: the same trivial servlet (a
 * 3-byte {@code text/plain} answer) served with no filter ({@code plain}), behind the filter
 * ({@code filter}), and behind the filter with {@code expose-headers} on ({@code filterHeaders}:
 * the three {@code TokenKeeper-Session-*} headers are written), all three in one server, one run;
 * plus a reference, {@code noopFilter}: a pass-through filter, Jetty's own cost of a filter chain.
 *
 * <p>The filter is configured in code, {@code endpoint-id} from the request header
 * {@value #ENDPOINT_HEADER}, on one key whose token came from the loopback token endpoint once
 * during set-up; the token carries provider session timeouts ({@code session_id},
 * {@code session_idle_timeout}, {@code session_expires_in}), so the filter sets its session
 * attributes and, with headers on, has something to write. A trial in which the endpoint saw any
 * further request, or a request got anything but {@code 200}, fails at tear-down. Every variant
 * sends the same request bytes (header included) except for a path of the same length.
 *
 * <p>Two transports ({@code transport} parameter):
 *
 * <ul>
 *   <li>{@code local}: Jetty's {@code LocalConnector}, one kept-alive {@code LocalEndPoint} per
 *       JMH thread. The full HTTP/1.1 parse, servlet dispatch and response generation, without a
 *       socket or a client: the server's work is nearly all that is measured, so the filter's
 *       share is the largest and the ratio is the strictest.
 *   <li>{@code http}: real TCP over loopback to a {@code ServerConnector}, one kept-alive
 *       connection per JMH thread with a minimal blocking HTTP/1.1 client (write the request
 *       bytes, read status line, headers and {@code Content-Length} body). Kernel and selector
 *       costs dilute the filter's share; this is what a deployment sees. The client is minimal on
 *       purpose: {@code java.net.http.HttpClient} costs more CPU per request than Jetty does and
 *       shares the same cores, so it would hide the filter further.
 * </ul>
 *
 * <p>Thread count is not a JMH parameter; {@code run.sh} uses {@code -t 2} (both cores busy).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class FilterOverheadBenchmark {

  static final String ENDPOINT_HEADER = "X-Endpoint-Id";
  static final String KEY = "endpoint-0";
  /** Paths of one length, so that every variant parses the same number of bytes. */
  static final String PLAIN_PATH = "/p/x";
  static final String FILTER_PATH = "/f/x";
  static final String HEADERS_PATH = "/h/x";
  static final String NOOP_PATH = "/n/x";

  @Benchmark
  public int plain(ClientState c) throws Exception {
    return c.get(c.plain);
  }

  @Benchmark
  public int filter(ClientState c) throws Exception {
    return c.get(c.filter);
  }

  @Benchmark
  public int filterHeaders(ClientState c) throws Exception {
    return c.get(c.headers);
  }

  /**
   * A reference: a pass-through filter mapped the same way, so that Jetty's own cost of a filter
   * chain (a chain object per request, the filter's wrapper and dispatch) can be told apart from
   * the work TokenFilter does.
   */
  @Benchmark
  public int noopFilter(ClientState c) throws Exception {
    return c.get(c.noop);
  }

  static byte[] request(String path, boolean withKey) {
    return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (withKey ? ENDPOINT_HEADER + ": " + KEY + "\r\n" : "") + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** The trivial servlet: a short text, its length known, nothing else. */
  static final class OkServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final byte[] OK = "ok\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.setContentLength(OK.length);
      resp.getOutputStream().write(OK);
    }
  }

  /** The token endpoint, the manager and Jetty with both connectors, shared by all threads. */
  @State(Scope.Benchmark)
  public static class ServerState {
    @Param({"local", "http"})
    public String transport;

    TokenServer tokens;
    TokenManager manager;
    Server server;
    LocalConnector local;
    ServerConnector http;
    final AtomicLong failures = new AtomicLong();
    volatile String firstFailure;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      tokens = TokenServer.start(Duration.ZERO,
          "\"session_id\":\"bench-session\",\"session_idle_timeout\":1800,\"session_expires_in\":86400");
      TokenEndpoint endpoint = TokenEndpoint
          .builder(tokens.tokenUri(), ClientAuthentication.basic("benchmark", "secret"))
          .build();
      manager = TokenManager.builder(endpoint)
          .primaryGrant(Grant.clientCredentials())
          .refreshWindow(Duration.ofMinutes(5))
          .clock(Clock.systemUTC())
          .build();
      // The one token request of the trial: the key holds a fresh token from here on.
      manager.token(KEY);

      QueuedThreadPool threads = new QueuedThreadPool();
      threads.setName("jetty");
      server = new Server(threads);
      local = new LocalConnector(server);
      http = new ServerConnector(server);
      http.setHost(InetAddress.getLoopbackAddress().getHostAddress());
      http.setPort(0);
      server.addConnector(local);
      server.addConnector(http);

      ServletContextHandler context = new ServletContextHandler();
      context.setContextPath("/");
      context.addServlet(new ServletHolder(new OkServlet()), "/*");
      EndpointIdResolver resolver = EndpointIdResolver.trustedHeader(ENDPOINT_HEADER);
      context.addFilter(new FilterHolder(new TokenFilter(
              TokenFilterConfig.builder(manager, resolver).build())),
          "/f/*", EnumSet.of(DispatcherType.REQUEST));
      context.addFilter(new FilterHolder(new TokenFilter(
              TokenFilterConfig.builder(manager, resolver).exposeHeaders(true).build())),
          "/h/*", EnumSet.of(DispatcherType.REQUEST));
      Filter passThrough = (request, response, chain) -> chain.doFilter(request, response);
      context.addFilter(new FilterHolder(passThrough), "/n/*", EnumSet.of(DispatcherType.REQUEST));
      server.setHandler(context);
      server.start();
      checkResponses();
      System.gc();
    }

    /** Each path does what its name says, on both transports, before anything is measured. */
    private void checkResponses() throws Exception {
      for (String transport : new String[] {"local", "http"}) {
        try (Client client = Client.open(transport, this)) {
          String plain = client.exchange(request(PLAIN_PATH, true));
          String filter = client.exchange(request(FILTER_PATH, true));
          String headers = client.exchange(request(HEADERS_PATH, true));
          String noop = client.exchange(request(NOOP_PATH, true));
          String noKey = client.exchange(request(FILTER_PATH, false));
          check(plain.startsWith("HTTP/1.1 200 ") && plain.endsWith("\r\n\r\nok\n")
              && !plain.contains("TokenKeeper-"), transport + " plain: " + plain);
          check(filter.startsWith("HTTP/1.1 200 ") && filter.endsWith("\r\n\r\nok\n")
              && !filter.contains("TokenKeeper-"), transport + " filter: " + filter);
          check(headers.startsWith("HTTP/1.1 200 ") && headers.endsWith("\r\n\r\nok\n")
              && headers.contains(TokenFilter.IDLE_TIMEOUT_HEADER + ": 1800\r\n")
              && headers.contains(TokenFilter.IDLE_DEADLINE_HEADER + ": ")
              && headers.contains(TokenFilter.EXPIRES_HEADER + ": "),
              transport + " filter with headers: " + headers);
          check(noop.startsWith("HTTP/1.1 200 ") && noop.endsWith("\r\n\r\nok\n")
              && !noop.contains("TokenKeeper-"), transport + " pass-through filter: " + noop);
          // Proves the filter is in the chain: without the key its default policy answers 401.
          check(noKey.startsWith("HTTP/1.1 401 "), transport + " filter without a key: " + noKey);
        }
      }
      check(tokens.requests() == 1, "set-up made " + tokens.requests() + " token requests, not 1");
    }

    void failed(String what) {
      if (failures.getAndIncrement() == 0) {
        firstFailure = what;
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      int requests = tokens.requests();
      server.stop();
      manager.close();
      tokens.close();
      check(requests == 1, "the token endpoint got " + requests
          + " requests; expected only the set-up's 1 (the filter must not request on the hot path)");
      check(failures.get() == 0, failures.get() + " requests did not get 200; first: " + firstFailure);
    }
  }

  /** One kept-alive connection per JMH thread, on the trial's transport. */
  @State(Scope.Thread)
  public static class ClientState {
    Client client;
    ServerState server;
    byte[] plain;
    byte[] filter;
    byte[] headers;
    byte[] noop;

    @Setup(Level.Trial)
    public void setUp(ServerState server) throws Exception {
      this.server = server;
      client = Client.open(server.transport, server);
      plain = request(PLAIN_PATH, true);
      filter = request(FILTER_PATH, true);
      headers = request(HEADERS_PATH, true);
      noop = request(NOOP_PATH, true);
    }

    int get(byte[] request) throws Exception {
      int status = client.get(request);
      if (status != 200) {
        server.failed("status " + status);
      }
      return status;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      client.close();
    }
  }

  /** A kept-alive HTTP/1.1 connection that sends a request and returns the response's status. */
  abstract static class Client implements AutoCloseable {
    static Client open(String transport, ServerState s) throws IOException {
      return switch (transport) {
        case "local" -> new Local(s.local);
        case "http" -> new Http(s.http.getLocalPort());
        default -> throw new IllegalArgumentException("transport is local or http, not " + transport);
      };
    }

    /** Sends {@code request}, reads the whole response, returns its status code. */
    abstract int get(byte[] request) throws Exception;

    /** Sends {@code request} and returns the whole response as text (set-up checks only). */
    abstract String exchange(byte[] request) throws Exception;

    @Override
    public abstract void close() throws IOException;
  }

  /**
   * A kept-alive {@code LocalEndPoint}. Jetty handles a blocking servlet request in the thread
   * that adds the input, so the whole response is normally in the output buffer when
   * {@code addInput} returns: it is taken as is, without {@code waitForResponse}, whose response
   * parser would cost the client more than the three extra headers cost the server and so tilt the
   * comparison. A response not complete yet (every one ends with the servlet's or the filter's
   * body and has a {@code Content-Length}) is waited for.
   */
  static final class Local extends Client {
    private final LocalConnector.LocalEndPoint endPoint;
    private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

    Local(LocalConnector connector) {
      endPoint = connector.connect();
    }

    private ByteBuffer send(byte[] request) throws Exception {
      endPoint.addInput(ByteBuffer.wrap(request));
      ByteBuffer response = endPoint.takeOutput();
      return complete(response) ? response : await(response);
    }

    /** The rare path: the response is still being written on another thread. */
    private ByteBuffer await(ByteBuffer first) throws Exception {
      pending.reset();
      append(first);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        ByteBuffer all = ByteBuffer.wrap(pending.toByteArray());
        if (complete(all)) {
          return all;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no complete response within 10 s: "
              + StandardCharsets.ISO_8859_1.decode(all));
        }
        // Takes what it waited for, like takeOutput(); null after 100 ms without output.
        ByteBuffer more = endPoint.waitForOutput(100, TimeUnit.MILLISECONDS);
        if (more != null) {
          append(more);
        }
      }
    }

    private void append(ByteBuffer b) {
      while (b.hasRemaining()) {
        pending.write(b.get());
      }
    }

    /** Whether {@code r} holds the head and the whole {@code Content-Length} body. */
    private static boolean complete(ByteBuffer r) {
      int start = r.position();
      int end = r.limit();
      for (int i = start; i + 3 < end; i++) {
        if (r.get(i) == '\r' && r.get(i + 1) == '\n' && r.get(i + 2) == '\r' && r.get(i + 3) == '\n') {
          return end - (i + 4) >= contentLength(r, start, i);
        }
      }
      return false;
    }

    private static int contentLength(ByteBuffer r, int start, int headEnd) {
      byte[] name = "\r\ncontent-length:".getBytes(StandardCharsets.US_ASCII);
      outer:
      for (int i = start; i + name.length <= headEnd; i++) {
        for (int k = 0; k < name.length; k++) {
          if (Character.toLowerCase((char) r.get(i + k)) != name[k]) {
            continue outer;
          }
        }
        int length = 0;
        for (int j = i + name.length; j < headEnd && r.get(j) != '\r'; j++) {
          byte b = r.get(j);
          if (b >= '0' && b <= '9') {
            length = length * 10 + (b - '0');
          }
        }
        return length;
      }
      return 0;
    }

    @Override
    int get(byte[] request) throws Exception {
      ByteBuffer r = send(request);
      // "HTTP/1.1 200 ": the status is bytes 9 to 11.
      int at = r.position() + 9;
      return (r.get(at) - '0') * 100 + (r.get(at + 1) - '0') * 10 + (r.get(at + 2) - '0');
    }

    @Override
    String exchange(byte[] request) throws Exception {
      return StandardCharsets.ISO_8859_1.decode(send(request)).toString();
    }

    @Override
    public void close() {
      endPoint.close();
    }
  }

  /**
   * A minimal blocking HTTP/1.1 client: enough for responses with {@code Content-Length} (the
   * servlet's and the filter's), which is all this server sends. It reads the socket into its own
   * array rather than through {@code BufferedInputStream}, whose {@code read()} takes a lock per
   * byte: a client cost that would grow with the response and tilt the comparison.
   */
  static final class Http extends Client {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] buffer = new byte[16384];
    private int position;
    private int limit;
    private final byte[] line = new byte[8192];
    private final StringBuilder text = new StringBuilder();

    Http(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = socket.getInputStream();
    }

    @Override
    int get(byte[] request) throws IOException {
      return send(request, false);
    }

    @Override
    String exchange(byte[] request) throws IOException {
      text.setLength(0);
      send(request, true);
      return text.toString();
    }

    private int send(byte[] request, boolean keepText) throws IOException {
      out.write(request);
      out.flush();
      int n = readLine(keepText);
      if (n < 12) {
        throw new IOException("bad status line");
      }
      int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
      long length = 0;
      while ((n = readLine(keepText)) > 0) {
        if (n > 15 && startsWithIgnoreCase("content-length:")) {
          length = 0;
          for (int i = 15; i < n; i++) {
            byte b = line[i];
            if (b >= '0' && b <= '9') {
              length = length * 10 + (b - '0');
            }
          }
        }
      }
      for (long i = 0; i < length; i++) {
        int b = next();
        if (keepText) {
          text.append((char) b);
        }
      }
      return status;
    }

    private boolean startsWithIgnoreCase(String prefix) {
      for (int i = 0; i < prefix.length(); i++) {
        if (Character.toLowerCase((char) line[i]) != prefix.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    /** Reads one line into {@link #line} without its CRLF; returns its length. */
    private int readLine(boolean keepText) throws IOException {
      int n = 0;
      while (true) {
        int b = next();
        if (keepText) {
          text.append((char) b);
        }
        if (b == '\n') {
          return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
        }
        line[n++] = (byte) b;
      }
    }

    private int next() throws IOException {
      if (position == limit) {
        position = 0;
        limit = in.read(buffer, 0, buffer.length);
        if (limit < 0) {
          limit = 0;
          throw new IOException("the server closed the connection mid-response");
        }
      }
      return buffer[position++] & 0xff;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static void check(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException("benchmark set-up is wrong: " + what);
    }
  }
}

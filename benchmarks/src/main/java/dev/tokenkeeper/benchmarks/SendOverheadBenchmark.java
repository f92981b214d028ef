package dev.tokenkeeper.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.tokenkeeper.BearerHttpClient;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@link BearerHttpClient} adds to a request: the same GET to a loopback resource server
 * through a plain {@code java.net.http.HttpClient} ({@code plain}) and through a
 * {@code BearerHttpClient} wrapping that very client ({@code bearer}: the token lookup, the origin
 * check, the request copy with the {@code Authorization} header, the 401 check). Target: bearer
 * costs at most 2 % more, i.e. {@code bearer / plain >= 0.98} in throughput.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class SendOverheadBenchmark {

  @Benchmark
  public int plain(Clients s) throws IOException, InterruptedException {
    return s.plain.send(s.request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Benchmark
  public int bearer(Clients s) throws IOException, InterruptedException {
    return s.bearer.send(s.request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @State(Scope.Benchmark)
  public static class Clients {
    HttpServer resource;
    ExecutorService serverThreads;
    final AtomicInteger withToken = new AtomicInteger();
    TokenServer tokens;
    TokenManager manager;
    HttpClient plain;
    BearerHttpClient bearer;
    HttpRequest request;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      resource = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      serverThreads = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "resource-server");
        t.setDaemon(true);
        return t;
      });
      resource.setExecutor(serverThreads);
      byte[] ok = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
      resource.createContext("/v1/resource", exchange -> {
        try (exchange; InputStream in = exchange.getRequestBody()) {
          in.readAllBytes();
          if (exchange.getRequestHeaders().containsKey("Authorization")) {
            withToken.incrementAndGet();
          }
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, ok.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(ok);
          }
        }
      });
      resource.start();
      URI base = URI.create("http://127.0.0.1:" + resource.getAddress().getPort());

      tokens = TokenServer.start(Duration.ZERO);
      manager = TokenManager.builder(
              TokenEndpoint.builder(tokens.tokenUri(), ClientAuthentication.basic("b", "s")).build())
          .build();
      manager.put("send", TokenResponse.builder("at-send", Instant.now())
          .expiresIn(Duration.ofDays(1))
          .build());
      plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      bearer = BearerHttpClient.builder(manager, "send")
          .delegate(plain)
          .allowedOrigins(base)
          .build();
      request = HttpRequest.newBuilder(base.resolve("/v1/resource")).GET().build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      int sent = tokens.requests();
      bearer.close();
      manager.close();
      tokens.close();
      resource.stop(0);
      serverThreads.shutdownNow();
      if (sent != 0) {
        throw new IllegalStateException("the token was requested " + sent + " times on the hot path");
      }
    }
  }
}

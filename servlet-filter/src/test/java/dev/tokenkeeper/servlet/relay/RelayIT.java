package dev.tokenkeeper.servlet.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenkeeper.servlet.login.CookieBrowser;
import dev.tokenkeeper.servlet.login.LoginApp;
import dev.tokenkeeper.servlet.login.OidcProvider;
import dev.tokenkeeper.servlet.login.TestClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The token relay on real Jetty behind LoginFilter, to an upstream API on loopback. */
class RelayIT {
  static final int MB = 1024 * 1024;

  /** One request as the upstream saw it. */
  record Seen(String method, String uri, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
      return v == null ? null : String.join(",", v);
    }
  }

  TestClock clock = new TestClock();
  OidcProvider provider;
  HttpServer upstream;
  ExecutorService executor = Executors.newCachedThreadPool();
  List<Seen> seen = new CopyOnWriteArrayList<>();
  Map<String, String> firstToken = new ConcurrentHashMap<>();
  CountDownLatch firstMegabyteArrived = new CountDownLatch(1);
  CountDownLatch clientGotFirstMegabyte = new CountDownLatch(1);
  AtomicLong uploaded = new AtomicLong();
  CountDownLatch refreshedAfterRejection = new CountDownLatch(1);
  LoginApp app;
  CookieBrowser browser = new CookieBrowser();

  @BeforeEach
  void start() throws Exception {
    provider = new OidcProvider(clock);
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.createContext("/v1/", this::upstream);
    upstream.setExecutor(executor);
    upstream.start();
    URI base = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1");
    // rejection-interval 0: every 401 refreshes, so each test sees its own refresh.
    app = relayApp(base, browser, java.time.Duration.ZERO);
  }

  /** A LoginApp with the relay on /api/*, and {@code browser} signed in to it. */
  LoginApp relayApp(URI base, CookieBrowser signedIn, java.time.Duration rejectionInterval)
      throws Exception {
    LoginApp a = new LoginApp(provider, b -> b.clock(clock)
        .listener(new dev.tokenkeeper.TokenListener() {
          @Override
          public void onToken(String key, dev.tokenkeeper.TokenResponse response,
              dev.tokenkeeper.RefreshCause cause) {
            if (cause == dev.tokenkeeper.RefreshCause.REJECTED) {
              refreshedAfterRejection.countDown();
            }
          }
        })
        .tokenManagerOptions(m -> m.rejectionInterval(rejectionInterval)),
        context -> context.addServlet(
            new ServletHolder(TokenRelayServlet.builder(base).retryBodyLimit(1024).build()),
            "/api/*"));
    HttpResponse<String> r = signedIn.follow(signedIn.follow(signedIn.get(a.uri("/oauth/login"))));
    assertEquals(303, r.statusCode());
    return a;
  }

  @AfterEach
  void stop() throws Exception {
    app.close();
    upstream.stop(0);
    executor.shutdownNow();
    provider.close();
  }

  private void upstream(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String token = String.valueOf(ex.getRequestHeaders().getFirst("Authorization"));
    if (path.equals("/v1/big-upload")) {
      long n = 0;
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = ex.getRequestBody()) {
        for (int r; (r = in.read(buf)) >= 0; ) {
          n += r;
          if (n >= MB) {
            firstMegabyteArrived.countDown();
          }
        }
      }
      uploaded.set(n);
      seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(),
          lower(ex), new byte[0]));
      reply(ex, 200, "received " + n);
      return;
    }
    byte[] body = ex.getRequestBody().readAllBytes();
    seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(), lower(ex), body));
    switch (path) {
      case "/v1/error" -> {
        ex.getResponseHeaders().set("X-Err", "1");
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        reply(ex, 500, "upstream broke");
      }
      case "/v1/once401", "/v1/always401" -> {
        String first = firstToken.putIfAbsent(path, token);
        if (path.equals("/v1/always401") || first == null) {
          reply(ex, 401, "expired");
        } else {
          reply(ex, 200, "ok " + token);
        }
      }
      case "/v1/big-download" -> {
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(new byte[MB]);
          out.flush();
          try {
            if (!clientGotFirstMegabyte.await(20, TimeUnit.SECONDS)) {
              return; // the relay held the body back: the test fails on the count
            }
          } catch (InterruptedException e) {
            return;
          }
          out.write(new byte[MB]);
        }
      }
      default -> {
        ex.getResponseHeaders().set("Set-Cookie", "upstream=1");
        ex.getResponseHeaders().set("X-Upstream", "yes");
        reply(ex, 200, ex.getRequestMethod() + " " + ex.getRequestURI() + " "
            + new String(body, StandardCharsets.UTF_8));
      }
    }
  }

  private static Map<String, List<String>> lower(HttpExchange ex) {
    Map<String, List<String>> m = new ConcurrentHashMap<>();
    ex.getRequestHeaders().forEach((k, v) -> m.put(k.toLowerCase(java.util.Locale.ROOT), v));
    return m;
  }

  private static void reply(HttpExchange ex, int status, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(app.uri(path)).header("X-Requested-With", "fetch");
  }

  @Test
  void everyMethodReachesUpstreamUnchangedExceptCredentialsAndHopByHopHeaders()
      throws Exception {
    String session = browser.sessionId();
    for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE")) {
      seen.clear();
      String body = method.equals("GET") ? "" : "{\"m\":\"" + method + "\"}";
      HttpResponse<String> r = browser.send(request("/api/items/7?q=a%20b&x=1")
          .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body))
          .header("Content-Type", "application/json")
          .header("X-Custom", "kept")
          .header("Authorization", "Bearer browser-chosen")
          .header("Cookie", "extra=1")
          .header("Keep-Alive", "timeout=5")
          .build());
      assertEquals(200, r.statusCode(), method + " " + r.body());
      assertEquals(method + " /v1/items/7?q=a%20b&x=1 " + body, r.body());
      assertEquals("yes", r.headers().firstValue("X-Upstream").orElse(null));
      assertTrue(r.headers().allValues("Set-Cookie").isEmpty(), "upstream cookies stay out");
      Seen s = seen.get(0);
      assertEquals(method, s.method());
      assertEquals(body, new String(s.body(), StandardCharsets.UTF_8));
      assertEquals("application/json", s.header("Content-Type"));
      assertEquals("kept", s.header("X-Custom"));
      assertEquals("fetch", s.header("X-Requested-With"));
      assertTrue(s.header("Authorization").startsWith("Bearer at-alice-"), s.header("Authorization"));
      assertEquals(null, s.header("Cookie"));
      assertEquals(null, s.header("Keep-Alive"));
    }
    assertEquals(session, browser.sessionId(), "the relay never changes the session id");
  }

  @Test
  void headersTheConnectionHeaderNamesAndTeStayOnTheBrowsersHop() throws Exception {
    // java.net.http will not send Connection or TE, so this request is written by hand.
    String request = "GET /api/items?a=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Cookie: JSESSIONID=" + browser.sessionId() + "\r\n"
        + "X-Requested-With: raw\r\nConnection: close, X-Hop\r\nX-Hop: for-the-relay-only\r\n"
        + "TE: trailers\r\nProxy-Authorization: Basic eDp5\r\nX-End: kept\r\n\r\n";
    String answer;
    try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(),
        app.base.getPort())) {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    Seen s = seen.get(0);
    assertEquals("kept", s.header("X-End"));
    assertEquals(null, s.header("X-Hop"));
    assertEquals(null, s.header("TE"));
    assertEquals(null, s.header("Proxy-Authorization"));
    assertEquals(null, s.header("Cookie"));
    assertTrue(s.header("Authorization").startsWith("Bearer at-alice-"));
  }

  @Test
  void upstreamErrorsPassThroughUnchanged() throws Exception {
    HttpResponse<String> r = browser.send(request("/api/error").GET().build());
    assertEquals(500, r.statusCode());
    assertEquals("upstream broke", r.body());
    assertEquals("1", r.headers().firstValue("X-Err").orElse(null));
    assertEquals("text/plain", r.headers().firstValue("Content-Type").orElse(null));
  }

  @Test
  void aRequestWithoutTheAntiCsrfHeaderIsRefused() throws Exception {
    HttpResponse<String> r = browser.post(app.uri("/api/items"), Map.of("a", "1"));
    assertEquals(403, r.statusCode());
    assertTrue(r.body().contains("csrf_header_required"), r.body());
    assertTrue(seen.isEmpty());
  }

  @Test
  void pathsLeavingTheBaseAreRefused() throws Exception {
    for (String path : List.of("/api/x/../../v1/items", "/api/%2e%2e/admin", "/api/a/%2E%2E/b",
        "/api/a%2fb", "/api/a%5cb", "/api/a\\..\\b", "/api//evil", "/api/a;x=1/b",
        "/api/.%2e/x", "/api/%252e%252e/x")) {
      HttpResponse<String> r;
      try {
        r = browser.send(HttpRequest.newBuilder(URI.create(app.uri("") + path))
            .header("X-Requested-With", "fetch").GET().build());
      } catch (IllegalArgumentException badUri) {
        continue; // the client itself refuses to send it
      }
      assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, path + " " + r.statusCode());
    }
    assertTrue(seen.isEmpty(), seen.toString());
  }

  @Test
  void a401IsRetriedOnceWithARefreshedToken() throws Exception {
    HttpResponse<String> r = browser.send(request("/api/once401")
        .POST(HttpRequest.BodyPublishers.ofString("small body")).build());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(2, seen.size());
    assertNotEquals(seen.get(0).header("Authorization"), seen.get(1).header("Authorization"));
    assertEquals("small body", new String(seen.get(1).body(), StandardCharsets.UTF_8));
    assertTrue(provider.tokenRequests.stream().anyMatch(f -> "refresh_token".equals(
        f.get("grant_type"))));

    seen.clear();
    HttpResponse<String> always = browser.send(request("/api/always401").GET().build());
    assertEquals(401, always.statusCode(), "retried once, then passed through");
    assertEquals(2, seen.size());

    seen.clear();
    firstToken.clear();
    HttpResponse<String> large = browser.send(request("/api/once401")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4096])).build());
    assertEquals(401, large.statusCode(), "a body above the retry limit is not kept");
    assertEquals(1, seen.size());
  }

  @Test
  void withinTheRejectionIntervalA401GoesBackAsItCameWithoutASecondCallUpstream()
      throws Exception {
    URI base = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1");
    CookieBrowser user = new CookieBrowser();
    try (LoginApp storm = relayApp(base, user, java.time.Duration.ofHours(1))) {
      java.util.function.Function<String, HttpRequest.Builder> call = path ->
          HttpRequest.newBuilder(storm.uri(path)).header("X-Requested-With", "fetch");
      HttpResponse<String> first = user.send(call.apply("/api/always401")
          .POST(HttpRequest.BodyPublishers.ofString("small body")).build());
      assertEquals(401, first.statusCode());
      assertEquals(2, seen.size(), "the first 401 refreshes and retries once");
      assertNotEquals(seen.get(0).header("Authorization"), seen.get(1).header("Authorization"));
      long refreshes = refreshes();

      for (int i = 0; i < 5; i++) {
        HttpResponse<String> again = user.send(call.apply("/api/always401")
            .POST(HttpRequest.BodyPublishers.ofString("small body")).build());
        assertEquals(401, again.statusCode());
        assertEquals("expired", again.body(), "upstream's own 401, body included");
      }
      assertEquals(7, seen.size(), "one upstream call each: the rejected token is not sent twice");
      assertEquals(refreshes, refreshes(), "no refresh within the interval");
    }
  }

  @Test
  void a401ToAStreamedBodyIsPassedBackAndItsTokenReportedForTheNextRequest() throws Exception {
    HttpResponse<String> large = browser.send(request("/api/always401")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4096])).build());
    assertEquals(401, large.statusCode(), "a body above the retry limit is not kept");
    assertEquals(1, seen.size());
    String rejected = seen.get(0).header("Authorization");
    // The report's refresh runs in the background.
    assertTrue(refreshedAfterRejection.await(10, TimeUnit.SECONDS),
        "the rejected token was never reported");
    HttpResponse<String> next = browser.send(request("/api/next").GET().build());
    assertEquals(200, next.statusCode());
    assertNotEquals(rejected, seen.get(1).header("Authorization"));
  }

  private long refreshes() {
    return provider.tokenRequests.stream()
        .filter(f -> "refresh_token".equals(f.get("grant_type"))).count();
  }

  @Test
  void aLargeUploadIsStreamedNotBufferedWhole() throws Exception {
    PipedOutputStream writer = new PipedOutputStream();
    PipedInputStream reader = new PipedInputStream(writer, 64 * 1024);
    CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> {
      try (writer) {
        writer.write(new byte[2 * MB + 1]);
        // The rest is written only once upstream has a megabyte: a relay that read the
        // whole body before calling upstream would wait here forever. (The stages between
        // may each hold back a buffer's worth, hence two megabytes before the wait.)
        boolean streamed = firstMegabyteArrived.await(20, TimeUnit.SECONDS);
        writer.write(new byte[2 * MB]);
        return streamed;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, executor);
    HttpResponse<String> r = browser.send(request("/api/big-upload")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> reader)).build());
    assertTrue(sent.get(30, TimeUnit.SECONDS), "upstream got data before the upload ended");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("received " + (4 * MB + 1), r.body());
  }

  @Test
  void aLargeDownloadIsStreamedNotBufferedWhole() throws Exception {
    HttpResponse<InputStream> r;
    try {
      r = java.net.http.HttpClient.newBuilder().cookieHandler(browser.cookies).build()
          .send(request("/api/big-download").GET().build(),
              HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      throw new IOException(e);
    }
    try (InputStream in = r.body()) {
      long n = in.readNBytes(MB).length;
      assertEquals(MB, n, "the first megabyte arrives while upstream still holds the rest");
      clientGotFirstMegabyte.countDown();
      n += in.readAllBytes().length;
      assertEquals(2L * MB, n);
    }
    assertFalse(r.headers().firstValue("Transfer-Encoding").isEmpty()
        && r.headers().firstValue("Content-Length").isPresent());
  }

  @Test
  void withoutSignInTheRelayAnswers401Json() throws Exception {
    CookieBrowser stranger = new CookieBrowser();
    HttpResponse<String> r = stranger.send(HttpRequest.newBuilder(app.uri("/api/items"))
        .header("X-Requested-With", "fetch").GET().build());
    assertEquals(401, r.statusCode());
    assertTrue(r.body().contains("login_required"), r.body());
    assertTrue(seen.isEmpty());
  }
}

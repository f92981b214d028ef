package dev.tokenkeeper.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.RetryPolicy;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One scripted sequence against a loopback token endpoint — acquire, refresh ahead of expiry
 * (with the request held in flight), a 401, failures, a provider session ending and ending —
 * checking every meter after each step on a {@link SimpleMeterRegistry}.
 */
class TokenManagerMetricsTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final TestClock clock = new TestClock(T0);
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void close() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void everyMeterFollowsAScriptedSequence() throws Exception {
    AtomicInteger issued = new AtomicInteger();
    List<String> grants = new CopyOnWriteArrayList<>();
    Script script = new Script();
    script.answer = form -> {
      grants.add(form.get("grant_type"));
      int n = issued.incrementAndGet();
      return new Answer(200, "{\"access_token\":\"at-" + n + "\",\"token_type\":\"bearer\","
          + "\"expires_in\":3600,\"refresh_token\":\"rt-" + n + "\"}");
    };
    Loopback provider = Loopback.start(script);
    toClose.add(provider);

    TokenManagerMetrics serviceMetrics = TokenManagerMetrics.builder()
        .tags("manager", "service").clock(clock).build();
    TokenManager service = manager(provider, serviceMetrics, Grant.clientCredentials());
    serviceMetrics.monitor(service).bindTo(registry);

    // Before anything: the fixed meters exist and read zero; the expiry gauge has no token.
    assertEquals(0, count("tokenkeeper.token.rejections", "service"));
    assertEquals(0, gauge("tokenkeeper.keys", "service"));
    assertTrue(Double.isNaN(gauge("tokenkeeper.token.expiry.min", "service")));
    assertTrue(Double.isNaN(gauge("tokenkeeper.budget.used", "service")), "no budget");

    // 1. Acquire.
    clock.stepOnRead = Duration.ofMillis(40); // each clock read moves 40 ms: a measurable latency
    assertEquals("at-1", service.token("svc").value());
    clock.stepOnRead = Duration.ZERO;
    assertEquals(1, timer("service", "client_credentials", "initial", "success").count());
    assertTrue(timer("service", "client_credentials", "initial", "success")
        .totalTime(TimeUnit.MILLISECONDS) >= 40, "latency on the manager's clock");
    assertEquals(1, gauge("tokenkeeper.keys", "service"));
    assertEquals(0, gauge("tokenkeeper.token.requests.active", "service"));
    assertEquals(3600, gauge("tokenkeeper.token.expiry.min", "service"), 1.0);

    // 2. Refresh ahead of expiry, held in flight: the caller is served at once, one active.
    clock.advance(Duration.ofSeconds(3600 - 200));
    assertEquals(200, gauge("tokenkeeper.token.expiry.min", "service"), 1.0);
    CountDownLatch release = new CountDownLatch(1);
    script.gate = release;
    assertEquals("at-1", service.token("svc").value(), "the current token, not a wait");
    await("the refresh to be in flight", () -> script.waiting.get() == 1);
    assertEquals(1, gauge("tokenkeeper.token.requests.active", "service"));
    script.gate = null;
    release.countDown();
    await("the refresh to complete",
        () -> timerCount("service", "refresh_token", "ahead_of_expiry", "success") == 1);
    await("the new token", () -> service.token("svc").value().equals("at-2"));
    assertEquals(0, gauge("tokenkeeper.token.requests.active", "service"));
    assertEquals(3600, gauge("tokenkeeper.token.expiry.min", "service"), 1.0);

    // 3. A 401: counted, and one refresh with cause "rejected".
    AccessToken rejected = service.token("svc");
    // A safety net on a real loopback round trip, not a measured time: as generous as await's.
    assertEquals("at-3", service.rejected("svc", rejected).get(30, TimeUnit.SECONDS).value());
    assertEquals(1, count("tokenkeeper.token.rejections", "service"));
    assertEquals(1, timer("service", "refresh_token", "rejected", "success").count());

    // 4. Failures: a background refresh that meets a 503 (the token stays in service) ...
    script.answer = form -> {
      grants.add(form.get("grant_type"));
      return new Answer(503, "{\"error\":\"temporarily_unavailable\"}");
    };
    clock.advance(Duration.ofSeconds(3600 - 100));
    assertEquals("at-3", service.token("svc").value());
    await("the failed refresh", () -> failures("service", "transient", "true") == 1);
    assertEquals(1, timer("service", "refresh_token", "ahead_of_expiry", "transient").count());
    assertEquals(1, gauge("tokenkeeper.keys", "service"));
    // ... and a refused acquisition that callers see.
    script.answer = form -> new Answer(401, "{\"error\":\"invalid_client\"}");
    service.invalidate("svc");
    assertThrows(TokenEndpointException.class, () -> service.token("svc"));
    assertEquals(1, failures("service", "invalid_client", "false"));
    assertEquals(1, timer("service", "client_credentials", "initial", "invalid_client").count());
    // The key stays held while it cools down (its callers fail fast), but holds no valid token.
    assertEquals(1, gauge("tokenkeeper.keys", "service"));
    assertTrue(Double.isNaN(gauge("tokenkeeper.token.expiry.min", "service")));

    // 5. A user's provider session, on a second manager with its own tag: ending, then ended.
    TokenManagerMetrics userMetrics = TokenManagerMetrics.builder()
        .tags("manager", "users").clock(clock).build();
    TokenManager users = manager(provider, userMetrics, null);
    userMetrics.monitor(users).bindTo(registry);
    users.put("alice@example.com", TokenResponse.builder("user-at", clock.instant())
        .expiresIn(Duration.ofHours(1))
        .sessionExpiresIn(Duration.ofMinutes(30))
        .build());
    assertEquals(1, gauge("tokenkeeper.keys", "users"));
    assertEquals(0, count("tokenkeeper.session.ending", "users"));
    clock.advance(Duration.ofMinutes(29));
    assertEquals("user-at", users.token("alice@example.com").value());
    assertEquals(1, count("tokenkeeper.session.ending", "users"));
    assertEquals(0, count("tokenkeeper.session.ended", "users"));
    clock.advance(Duration.ofMinutes(2));
    assertThrows(ReauthenticationRequiredException.class,
        () -> users.token("alice@example.com"));
    assertEquals(1, count("tokenkeeper.session.ended", "users"));
    assertEquals(0, gauge("tokenkeeper.keys", "users"));

    // The managers' meters stay apart, and no meter carries a key.
    assertEquals(0, count("tokenkeeper.session.ending", "service"));
    assertEquals(List.of("client_credentials", "refresh_token", "refresh_token", "refresh_token"),
        grants);
    for (Meter meter : registry.getMeters()) {
      meter.getId().getTags().forEach(tag -> {
        assertTrue(!tag.getValue().contains("svc") && !tag.getValue().contains("alice"),
            meter.getId() + " carries a key");
      });
    }
    assertEquals(Map.of(
            "client_credentials/initial/success", 1L,
            "refresh_token/ahead_of_expiry/success", 1L,
            "refresh_token/rejected/success", 1L,
            "refresh_token/ahead_of_expiry/transient", 1L,
            "client_credentials/initial/invalid_client", 1L),
        timers("service"), "every token request, once, by grant, cause and outcome");
  }

  @Test
  void aKeyGroupIsTheOnlyTagDerivedFromKeysAndTwoRegistriesBothCount() throws Exception {
    Script script = new Script();
    script.answer = form -> new Answer(200,
        "{\"access_token\":\"at\",\"token_type\":\"bearer\",\"expires_in\":3600}");
    Loopback provider = Loopback.start(script);
    toClose.add(provider);
    TokenManagerMetrics metrics = TokenManagerMetrics.builder()
        .keyGroup(key -> key.substring(0, key.indexOf('/')))
        .build();
    TokenManager manager = manager(provider, metrics, Grant.clientCredentials());
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    metrics.monitor(manager).bindTo(registry);
    metrics.bindTo(registry); // twice to one registry: still counted once
    metrics.bindTo(second);

    manager.token("tenant-a/alice");
    manager.token("tenant-a/bob");
    manager.token("tenant-b/carol");

    for (SimpleMeterRegistry r : List.of(registry, second)) {
      assertEquals(2, r.get("tokenkeeper.token.requests").tag("key_group", "tenant-a").timer()
          .count());
      assertEquals(1, r.get("tokenkeeper.token.requests").tag("key_group", "tenant-b").timer()
          .count());
      assertEquals(3, r.get("tokenkeeper.keys").gauge().value());
      assertEquals(0, r.get("tokenkeeper.token.rejections").tag("key_group", "none").counter()
          .count());
    }
    assertNull(registry.find("tokenkeeper.token.requests").tag("key_group", "tenant-a/alice")
        .timer());
  }

  @Test
  void theBudgetsDeferralsRefusalsAndWindowShowAsMeters() throws Exception {
    Script script = new Script();
    script.answer = form -> new Answer(200,
        "{\"access_token\":\"at\",\"token_type\":\"bearer\",\"expires_in\":3600}");
    Loopback provider = Loopback.start(script);
    toClose.add(provider);
    TokenManagerMetrics metrics = TokenManagerMetrics.builder().tags("manager", "budgeted")
        .clock(clock).build();
    TokenEndpoint endpoint = TokenEndpoint.builder(provider.uri("/token"),
            ClientAuthentication.basic("client-1", "s3cret"))
        .clock(clock)
        .budget(TokenBudget.of(1, Duration.ofSeconds(60)).withMaxWait(Duration.ZERO))
        .build();
    toClose.add(endpoint);
    TokenManager manager = TokenManager.builder(endpoint).clock(clock)
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        .retryPolicy(RetryPolicy.none()).primaryGrant(Grant.clientCredentials())
        .listener(metrics).build();
    toClose.add(manager);
    metrics.monitor(manager).bindTo(registry);
    assertEquals(0, gauge("tokenkeeper.budget.used", "budgeted"));
    assertEquals(1, gauge("tokenkeeper.budget.limit", "budgeted"));

    manager.token("a");
    assertEquals(1, gauge("tokenkeeper.budget.used", "budgeted"));
    assertThrows(TokenBudgetExceededException.class, () -> manager.token("b"));

    assertEquals(1, registry.get("tokenkeeper.budget.refused").tag("manager", "budgeted")
        .tag("reason", "waited_too_long").counter().count());
    assertEquals(1, failures("budgeted", "budget_exceeded", "false"));
    assertEquals(0, gauge("tokenkeeper.budget.queued", "budgeted"));
    assertEquals(0, gauge("tokenkeeper.budget.paused", "budgeted"));
    assertEquals(1, timer("budgeted", "client_credentials", "initial", "success").count(),
        "only the request the budget let through was sent and timed");
  }

  // ---- helpers ---------------------------------------------------------------------------

  private TokenManager manager(Loopback provider, TokenManagerMetrics metrics, Grant grant) {
    TokenEndpoint endpoint = TokenEndpoint.builder(provider.uri("/token"),
            ClientAuthentication.basic("client-1", "s3cret"))
        .clock(clock)
        .httpClient(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1).build())
        .build();
    TokenManager.Builder b = TokenManager.builder(endpoint)
        .clock(clock)
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        .retryPolicy(RetryPolicy.none())
        .listener(metrics);
    if (grant != null) {
      b.primaryGrant(grant);
    }
    TokenManager manager = b.build();
    toClose.add(endpoint);
    toClose.add(manager);
    return manager;
  }

  private double count(String name, String manager) {
    return registry.get(name).tag("manager", manager).counter().count();
  }

  private double gauge(String name, String manager) {
    return registry.get(name).tag("manager", manager).gauge().value();
  }

  private double failures(String manager, String kind, String serving) {
    var counter = registry.find("tokenkeeper.token.failures").tag("manager", manager)
        .tag("kind", kind).tag("serving", serving).counter();
    return counter == null ? 0 : counter.count();
  }

  private Timer timer(String manager, String grant, String cause, String outcome) {
    return registry.get("tokenkeeper.token.requests").tag("manager", manager)
        .tag("grant", grant).tag("cause", cause).tag("outcome", outcome).timer();
  }

  private long timerCount(String manager, String grant, String cause, String outcome) {
    Timer t = registry.find("tokenkeeper.token.requests").tag("manager", manager)
        .tag("grant", grant).tag("cause", cause).tag("outcome", outcome).timer();
    return t == null ? 0 : t.count();
  }

  private Map<String, Long> timers(String manager) {
    Map<String, Long> all = new TreeMap<>();
    for (Timer t : registry.find("tokenkeeper.token.requests").tag("manager", manager).timers()) {
      all.put(t.getId().getTag("grant") + "/" + t.getId().getTag("cause") + "/"
          + t.getId().getTag("outcome"), t.count());
    }
    return all;
  }

  /** Polls in real time for work on other threads; never used to let time pass. */
  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(2);
    }
  }

  /** A clock moved by hand, that can also move a step on every read (to give a latency). */
  static final class TestClock extends Clock {
    private volatile Instant now;
    volatile Duration stepOnRead = Duration.ZERO;

    TestClock(Instant start) {
      this.now = start;
    }

    synchronized void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public synchronized Instant instant() {
      Instant current = now;
      now = now.plus(stepOnRead);
      return current;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  record Answer(int status, String json) {}

  /** What the loopback token endpoint answers; the gate holds answers back while set. */
  static final class Script {
    volatile Function<Map<String, String>, Answer> answer;
    volatile CountDownLatch gate;
    final AtomicInteger waiting = new AtomicInteger();
  }

  /** A JDK HttpServer on a free loopback port playing the token endpoint. */
  static final class Loopback implements AutoCloseable {
    private final HttpServer server;

    private Loopback(HttpServer server) {
      this.server = server;
    }

    static Loopback start(Script script) throws IOException {
      HttpServer server = HttpServer.create(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
      server.createContext("/token", exchange -> {
        Map<String, String> form = new HashMap<>();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        for (String pair : body.split("&")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
        CountDownLatch gate = script.gate;
        if (gate != null) {
          script.waiting.incrementAndGet();
          try {
            gate.await(15, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            script.waiting.decrementAndGet();
          }
        }
        Answer a = script.answer.apply(form);
        byte[] bytes = a.json().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(a.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      });
      server.start();
      return new Loopback(server);
    }

    URI uri(String path) {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Override
    public void close() {
      server.stop(0);
      ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
  }
}

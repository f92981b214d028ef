package dev.tokenkeeper.example.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BudgetStatus;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.example.ExampleOptions;
import dev.tokenkeeper.testing.DelegatingHttpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The demonstration, on one hand-moved clock: the demo provider started as
 * {@code --provider-rate-limit 5/60s} (429 with {@code Retry-After} past it) on Jetty, and the
 * example's token manager as {@code --token-budget 5/60s} configures it (the filter turns that
 * into the endpoint's {@link TokenBudget}, as here), with 20 endpoint ids asking for tokens the
 * way the status page's traffic does, every 5 seconds each, for 10 minutes of simulated time.
 * The provider must answer no 429.
 */
class RateLimitedDemoIT {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
  private final List<Task> tasks = new ArrayList<>();
  private Server server;
  private CountingHttpClient http;
  private TokenEndpoint endpoint;
  private TokenManager manager;

  private record Task(long due, Runnable run) {}

  @AfterEach
  void stop() throws Exception {
    if (manager != null) {
      manager.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void theBudgetKeepsTwentyEndpointIdsUnderTheProvidersLimitForTenMinutes() throws Exception {
    // No idle timeout at the provider: these callers only ask for tokens, they never call the
    // API that would count as the session's use.
    ExampleOptions options = ExampleOptions.parse(new String[] {
        "--provider-rate-limit", "5/60s", "--token-budget", "5/60s", "--idle-timeout", "0"},
        name -> null);
    DemoProvider provider = new DemoProvider(options.demo(), clock);
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(DemoProviderContext.create("/demo", provider));
    server.start();
    URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    http = new CountingHttpClient(HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER).build());
    endpoint = TokenEndpoint.builder(base.resolve("/demo/oauth/token"),
            ClientAuthentication.basic(DemoProvider.CLIENT_ID, DemoProvider.CLIENT_SECRET))
        .dialect(dev.tokenkeeper.Dialect.ringCentral()) // ids as endpoint_id, as the app sends them
        .budget(TokenBudget.parse(options.tokenBudget()))
        .clock(clock)
        .httpClient(http)
        .build();
    manager = TokenManager.builder(endpoint)
        .primaryGrant(Grant.password(DemoProvider.USERNAME, DemoProvider.PASSWORD))
        .clock(clock)
        .ticker(clock)
        .executor(Runnable::run)
        .scheduler((task, delay) -> {
          synchronized (tasks) {
            tasks.add(new Task(clock.read() + delay.toNanos(), task));
          }
        })
        .build();

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add("device-" + i);
    }
    Map<String, CompletableFuture<AccessToken>> pending = new HashMap<>();
    List<String> otherFailures = new ArrayList<>();
    long end = Duration.ofMinutes(10).toNanos();
    for (long step = 0; clock.read() < end; step++) {
      settle(provider);
      collect(pending, otherFailures);
      if (step % 50 == 0) { // every 5 s, each id asks for its token, as the status page's traffic
        for (String id : ids) {
          pending.computeIfAbsent(id, manager::tokenAsync);
        }
      }
      clock.advance(Duration.ofMillis(100));
      runDue();
    }
    settle(provider);
    collect(pending, otherFailures);

    Map<String, Object> stats = provider.stats();
    assertEquals(0L, stats.get("rate_limited"), "the provider answered 429: " + stats);
    assertTrue((Long) stats.get("most_in_one_window") <= 5, stats.toString());
    long requests = ((Number) stats.get("token_requests_total")).longValue();
    System.out.println("rate-limited demo: " + requests + " token requests in 10 simulated"
        + " minutes, at most " + stats.get("most_in_one_window") + " in one window, served "
        + served + ", refused " + refused);
    // 10 windows of 60.6 s fit in 10 minutes: the budget was used, not just obeyed.
    assertTrue(requests >= 45 && requests <= 50, "token requests: " + requests);
    assertEquals(List.of(), otherFailures);
    assertTrue(served > 0 && refused > 0, "served " + served + ", refused " + refused);
    BudgetStatus budget = manager.budgetStatus().orElseThrow();
    assertEquals(requests, budget.sent());
    assertEquals(refused, budget.refused());
  }

  private int served;
  private int refused;

  /** Counts the calls that are over, and forgets them. */
  private void collect(Map<String, CompletableFuture<AccessToken>> pending,
      List<String> otherFailures) {
    for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, CompletableFuture<AccessToken>> e = it.next();
      CompletableFuture<AccessToken> f = e.getValue();
      if (!f.isDone()) {
        continue;
      }
      it.remove();
      try {
        f.join();
        served++;
      } catch (CompletionException ex) {
        if (ex.getCause() instanceof TokenBudgetExceededException) {
          refused++;
        } else {
          otherFailures.add(e.getKey() + ": " + ex.getCause());
        }
      }
    }
  }

  /**
   * Waits (real time) until every request the budget let out has reached the provider, so that
   * the provider counts it at the simulated moment it was sent, and until its answer has been
   * handled by the manager, so that the budget's slot (held for one window after the answer, on
   * the manager's ticker) and the token's arrival are timed at the simulated moment it was
   * answered. Without the second wait the loop below moves the clock on by 100 ms per step,
   * thousands of steps a second, while an answer crosses the loopback and is parsed: each slot
   * then frees seconds of simulated time late, and how many requests fit in 10 minutes depends on
   * the machine's speed and load (39 to 44 instead of 45 to 50 where answers take longer).
   */
  private void settle(DemoProvider provider) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    for (;;) {
      long sent = manager.budgetStatus().orElseThrow().sent();
      long arrived = ((Number) provider.stats().get("token_requests_total")).longValue();
      if (arrived >= sent && http.handled() >= http.sent()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("requests did not arrive or were not answered: "
            + provider.stats() + " " + manager.stats() + " http sent " + http.sent()
            + ", handled " + http.handled());
      }
      Thread.sleep(1);
    }
  }

  /**
   * The JDK's client, counting the exchanges it started and those whose answer (or failure) has
   * been handed to the {@link TokenEndpoint} and everything that runs on it synchronously: the
   * budget's record of the answer, the token's arrival and the callers' completion (the manager
   * runs on {@code Runnable::run}).
   */
  private static final class CountingHttpClient extends DelegatingHttpClient {
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();

    CountingHttpClient(HttpClient delegate) {
      super(delegate);
    }

    long sent() {
      return sent.get();
    }

    long handled() {
      return handled.get();
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
        HttpResponse.BodyHandler<T> handler) {
      sent.incrementAndGet();
      CompletableFuture<HttpResponse<T>> seen = new CompletableFuture<>();
      delegate.sendAsync(request, handler).whenComplete((response, failure) -> {
        try {
          if (failure != null) {
            seen.completeExceptionally(failure);
          } else {
            seen.complete(response); // runs the endpoint's and the manager's handling
          }
        } finally {
          handled.incrementAndGet();
        }
      });
      return seen;
    }
  }

  private void runDue() {
    for (;;) {
      Task next;
      synchronized (tasks) {
        next = tasks.stream().filter(t -> t.due <= clock.read())
            .min(Comparator.comparingLong(Task::due)).orElse(null);
        if (next == null) {
          return;
        }
        tasks.remove(next);
      }
      next.run.run();
    }
  }
}

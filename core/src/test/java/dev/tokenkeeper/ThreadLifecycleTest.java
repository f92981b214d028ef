package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.await;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The threads TokenKeeper starts: named {@code tokenkeeper-*}, never carrying the context class
 * loader of the thread that happened to start them (a web application's), and gone after
 * {@code close()}. Waits are bounded polls on thread state, never sleeps for logic.
 */
class ThreadLifecycleTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();

  /** Threads of ours left by earlier tests in this JVM (they end after a minute idle). */
  private Set<Thread> before;
  private ClassLoader callerLoader;
  private URLClassLoader webApp;

  @BeforeEach
  void pretendToBeAWebApp() {
    before = ours();
    callerLoader = Thread.currentThread().getContextClassLoader();
    webApp = new URLClassLoader("web-app", new URL[0], callerLoader);
    Thread.currentThread().setContextClassLoader(webApp);
  }

  @AfterEach
  void restore() throws Exception {
    Thread.currentThread().setContextClassLoader(callerLoader);
    webApp.close();
  }

  private static Set<Thread> ours() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("tokenkeeper-"))
        .collect(Collectors.toSet());
  }

  private Set<Thread> oursSinceTheTestStarted() {
    Set<Thread> now = ours();
    now.removeAll(before);
    return now;
  }

  private Set<String> roles(Set<Thread> threads) {
    return threads.stream().map(t -> t.getName().replaceAll("-\\d+$", ""))
        .collect(Collectors.toSet());
  }

  private static TokenEndpoint.Builder endpointBuilder(ScriptedServer server) {
    return TokenEndpoint.builder(server.uri("/token"),
        ClientAuthentication.basic("client-1", "s3cret-client"));
  }

  @Test
  void afterCloseNoThreadOfOursRemainsAndNoneHadTheCallersContextClassLoader() throws Exception {
    ScriptedServer server = fx.serve(r -> r.path().equals("/token")
        ? ok("at-1", 3600, null, "\"session_idle_timeout\":900")
        : Answer.text(200, "api says hi"));
    TokenEndpoint endpoint = endpointBuilder(server).build(); // its own HttpClient
    TokenManager manager = TokenManager.builder(endpoint)
        .primaryGrant(Grant.clientCredentials())
        .build();
    BearerHttpClient api = BearerHttpClient.builder(manager, "device-1")
        .allowedOrigins(URI.create(server.origin()))
        .build(); // its own delegate

    assertEquals("at-1", manager.token("device-1").value()); // arms the session timer
    HttpResponse<String> response = api.send(HttpRequest.newBuilder(server.uri("/api")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());

    Set<Thread> started = oursSinceTheTestStarted();
    assertTrue(roles(started).containsAll(
            List.of("tokenkeeper-scheduler", "tokenkeeper-timeout", "tokenkeeper-http")),
        "started: " + started);
    for (Thread t : started) {
      assertNotSame(webApp, t.getContextClassLoader(), t.getName());
      assertSame(ClassLoader.getSystemClassLoader(), t.getContextClassLoader(), t.getName());
      assertTrue(t.isDaemon(), t.getName());
    }

    api.close();
    manager.close();
    endpoint.close();

    await("no tokenkeeper-* thread of this test is alive",
        () -> oursSinceTheTestStarted().isEmpty());
    assertTrue(started.stream().noneMatch(Thread::isAlive));
  }

  @Test
  void closeFailsACallerWaitingForARetryAtOnceAndSendsNothingMore() throws Exception {
    ScriptedServer server = fx.serve(r -> Answer.error(503, "temporarily_unavailable")
        .withHeader("Retry-After", "600"));
    try (TokenEndpoint endpoint = endpointBuilder(server).build()) {
      TokenManager manager = TokenManager.builder(endpoint)
          .primaryGrant(Grant.clientCredentials())
          .retryPolicy(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1),
              Duration.ofHours(1)))
          .build();
      CompletableFuture<AccessToken> token = manager.tokenAsync("device-1");
      // The retry is scheduled after the 503 is handled: that starts the scheduler thread.
      await("the retry is scheduled", () -> roles(oursSinceTheTestStarted())
          .contains("tokenkeeper-scheduler"));

      manager.close();

      ExecutionException e = assertThrows(ExecutionException.class,
          () -> token.get(10, TimeUnit.SECONDS));
      IllegalStateException closed = assertInstanceOf(IllegalStateException.class, e.getCause());
      assertEquals("this TokenManager was closed while the token request for key 'device-1'"
          + " waited to be retried; build a new one", closed.getMessage());
      assertEquals(1, server.count(), "no retry was sent");
      await("the scheduler thread ended", () -> !roles(oursSinceTheTestStarted())
          .contains("tokenkeeper-scheduler"));
    }
  }

  @Test
  void closingTheEndpointFailsTheRequestInFlightAndRefusesLaterOnes() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    ScriptedServer server = fx.serve(r -> {
      answer.await(30, TimeUnit.SECONDS);
      return ok("at-1", 3600, null);
    });
    try {
      TokenEndpoint endpoint = endpointBuilder(server).build();
      CompletableFuture<TokenResponse> inFlight =
          endpoint.requestAsync(TokenRequest.of(Grant.clientCredentials()));
      await("the request reached the server", () -> server.count() == 1);

      endpoint.close();

      ExecutionException e = assertThrows(ExecutionException.class,
          () -> inFlight.get(10, TimeUnit.SECONDS));
      IllegalStateException closed = assertInstanceOf(IllegalStateException.class, e.getCause());
      assertEquals("the TokenEndpoint was closed while a request to the token endpoint was in"
          + " flight", closed.getMessage());
      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> endpoint.requestAsync(TokenRequest.of(Grant.clientCredentials())));
      assertEquals("this TokenEndpoint is closed; build a new one", refused.getMessage());
      endpoint.close(); // idempotent
      await("the endpoint's threads ended", () -> oursSinceTheTestStarted().isEmpty());
    } finally {
      answer.countDown();
    }
  }

  @Test
  void closeLeavesAGivenHttpClientAndSchedulerAlone() throws Exception {
    ScriptedServer server = fx.serve(r -> r.path().equals("/token")
        ? ok("at-1", 3600, null) : Answer.text(200, "api says hi"));
    TokenEndpoint endpoint = endpointBuilder(server).httpClient(TokenManagerFixture.HTTP).build();
    TokenManager manager = TokenManager.builder(endpoint)
        .primaryGrant(Grant.clientCredentials())
        .scheduler(fx.scheduler())
        .build();
    BearerHttpClient api = BearerHttpClient.builder(manager, "device-1")
        .allowedOrigins(URI.create(server.origin()))
        .delegate(TokenManagerFixture.HTTP)
        .build();
    assertEquals(200, api.send(HttpRequest.newBuilder(server.uri("/api")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());

    api.close();
    manager.close();
    endpoint.close();

    HttpResponse<String> after = TokenManagerFixture.HTTP.send(
        HttpRequest.newBuilder(server.uri("/api")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, after.statusCode(), "the given client still works");
    assertTrue(roles(oursSinceTheTestStarted()).stream()
        .noneMatch(r -> r.equals("tokenkeeper-http") || r.equals("tokenkeeper-scheduler")));
  }
}

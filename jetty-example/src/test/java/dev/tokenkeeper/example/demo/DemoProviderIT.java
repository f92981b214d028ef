package dev.tokenkeeper.example.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerHttpClient;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.RetryPolicy;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The demo provider on loopback, driven by the real library (TokenEndpoint, TokenManager,
 * BearerHttpClient) on one mutable clock: proves the two speak the same dialect, and shows each
 * lifecycle the status page is meant to display without waiting for it.
 */
class DemoProviderIT {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
  private final List<String> events = new CopyOnWriteArrayList<>();
  private Server server;
  private DemoProvider provider;
  private TokenManager manager;
  private URI base;

  private void start(DemoSettings settings, Grant grant) throws Exception {
    provider = new DemoProvider(settings, clock);
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(DemoProviderContext.create("/demo", provider));
    server.start();
    base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    TokenEndpoint endpoint = TokenEndpoint.builder(base.resolve("/demo/oauth/token"),
            ClientAuthentication.basic(DemoProvider.CLIENT_ID, DemoProvider.CLIENT_SECRET))
        .dialect(dev.tokenkeeper.Dialect.ringCentral())
        .budget(null)
        .clock(clock)
        .build();
    manager = TokenManager.builder(endpoint)
        .primaryGrant(grant)
        .clock(clock)
        .ticker(clock)
        .executor(Runnable::run)
        .retryPolicy(RetryPolicy.none())
        .listener(new TokenListener() {
          @Override
          public void onToken(String key, TokenResponse response, RefreshCause cause) {
            events.add(key + ":" + cause);
          }

          @Override
          public void onFailure(String key, Throwable failure, boolean stillServing) {
            events.add(key + ":failure:" + (stillServing ? "serving" : "not-serving"));
          }

          @Override
          public void onRejected(String key, AccessToken token) {
            events.add(key + ":401");
          }
        })
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    if (manager != null) {
      manager.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  private HttpResponse<String> callApi(String key) throws Exception {
    HttpClient api = BearerHttpClient.builder(manager, key).allowedOrigins(base).build();
    return api.send(HttpRequest.newBuilder(base.resolve("/demo/api/restapi/v1.0/account/~")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Background refreshes complete on the HTTP client's threads: wait for their event. The bound
   * is a safety net for a loaded machine (a loopback round trip, usually milliseconds), not a
   * measured time.
   */
  private void awaitEvent(String event) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!events.contains(event)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + event + " within 30 s: " + events);
      }
      Thread.sleep(10);
    }
  }

  private long stat(String name) {
    return ((Number) provider.stats().get(name)).longValue();
  }

  @SuppressWarnings("unchecked")
  private long requests(String grant) {
    Long n = ((Map<String, Long>) provider.stats().get("token_requests")).get(grant);
    return n == null ? 0 : n;
  }

  private static Grant password() {
    return Grant.password(DemoProvider.USERNAME, DemoProvider.PASSWORD);
  }

  @Test
  void passwordGrantAndAForced401RecoversWithExactlyOneRefresh() throws Exception {
    start(DemoSettings.DEFAULTS, password());
    assertEquals(200, callApi("laptop").statusCode());
    String first = manager.token("laptop").value();

    provider.rejectCurrentTokens("laptop");
    HttpResponse<String> after = callApi("laptop");

    assertEquals(200, after.statusCode(), after.body());
    assertNotEquals(first, manager.token("laptop").value());
    assertEquals(List.of("laptop:INITIAL", "laptop:401", "laptop:REJECTED"), events);
    assertEquals(1, stat("refreshes"));
    assertEquals(1, stat("api_401"));
  }

  @Test
  void jwtBearerAndClientCredentialsWorkWithTheLibrary() throws Exception {
    start(DemoSettings.DEFAULTS, Grant.clientCredentials());
    assertEquals(200, callApi("service").statusCode());
    TokenManager jwt = TokenManager.builder(TokenEndpoint.builder(base.resolve("/demo/oauth/token"),
                ClientAuthentication.basic(DemoProvider.CLIENT_ID, DemoProvider.CLIENT_SECRET))
            .dialect(dev.tokenkeeper.Dialect.ringCentral()).budget(null).clock(clock).build())
        .primaryGrant(Grant.jwtBearer(provider.issueJwtCredential()))
        .clock(clock)
        .ticker(clock)
        .build();
    try {
      assertTrue(jwt.token("device").value().length() > 20);
    } finally {
      jwt.close();
    }

    assertEquals(1, requests("client_credentials"));
    assertEquals(1, requests(DemoProvider.GRANT_JWT_BEARER));
  }

  @Test
  void refreshAheadOfExpiryServesTheCurrentTokenAndRotatesTheRefreshToken() throws Exception {
    start(DemoSettings.DEFAULTS, password());
    AccessToken first = manager.token("phone");

    clock.advance(Duration.ofSeconds(40));   // inside the refresh window (half of 60 s)
    AccessToken served = manager.token("phone");
    awaitEvent("phone:AHEAD_OF_EXPIRY");
    AccessToken next = manager.token("phone");

    assertSame(first, served, "the caller did not wait for the refresh");
    assertNotEquals(first.value(), next.value());
    assertEquals(List.of("phone:INITIAL", "phone:AHEAD_OF_EXPIRY"), events);
    assertEquals(1, stat("refreshes"));
    assertEquals(0, stat("refresh_token_reuse"));
  }

  @Test
  void idleSessionEndsAndTheNextCallSignsInAgain() throws Exception {
    start(DemoSettings.DEFAULTS.withIdleTimeout(Duration.ofSeconds(30)), password());
    assertEquals(200, callApi("laptop").statusCode());
    String session = manager.session("laptop").sessionId();

    clock.advance(Duration.ofSeconds(31));
    HttpResponse<String> after = callApi("laptop");

    assertEquals(200, after.statusCode(), after.body());
    assertNotEquals(session, manager.session("laptop").sessionId());
    assertEquals("laptop:REACQUIRED", events.get(events.size() - 1), events.toString());
    assertEquals(2, requests("password"));
    assertEquals(0, requests("refresh_token"), "no refresh token is sent past the idle deadline");
  }

  @Test
  void absoluteSessionEndStartsANewSessionEvenWithTraffic() throws Exception {
    start(DemoSettings.DEFAULTS.withSessionTtl(Duration.ofSeconds(100)), password());
    manager.token("laptop");
    String session = manager.session("laptop").sessionId();
    clock.advance(Duration.ofSeconds(40));
    manager.token("laptop");                 // refresh ahead of expiry, same session
    awaitEvent("laptop:AHEAD_OF_EXPIRY");
    assertEquals(session, manager.session("laptop").sessionId());
    clock.advance(Duration.ofSeconds(61));   // past the absolute end

    assertEquals(200, callApi("laptop").statusCode());

    assertNotEquals(session, manager.session("laptop").sessionId());
    assertEquals(List.of("laptop:INITIAL", "laptop:AHEAD_OF_EXPIRY", "laptop:REACQUIRED"), events);
  }

  @Test
  void failingTokenEndpointKeepsTheCurrentTokenInService() throws Exception {
    start(DemoSettings.DEFAULTS, password());
    AccessToken first = manager.token("laptop");
    provider.failTokenEndpointFor(Duration.ofSeconds(120));

    clock.advance(Duration.ofSeconds(40));
    HttpResponse<String> during = callApi("laptop");
    awaitEvent("laptop:failure:serving");

    assertEquals(200, during.statusCode(), during.body());
    assertSame(first, manager.token("laptop"));
    assertTrue(stat("unavailable") >= 1);
  }
}

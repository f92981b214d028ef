package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

/** {@link ExampleApp#newServer} in this JVM on port 0, as the Jetty examples test themselves. */
class ExampleServerIT {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void newServerOnPortZeroServesTheAppThroughTheFilterAndCleansUpOnStop() throws Exception {
    Server server = ExampleApp.newServer(0);
    server.start();
    Path secretFile;
    try {
      URI uri = server.getURI();
      WebAppContext webapp = server.getDescendant(WebAppContext.class);
      secretFile = Path.of(webapp.getInitParameter("example.client-secret-file"));
      assertTrue(Files.isRegularFile(secretFile));

      BrowserSession browser = new BrowserSession(uri);
      String key = browser.register("in-process");
      HttpResponse<String> call = browser.call("in-process");

      assertEquals(200, call.statusCode(), call.body());
      assertEquals("120", call.headers().firstValue("TokenKeeper-Session-Idle-Timeout").orElse(""),
          "the filter exposes the provider session's idle timeout");
      assertTrue(StatusBoard.of(webapp.getServletContext()).keys().contains(key),
          "the board the filter's attribute: listener feeds");
    } finally {
      server.stop();
    }
    assertFalse(Files.exists(secretFile), "the demo's secret files are deleted on stop");
  }

  /** Issue 8, item 1: no client chooses whose token the server uses. */
  @Test
  void aSignedInUserSendingAnotherUsersEndpointIdInAHeaderGetsOnlyHisOwnToken() throws Exception {
    Server server = ExampleApp.newServer(0);
    server.start();
    try {
      URI uri = server.getURI();
      BrowserSession alice = new BrowserSession(uri);
      BrowserSession bob = new BrowserSession(uri);
      String aliceKey = alice.register("laptop");
      HttpResponse<String> aliceCall = alice.call("laptop");
      assertEquals(200, aliceCall.statusCode(), aliceCall.body());
      String bobKey = bob.register("laptop");
      assertNotEquals(aliceKey, bobKey, "each session gets its own server-made key");

      HttpResponse<String> asAlice = bob.post("/app/call?device=laptop", "X-Endpoint-Id", aliceKey);
      HttpResponse<String> headerOnly = bob.post("/app/call", "X-Endpoint-Id", aliceKey);
      HttpResponse<String> aliceKeyAsDevice = bob.post("/app/call?device=" + aliceKey);

      assertEquals(200, asAlice.statusCode(), asAlice.body());
      Map<String, Object> body = BrowserSession.json(asAlice);
      assertEquals(bobKey, body.get("endpoint_id"), "Bob's own key, whatever header he sends");
      assertEquals(bobKey, ((Map<?, ?>) body.get("api")).get("endpoint_id"),
          "the API saw Bob's token, not Alice's");
      assertEquals(401, headerOnly.statusCode(), "a header alone selects no key");
      assertEquals(401, aliceKeyAsDevice.statusCode(), "Alice's key is no device of Bob's");
      assertEquals(1L, tokenRequests(uri).get(aliceKey), "Alice's key: her one token request");
    } finally {
      server.stop();
    }
  }

  /** Issue 8, item 1: invented client values cost no token requests. */
  @Test
  void fiftyAnonymousRequestsWithInventedEndpointIdsMakeNoTokenRequest() throws Exception {
    Server server = ExampleApp.newServer(0);
    server.start();
    try {
      URI uri = server.getURI();
      BrowserSession anonymous = new BrowserSession(uri);
      for (int i = 0; i < 50; i++) {
        HttpResponse<String> r = anonymous.post("/app/call?device=invented-" + i,
            "X-Endpoint-Id", "invented-" + i);
        assertEquals(401, r.statusCode(), r.body());
      }

      Map<String, Object> stats = BrowserSession.json(anonymous.get("/demo/stats.json"));
      long total = ((Map<?, ?>) stats.get("token_requests")).values().stream()
          .mapToLong(v -> ((Number) v).longValue()).sum();
      assertEquals(0, total, "no token request for 50 invented keys: " + stats);
      assertEquals(0, ((Map<?, ?>) BrowserSession.json(anonymous.get("/status.json"))
          .get("library")).get("keys") instanceof Number n ? n.longValue() : -1,
          "the manager holds no key");
    } finally {
      server.stop();
    }
  }

  /** {@code --shared-endpoint-id}: only the operator makes the shared key; a client cannot. */
  @Test
  void theSharedDeviceExistsOnlyWhenTheOperatorConfiguredIt() throws Exception {
    Server plain = ExampleApp.newServer(0);
    plain.start();
    try {
      BrowserSession browser = new BrowserSession(plain.getURI());
      HttpResponse<String> claim = browser.post("/devices?device=shared");
      HttpResponse<String> call = browser.post("/app/call?device=shared");
      assertEquals(400, claim.statusCode(), claim.body());
      assertTrue(claim.body().contains("reserved for --shared-endpoint-id"), claim.body());
      assertEquals(401, call.statusCode(), call.body());
      assertEquals(Map.of(), tokenRequests(plain.getURI()), "no key, no token request");
    } finally {
      plain.stop();
    }

    Server shared = ExampleApp.newServer(ExampleOptions.parse(
        new String[] {"--port", "0", "--shared-endpoint-id", "team-account"}, name -> null));
    shared.start();
    try {
      BrowserSession one = new BrowserSession(shared.getURI());
      BrowserSession other = new BrowserSession(shared.getURI());
      assertEquals(200, one.post("/app/call?device=shared").statusCode());
      assertEquals(200, other.post("/app/call?device=shared").statusCode());
      assertEquals(Map.of("team-account", 1L), tokenRequests(shared.getURI()),
          "both browsers used the operator's one key");
      assertEquals(Map.of("shared", "team-account"),
          BrowserSession.json(other.get("/status.json")).get("devices"));
    } finally {
      shared.stop();
    }
  }

  /** Token requests per endpoint id, as the demo provider logged them. */
  private static Map<String, Long> tokenRequests(URI uri) throws Exception {
    Map<String, Object> status = BrowserSession.json(new BrowserSession(uri).get("/status.json"));
    Map<?, ?> requests = (Map<?, ?>) ((Map<?, ?>) status.get("demo")).get("requests");
    Map<String, Long> counts = new java.util.HashMap<>();
    requests.forEach((k, v) -> counts.put((String) k, (long) ((java.util.List<?>) v).size()));
    return counts;
  }

  @Test
  void aFilterMisconfigurationFailsStartWithTheInitParamNamed() throws Exception {
    ExampleOptions options = ExampleOptions.parse(new String[] {"--port", "0",
        "--token-url", "http://provider.example.com/oauth/token", "--client-id", "c"},
        Map.<String, String>of()::get);
    Server server = ExampleApp.newServer(options);
    try {
      Exception e = assertThrows(Exception.class, server::start);
      StringBuilder messages = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        messages.append(t.getMessage()).append('\n');
      }
      assertTrue(messages.toString().contains("token-endpoint"), messages.toString());
    } finally {
      server.stop();
    }
  }
}

package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A request the token budget cannot send in time is answered 503 with the next slot. */
class TokenFilterBudgetTest {
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private HttpServer provider;
  private TokenEndpoint endpoint;
  private TokenManager manager;

  @AfterEach
  void tearDown() {
    if (manager != null) {
      manager.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
    if (provider != null) {
      provider.stop(0);
    }
  }

  private FakeHttp pass(TokenFilter filter, String key) throws Exception {
    FakeHttp http = new FakeHttp();
    http.requestHeaders.put("X-Endpoint-Id", key);
    filter.doFilter(http.request(), http.response(), (req, res) -> { });
    return http;
  }

  @Test
  void aCallerTheBudgetRefusesGets503WithRetryAfterAndNothingIsSent() throws Exception {
    provider = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    provider.createContext("/token", exchange -> {
      tokenRequests.incrementAndGet();
      byte[] json = ("{\"access_token\":\"at-" + tokenRequests.get()
          + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, json.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(json);
      }
    });
    provider.start();
    endpoint = TokenEndpoint.builder(
            URI.create("http://127.0.0.1:" + provider.getAddress().getPort() + "/token"),
            ClientAuthentication.basic("client", "secret"))
        .budget(TokenBudget.parse("1/60s").withMaxWait(Duration.ZERO))
        .build();
    manager = TokenManager.builder(endpoint).primaryGrant(Grant.clientCredentials()).build();
    TokenFilter filter = new TokenFilter(TokenFilterConfig.builder(manager,
        EndpointIdResolver.trustedHeader("X-Endpoint-Id")).build());

    assertEquals(200, pass(filter, "first").status);
    FakeHttp refused = pass(filter, "second");
    assertEquals(503, refused.status);
    assertTrue(refused.body().contains("\"error\":\"token_budget_exhausted\""), refused.body());
    long retryAfter = Long.parseLong(refused.responseHeaders.get("Retry-After"));
    assertTrue(retryAfter >= 59 && retryAfter <= 61, "Retry-After " + retryAfter);
    assertEquals(1, tokenRequests.get(), "the refused request was never sent");
  }
}

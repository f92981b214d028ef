package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.servlet.it.FakeProvider;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A wrong client secret costs one token request per cool-down, however many requests pass
 * through the filter meanwhile (issue 8, item 5).
 */
class TokenFilterCoolDownTest {
  private final AtomicLong nanos = new AtomicLong();
  private FakeProvider provider;
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
      provider.close();
    }
  }

  @Test
  void twentyRequestsWithAWrongClientSecretCostOneTokenRequestPerCoolDown() throws Exception {
    provider = new FakeProvider();
    provider.failStatus = 401;
    provider.failError = "invalid_client";
    endpoint = TokenEndpoint.builder(provider.tokenUri(),
        ClientAuthentication.basic("client-1", "wrong-secret")).build();
    manager = TokenManager.builder(endpoint).primaryGrant(Grant.clientCredentials())
        .ticker(nanos::get).build();
    TokenFilter filter = new TokenFilter(TokenFilterConfig
        .builder(manager, EndpointIdResolver.fixed("service")).build());

    for (int i = 0; i < 20; i++) {
      FakeHttp http = new FakeHttp();
      boolean[] ran = {false};
      filter.doFilter(http.request(), http.response(), (req, res) -> ran[0] = true);
      assertFalse(ran[0], "no token, no pass");
      assertEquals(502, http.status);
      nanos.addAndGet(Duration.ofMillis(100).toNanos());
    }
    assertEquals(1, provider.received.size(), "one token request for 20 requests");

    nanos.addAndGet(TokenManager.DEFAULT_FAILURE_COOL_DOWN.toNanos());
    FakeHttp after = new FakeHttp();
    filter.doFilter(after.request(), after.response(), (req, res) -> { });
    assertEquals(2, provider.received.size(), "the next one after the cool-down");
    assertTrue(after.status == 502, "status " + after.status);
  }
}

package dev.tokenkeeper.servlet.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each session-ended policy, in web apps whose tokens come only from a login callback
 * ({@code grant} = {@code none}): a key without a live provider session cannot get a token.
 */
class SessionEndedPolicyIT {
  @TempDir static Path dir;
  static FakeProvider provider;
  static TestWebApp unauthorized;
  static TestWebApp redirect;
  static TestWebApp passThrough;

  @BeforeAll
  static void start() throws Exception {
    provider = new FakeProvider();
    unauthorized = TestWebApp.start(dir.resolve("401"), "/", params("401"), provider.apiOrigin());
    redirect = TestWebApp.start(dir.resolve("redirect"), "/shop", params("redirect:/login"),
        provider.apiOrigin());
    passThrough = TestWebApp.start(dir.resolve("pass"), "/", params("pass-through"),
        provider.apiOrigin());
  }

  static Map<String, String> params(String policy) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("token-endpoint", provider.tokenUri().toString());
    p.put("dialect", "ringcentral"); // keys are sent as endpoint_id
    p.put("token-budget", "none"); // not RingCentral's 5 requests a minute: tests make many
    p.put("client-id", "it-client");
    p.put("client-authentication", "none");
    p.put("grant", "none");
    p.put("endpoint-id", "trusted-header:X-Endpoint-Id");
    p.put("allowed-origins", provider.apiOrigin().toString());
    p.put("session-ended", policy);
    return p;
  }

  @AfterAll
  static void stop() throws Exception {
    unauthorized.close();
    redirect.close();
    passThrough.close();
    provider.close();
  }

  /** What a login callback does: store the user's token under the key. */
  static void signIn(TestWebApp app, String key, Instant sessionEnd) {
    TokenManager manager = app.manager();
    manager.put(key, TokenResponse.builder("at-" + key + "-login", Instant.now())
        .expiresIn(Duration.ofHours(1))
        .sessionExpirationTime(sessionEnd)
        .build());
    provider.accessTokens.put("at-" + key + "-login", key);
  }

  static HttpResponse<String> get(TestWebApp app, String path, String key) throws Exception {
    return key == null ? new Browser().get(app.uri(path))
        : new Browser().get(app.uri(path), "X-Endpoint-Id", key);
  }

  @Test
  void aSignedInKeyWorksUnderEveryPolicy() throws Exception {
    for (TestWebApp app : new TestWebApp[] {unauthorized, redirect, passThrough}) {
      signIn(app, "live", Instant.now().plus(Duration.ofHours(8)));
      HttpResponse<String> r = get(app, "/app/call", "live");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("200 live at-live-login", r.body());
    }
    assertEquals(0, provider.received.size(), "grant=none never asks the token endpoint");
  }

  @Test
  void policy401AnswersWithAJsonBodyAndWwwAuthenticate() throws Exception {
    for (String key : new String[] {"never-signed-in", null}) {
      HttpResponse<String> r = get(unauthorized, "/app/call", key);
      assertEquals(401, r.statusCode());
      assertEquals("Bearer realm=\"tokenkeeper\", error=\"invalid_token\", error_description=\"The"
          + " provider session has ended; sign in again\"",
          r.headers().firstValue("WWW-Authenticate").orElseThrow());
      assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
      assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
      assertEquals("{\"error\":\"session_ended\",\"error_description\":\"The provider session has"
          + " ended; sign in again\"}", r.body());
    }
  }

  @Test
  void policy401AppliesWhenTheProviderSessionHasEnded() throws Exception {
    signIn(unauthorized, "expired-session", Instant.now().minusSeconds(1));
    HttpResponse<String> r = get(unauthorized, "/app/call", "expired-session");
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.body().contains("session_ended"));
  }

  @Test
  void policy401AppliesWhenTheSessionEndsWhileTheServletRuns() throws Exception {
    signIn(unauthorized, "ends-mid-request", Instant.now().plus(Duration.ofHours(8)));
    HttpResponse<String> r = get(unauthorized, "/app/end", "ends-mid-request");
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.body().contains("session_ended"));
  }

  @Test
  void redirectPolicySendsToTheLoginPageUnderTheContextPath() throws Exception {
    for (String key : new String[] {"never-signed-in", null}) {
      HttpResponse<String> r = get(redirect, "/app/info", key);
      assertEquals(302, r.statusCode());
      String location = r.headers().firstValue("Location").orElseThrow();
      assertTrue(location.endsWith("/shop/login"), location);
    }
    signIn(redirect, "ends-mid-request", Instant.now().plus(Duration.ofHours(8)));
    HttpResponse<String> r = get(redirect, "/app/end", "ends-mid-request");
    assertEquals(302, r.statusCode());
    assertTrue(r.headers().firstValue("Location").orElseThrow().endsWith("/shop/login"));
  }

  @Test
  void passThroughPolicyLetsTheRequestOnWithTheFlag() throws Exception {
    Map<String, String> info = Browser.lines(get(passThrough, "/app/info", "never-signed-in").body());
    assertEquals("true", info.get("ended"));
    assertEquals("dev.tokenkeeper.servlet.TokenContext", "dev.tokenkeeper.servlet."
        + info.get("dev.tokenkeeper.TokenContext").replaceAll("\\[.*", ""));
    assertEquals("never-signed-in", info.get("endpointId"));

    Map<String, String> anonymous = Browser.lines(get(passThrough, "/app/info", null).body());
    assertEquals("true", anonymous.get("ended"));
    assertEquals(null, anonymous.get("endpointId"), "no key, no TokenContext");

    signIn(passThrough, "fine", Instant.now().plus(Duration.ofHours(8)));
    assertEquals("null", Browser.lines(get(passThrough, "/app/info", "fine").body()).get("ended"));
  }
}

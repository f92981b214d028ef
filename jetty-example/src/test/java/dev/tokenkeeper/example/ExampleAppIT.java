package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.example.demo.DemoProvider;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged example, started with {@code java -jar} on a free port and driven over HTTP.
 * Tokens live 10 minutes here, so the only refresh is the one a forced 401 causes.
 */
class ExampleAppIT {
  private static ExampleProcess app;

  @BeforeAll
  static void start() throws Exception {
    app = ExampleProcess.start("--token-ttl", "10m");
  }

  @AfterAll
  static void stop() throws Exception {
    if (app != null) {
      app.close();
    }
  }

  private static Map<String, Object> json(HttpResponse<String> response) throws Exception {
    return JSONObjectUtils.parse(response.body());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> endpoint(String id) throws Exception {
    List<Object> endpoints = (List<Object>) json(app.get("/status.json")).get("endpoints");
    return endpoints.stream().map(o -> (Map<String, Object>) o)
        .filter(e -> id.equals(e.get("endpoint_id"))).findFirst()
        .orElseThrow(() -> new AssertionError("status.json has no endpoint " + id));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> m, String key) {
    return (Map<String, Object>) m.get(key);
  }

  @Test
  void printsTheUrlToOpen() {
    assertTrue(app.output().contains("Open " + app.uri()), app.output());
  }

  @Test
  void statusPageRendersWithItsOwnAssetsOnly() throws Exception {
    HttpResponse<String> page = app.get("/");
    HttpResponse<String> script = app.get("/status.js");
    HttpResponse<String> css = app.get("/status.css");

    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("<title>TokenKeeper"), page.body());
    assertTrue(page.body().contains("id=\"chart\""));
    assertTrue(!page.body().contains("http://") && !page.body().contains("https://"),
        "no external assets");
    assertEquals(200, script.statusCode());
    assertTrue(script.headers().firstValue("Content-Type").orElse("").contains("javascript"));
    assertEquals(200, css.statusCode());
  }

  @Test
  void thePageGivesTheBrowserItsSessionBeforeItsScriptsSendAnything() throws Exception {
    // The page's scripts register devices at once, and a sign-in may start at once: first
    // requests side by side without a session cookie each made a session, and a sign-in came
    // back to another one ("started in another browser session", seen in LoginChromiumIT
    // under CPU load).
    for (String page : List.of("/", "/index.html")) {
      HttpResponse<String> r = app.get(page);
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().allValues("Set-Cookie").stream()
          .anyMatch(c -> c.startsWith("JSESSIONID=")), page + ": " + r.headers().map());
    }
    for (String poll : List.of("/status.json", "/status.js", "/metrics")) {
      assertEquals(List.of(), app.get(poll).headers().allValues("Set-Cookie"),
          poll + " makes no session");
    }
  }

  @Test
  void statusJsonDescribesTheDemo() throws Exception {
    Map<String, Object> status = json(app.get("/status.json"));

    assertEquals("demo", map(status, "config").get("mode"));
    assertEquals(600L, ((Number) map(status, "config").get("token_ttl")).longValue());
    assertTrue(status.get("now") instanceof Number);
    assertTrue(map(status, "demo").containsKey("refreshes"));
  }

  @Test
  void apiCallThroughTheAppSucceedsWithABearerToken() throws Exception {
    String key = app.browser().register("it-call");
    HttpResponse<String> call = app.browser().call("it-call");

    assertEquals(200, call.statusCode(), call.body());
    Map<String, Object> body = json(call);
    assertEquals(200L, ((Number) body.get("api_status")).longValue());
    assertEquals(DemoProvider.OWNER_ID, map(body, "api").get("id"));
    assertTrue(key.startsWith("it-call-"), key);
    assertEquals(key, body.get("endpoint_id"));
    assertEquals(key, map(body, "api").get("endpoint_id"));
    Map<String, Object> e = endpoint(key);
    assertEquals("INITIAL", map(e, "last_refresh").get("cause"));
    assertTrue(map(e, "session").get("idle_deadline") instanceof Number, e.toString());
  }

  @Test
  void afterAForced401TheNextCallSucceedsWithARefreshedTokenAndExactlyOneRefresh()
      throws Exception {
    String key = app.browser().register("it-401");
    assertEquals(200, app.browser().call("it-401").statusCode());
    String before = (String) map(endpoint(key), "token").get("fingerprint");

    HttpResponse<String> reject = app.post("/demo/control/reject?endpoint_id=" + key);
    assertEquals(1L, ((Number) json(reject).get("revoked")).longValue(), reject.body());
    HttpResponse<String> call = app.browser().call("it-401");

    assertEquals(200, call.statusCode(), call.body());
    assertEquals(200L, ((Number) json(call).get("api_status")).longValue());
    Map<String, Object> e = endpoint(key);
    assertNotEquals(before, map(e, "token").get("fingerprint"), "a new token");
    assertEquals("REJECTED", map(e, "last_refresh").get("cause"));
    assertEquals(1L, ((Number) e.get("refresh_count")).longValue());
    assertEquals(1L, ((Number) e.get("rejections")).longValue());
    Map<String, Object> stats = json(app.get("/demo/stats.json"));
    assertEquals(1L, ((Number) stats.get("refreshes")).longValue(), stats.toString());
    assertEquals(1L, ((Number) map(stats, "api_401_by_reason").get("revoked")).longValue());
    assertEquals(1L, ((Number) map(stats, "token_requests").get("refresh_token")).longValue());
  }

  @Test
  void aRequestWithoutABrowserSessionGetsTheSessionEndedAnswer() throws Exception {
    HttpResponse<String> call = app.post("/app/call?device=laptop");

    assertEquals(401, call.statusCode(), call.body());
  }

  @Test
  void aDeviceNameBreakingTheRuleIsRefusedAndADeviceNotRegisteredHasNoKey() throws Exception {
    BrowserSession browser = new BrowserSession(app.uri());
    assertEquals(400, browser.post("/devices?device=not/valid").statusCode());
    browser.register("mine");

    HttpResponse<String> call = browser.post("/app/call?device=not-registered");

    assertEquals(401, call.statusCode(), call.body());
  }

  @Test
  void metricsAnswerInPrometheusTextFormatAndFollowTheTokenRequests() throws Exception {
    String key = app.browser().register("it-metrics");
    assertEquals(200, app.browser().call("it-metrics").statusCode());
    HttpResponse<String> metrics = app.get("/metrics");

    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
        metrics.headers().toString());
    String body = metrics.body();
    assertTrue(body.contains("# TYPE tokenkeeper_token_requests_seconds summary"), body);
    assertTrue(java.util.regex.Pattern.compile("(?m)^tokenkeeper_token_requests_seconds_count\\{"
        + "[^}]*cause=\"initial\"[^}]*grant=\"password\"[^}]*manager=\"example\"[^}]*"
        + "outcome=\"success\"[^}]*\\} [1-9]").matcher(body).find(), body);
    assertTrue(java.util.regex.Pattern.compile("(?m)^tokenkeeper_keys\\{manager=\"example\"\\}"
        + " [1-9]").matcher(body).find(), body);
    assertTrue(body.contains("# TYPE tokenkeeper_token_rejections_total counter"), body);
    assertTrue(body.contains("tokenkeeper_token_requests_active{manager=\"example\"} 0"), body);
    assertTrue(body.contains("tokenkeeper_token_expiry_min_seconds{manager=\"example\"}"), body);
    assertTrue(body.contains("tokenkeeper_session_ended_total{manager=\"example\"}"), body);
    assertTrue(!body.contains(key) && !body.contains("it-metrics"), "no key in any tag");
  }
}

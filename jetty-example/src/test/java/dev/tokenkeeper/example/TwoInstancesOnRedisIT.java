package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.example.demo.DemoProvider;
import dev.tokenkeeper.redis.testing.RedisServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's cluster demo: two packaged example instances on one real {@code redis-server}
 * (started here on a free loopback port), the second using the first one's demo provider, both
 * with {@code --shared-endpoint-id}. Callers on both ask for the shared key's token at once; the
 * one provider counts one token request between them.
 */
class TwoInstancesOnRedisIT {
  private static final String SHARED = "team-account";
  private static final int CALLERS_PER_INSTANCE = 16;

  @RegisterExtension static final RedisServer REDIS = new RedisServer();

  @SuppressWarnings("unchecked")
  private static Map<String, Object> sharedCard(ExampleProcess app) throws Exception {
    for (Object e : (List<?>) JSONObjectUtils.parse(app.get("/status.json").body())
        .get("endpoints")) {
      if (SHARED.equals(((Map<?, ?>) e).get("endpoint_id"))) {
        return (Map<String, Object>) e;
      }
    }
    throw new AssertionError("no card for " + SHARED + " on " + app.uri());
  }

  /** {@code callers} calls of the shared device, half on each instance, released at once. */
  private static void burst(ExampleProcess first, ExampleProcess second, int callers)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        ExampleProcess app = i % 2 == 0 ? first : second;
        calls.add(pool.submit(() -> {
          go.await();
          return app.post("/app/call?device=shared");
        }));
      }
      go.countDown();
      for (Future<HttpResponse<String>> call : calls) {
        HttpResponse<String> r = call.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(SHARED, JSONObjectUtils.parse(r.body()).get("endpoint_id"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void twoInstancesMakeOneTokenRequestForTheSharedKey() throws Exception {
    String redisUri = REDIS.uri();
    try (ExampleProcess first = ExampleProcess.start("--token-ttl", "6s", "--refresh-window", "3",
        "--redis", redisUri,
        "--redis-plaintext", "true", "--shared-endpoint-id", SHARED)) {
      String base = first.uri().toString().replaceAll("/$", "");
      Map<String, String> env = Map.of(
          "DEMO_SECRET", DemoProvider.CLIENT_SECRET, "DEMO_PASSWORD", DemoProvider.PASSWORD);
      try (ExampleProcess second = ExampleProcess.start(env,
          "--token-url", base + "/demo/oauth/token", "--client-id", DemoProvider.CLIENT_ID,
          "--client-secret-env", "DEMO_SECRET", "--grant", "password",
          "--username", DemoProvider.USERNAME, "--password-env", "DEMO_PASSWORD",
          "--scope", DemoProvider.SCOPES,
          "--api-url", base + ExampleApp.DEMO_API_PATH, "--refresh-window", "3",
          "--redis", redisUri, "--redis-plaintext", "true", "--shared-endpoint-id", SHARED)) {

        // Both status pages list the operator's key as the device "shared".
        for (ExampleProcess app : List.of(first, second)) {
          Map<String, Object> status = JSONObjectUtils.parse(app.get("/status.json").body());
          assertEquals(Map.of("shared", SHARED), status.get("devices"));
          assertEquals(SHARED, ((Map<String, Object>) status.get("config"))
              .get("shared_endpoint_id"));
        }

        // The client names the device only; the key is the operator's, and no session owns it.
        HttpResponse<String> claim = second.post("/devices?device=shared");
        assertEquals(200, claim.statusCode(), claim.body());
        assertEquals(SHARED, JSONObjectUtils.parse(claim.body()).get("endpoint_id"));

        int callers = 2 * CALLERS_PER_INSTANCE;
        burst(first, second, callers);
        Map<String, Object> stats = JSONObjectUtils.parse(first.get("/demo/stats.json").body());
        assertEquals(1L, ((Number) ((Map<String, Object>) stats.get("token_requests"))
            .get("password")).longValue(), "one token request between the two instances: " + stats);
        assertEquals((long) callers, ((Number) stats.get("api_ok")).longValue(), stats.toString());
        // The one sign-in, sent as the shared key, is the key's first request. It need not be the
        // only one: a call in the last 3 s of the token's life refreshes it ahead of expiry (in
        // the background, possibly still running now), and under CPU load the burst (32 calls on
        // two JVMs just started) took up to 1.9 s of those 6 s.
        Map<String, Object> requests = (Map<String, Object>) ((Map<String, Object>)
            JSONObjectUtils.parse(first.get("/status.json").body()).get("demo")).get("requests");
        List<Map<String, Object>> logged = (List<Map<String, Object>>) requests.get(SHARED);
        assertEquals("password", logged.get(0).get("grant"), requests.toString());
        assertEquals(1, logged.stream().filter(r -> "password".equals(r.get("grant"))).count(),
            requests.toString());
        assertTrue(first.output().contains("shared endpoint id: " + SHARED), first.output());

        // Refresh cycles: the tokens live 6 s and a use in the last 3 s refreshes. Bursts on
        // both instances at once, until two refreshes happened: each refresh is wanted by both,
        // and the lease lets one through. The provider rotates single-use refresh tokens, so a
        // second request in a cycle would reuse one (and revoke the session): none does.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int bursts = 1;
        while (((Number) stats.get("refreshes")).longValue() < 2) {
          assertTrue(System.nanoTime() < deadline, "no two refreshes within 60 s: " + stats);
          Thread.sleep(250); // the next burst: traffic spread over the tokens' lifetime
          burst(first, second, callers);
          bursts++;
          stats = JSONObjectUtils.parse(first.get("/demo/stats.json").body());
        }
        stats = JSONObjectUtils.parse(first.get("/demo/stats.json").body());
        long total = ((Number) stats.get("token_requests_total")).longValue();
        assertEquals(0L, ((Number) stats.get("refresh_token_reuse")).longValue(), stats.toString());
        assertEquals(0L, ((Number) stats.get("invalid_grant")).longValue(), stats.toString());
        assertEquals(1L, ((Number) ((Map<String, Object>) stats.get("token_requests"))
            .get("password")).longValue(), "never signed in again: " + stats);
        assertEquals(total - 1, ((Number) stats.get("refreshes")).longValue(), stats.toString());
        assertEquals(total, ((Number) stats.get("tokens_issued")).longValue(), stats.toString());
        assertEquals((long) bursts * callers, ((Number) stats.get("api_ok")).longValue(),
            stats.toString());
        assertTrue(second.output().contains("shared store: "), second.output());
        // Both status pages show the token in use, whichever instance requested it. A card shows
        // the token its instance last used or requested, so both are called until they use the
        // same one: the other instance learns of a refresh through Redis's pub/sub a moment after
        // it was stored, and a call in the refresh window serves the current token while a
        // refresh ahead of expiry runs (then the requesting instance's card moves on first).
        Map<String, Object> one;
        Map<String, Object> two;
        long converged = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int extra = 0;
        do {
          burst(first, second, 2);
          extra++;
          one = (Map<String, Object>) sharedCard(first).get("token");
          two = (Map<String, Object>) sharedCard(second).get("token");
        } while (!one.get("fingerprint").equals(two.get("fingerprint"))
            && System.nanoTime() < converged);
        assertEquals(one.get("fingerprint"), two.get("fingerprint"), one + " / " + two);
        assertEquals(false, one.get("expired"), one.toString());
        System.out.println("TwoInstancesOnRedisIT: " + bursts + " bursts, " + total
            + " token requests, " + extra + " pair(s) of calls until both cards showed the same"
            + " token; on the first " + one + ", on the second " + two);
      }
    }
  }
}

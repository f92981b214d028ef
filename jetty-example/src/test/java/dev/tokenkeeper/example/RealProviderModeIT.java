package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.example.demo.DemoProvider;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real-provider mode: one packaged example plays the provider (its demo), a second one is pointed
 * at it by flags and same-named environment variables, with the secrets only in variables.
 */
class RealProviderModeIT {

  @Test
  @SuppressWarnings("unchecked")
  void flagsAndEnvironmentPointTheAppAtAnotherProvider() throws Exception {
    try (ExampleProcess provider = ExampleProcess.start()) {
      String base = provider.uri().toString().replaceAll("/$", "");
      Map<String, String> env = Map.of(
          "TOKEN_URL", base + "/demo/oauth/token",
          "CLIENT_ID", DemoProvider.CLIENT_ID,
          "PROVIDER_SECRET", DemoProvider.CLIENT_SECRET,
          "PROVIDER_PASSWORD", DemoProvider.PASSWORD);
      try (ExampleProcess app = ExampleProcess.start(env,
          "--client-secret-env", "PROVIDER_SECRET",
          "--grant", "password", "--username", DemoProvider.USERNAME,
          "--password-env", "PROVIDER_PASSWORD",
          "--api-url", base + "/demo/api/restapi/v1.0/account/~/extension/~")) {

        String key = app.browser().register("real");
        HttpResponse<String> call = app.browser().call("real");
        Map<String, Object> status = JSONObjectUtils.parse(app.get("/status.json").body());
        HttpResponse<String> noDemo = app.get("/demo/stats.json");
        Map<String, Object> providerStats = JSONObjectUtils.parse(provider.get("/demo/stats.json").body());

        assertEquals(200, call.statusCode(), call.body());
        assertTrue(app.output().contains("provider: " + base + "/demo/oauth/token"), app.output());
        assertEquals("provider", ((Map<String, Object>) status.get("config")).get("mode"));
        assertNull(status.get("demo"));
        assertEquals(404, noDemo.statusCode(), "no demo provider in this mode");
        assertEquals(1L, ((Number) ((Map<String, Object>) providerStats.get("token_requests"))
            .get("password")).longValue());
        Map<String, Object> requests = (Map<String, Object>) ((Map<String, Object>)
            JSONObjectUtils.parse(provider.get("/status.json").body()).get("demo")).get("requests");
        List<Object> logged = (List<Object>) requests.get(key);
        assertEquals(1, logged.size(), "the app sent the request's key as endpoint_id");
        assertFalse(app.output().contains(DemoProvider.CLIENT_SECRET), "no secret in the log");
        assertFalse(app.output().contains(DemoProvider.PASSWORD), "no password in the log");
      }
    }
  }
}

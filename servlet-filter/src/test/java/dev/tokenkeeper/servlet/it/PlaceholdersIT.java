package dev.tokenkeeper.servlet.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.ServletException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One web.xml, several environments: {@code ${...}} init-params filled from context-params, a
 * system property and an environment variable on a real Jetty, an init-param left out by an empty
 * value, and a TokenListener instance published as a context attribute.
 */
class PlaceholdersIT {
  static final String PROPERTY = "tokenkeeper.it.placeholders.scope";

  @TempDir static Path dir;
  static FakeProvider provider;

  @BeforeAll
  static void start() throws Exception {
    provider = new FakeProvider();
  }

  @AfterAll
  static void stop() {
    provider.close();
  }

  @AfterEach
  void clearProperty() {
    System.clearProperty(PROPERTY);
  }

  /** The same init-params for every environment: only context-params and properties differ. */
  static Map<String, String> placeholderParams() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("token-endpoint", "${app.token-endpoint}");
    p.put("dialect", "ringcentral"); // keys are sent as endpoint_id
    p.put("token-budget", "none"); // not RingCentral's 5 requests a minute: tests make many
    p.put("client-id", "${app.client-id}");
    // From the environment (failsafe sets TK_IT_CLIENT_SECRET); the value is never in web.xml.
    p.put("client-secret", "${TK_IT_CLIENT_SECRET}");
    p.put("grant", "${app.grant:client_credentials}");
    p.put("username", "${app.username:}");
    p.put("password-env", "${app.password-env:}");
    p.put("scope", "${" + PROPERTY + ":ReadAccounts}");
    p.put("endpoint-id", "trusted-header:${app.key-header:X-Endpoint-Id}");
    p.put("allowed-origins", "${app.api-origin}");
    p.put("listener", "attribute:" + Servlets.PublishListener.ATTRIBUTE);
    return p;
  }

  static String contextParams(Map<String, String> values) {
    StringBuilder xml = new StringBuilder("  <listener><listener-class>"
        + Servlets.PublishListener.class.getName() + "</listener-class></listener>\n");
    values.forEach((name, value) -> xml.append("  <context-param><param-name>").append(name)
        .append("</param-name><param-value>").append(value)
        .append("</param-value></context-param>\n"));
    return xml.toString();
  }

  static Map<String, String> environment(String clientId) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("app.token-endpoint", provider.tokenUri().toString());
    v.put("app.client-id", clientId);
    v.put("app.api-origin", provider.apiOrigin().toString());
    return v;
  }

  static FakeProvider.Received lastFor(String key) {
    for (int i = provider.received.size() - 1; i >= 0; i--) {
      FakeProvider.Received r = provider.received.get(i);
      if (key.equals(r.form().get("endpoint_id"))) {
        return r;
      }
    }
    throw new AssertionError("no token request for " + key);
  }

  @Test
  void contextParamsASystemPropertyAndTheEnvironmentFillTheInitParams() throws Exception {
    System.setProperty(PROPERTY, "ReadCallLog");
    String webXml = WebXml.of(placeholderParams(), provider.apiOrigin(),
        contextParams(environment("client-from-context")));
    try (TestWebApp app = TestWebApp.start(dir.resolve("cc"), "/", webXml)) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call"), "X-Endpoint-Id", "ph-cc");
      assertEquals("200 ph-cc " + provider.currentToken("ph-cc"), r.body());
      FakeProvider.Received sent = lastFor("ph-cc");
      assertEquals("client_credentials", sent.form().get("grant_type"), "the default");
      assertEquals("ReadCallLog", sent.form().get("scope"), "the system property");
      assertEquals(InitParamsIT.basic("client-from-context", "it-client-secret-value"),
          sent.authorization(), "the context-param and the environment variable");
      assertNull(sent.form().get("username"), "an empty username is left out");

      Servlets.InstanceListener listener = (Servlets.InstanceListener)
          app.servletContext().getAttribute(Servlets.PublishListener.ATTRIBUTE);
      awaitEvent(listener, "token ph-cc INITIAL");
    }
  }

  @Test
  void theSameInitParamsServeThePasswordGrantWhenTheContextParamsSaySo() throws Exception {
    Map<String, String> values = environment("client-password");
    values.put("app.grant", "password");
    values.put("app.username", "+16505550100");
    values.put("app.password-env", "TK_IT_PASSWORD");
    values.put("app.key-header", "X-Tenant");
    String webXml = WebXml.of(placeholderParams(), provider.apiOrigin(),
        contextParams(values));
    try (TestWebApp app = TestWebApp.start(dir.resolve("password"), "/", webXml)) {
      HttpResponse<String> r = new Browser().get(app.uri("/app/call"), "X-Tenant", "ph-pw");
      assertEquals(200, r.statusCode(), r.body());
      FakeProvider.Received sent = lastFor("ph-pw");
      assertEquals("password", sent.form().get("grant_type"));
      assertEquals("+16505550100", sent.form().get("username"));
      assertEquals("it-password-value", sent.form().get("password"));
      assertEquals("ReadAccounts", sent.form().get("scope"), "the default, no property set");
    }
  }

  @Test
  void aMissingContextParamFailsTheStartNamingTheInitParamAndThePlaceholder() {
    Map<String, String> values = environment("client-x");
    values.remove("app.client-id");
    String webXml = WebXml.of(placeholderParams(), provider.apiOrigin(),
        contextParams(values));
    Exception e = assertThrows(Exception.class,
        () -> TestWebApp.start(dir.resolve("missing"), "/", webXml).close());
    Throwable t = e;
    while (t != null && !(t instanceof ServletException)) {
      t = t.getCause();
    }
    assertNotNull(t, "a ServletException in " + e);
    assertTrue(t.getMessage().startsWith("TokenFilter 'tokenkeeper': init-param client-id refers"
        + " to ${app.client-id}, which is not set"), t.getMessage());
    assertFalse(t.getMessage().contains("it-client-secret-value"));
  }

  static void awaitEvent(Servlets.InstanceListener listener, String event)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!listener.events.contains(event)) {
      assertTrue(System.nanoTime() < deadline, "no <" + event + "> in " + listener.events);
      Thread.sleep(10);
    }
  }
}

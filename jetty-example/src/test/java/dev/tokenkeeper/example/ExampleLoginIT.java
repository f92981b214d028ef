package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.example.demo.DemoProvider;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example's sign-in against its demo provider, in this JVM: the consent page, the callback,
 * the user's session, the relay to the demo API, sign-out with revocation and end-session, and a
 * back-channel logout sent by the provider.
 */
class ExampleLoginIT {
  private static final Pattern HIDDEN = Pattern.compile(
      "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">");

  Server server;
  URI base;
  HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
      .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void start() throws Exception {
    server = ExampleApp.newServer(0);
    server.start();
    base = URI.create("http://localhost:" + server.getURI().getPort());
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  HttpResponse<String> get(URI uri, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
    if (headers.length > 0) {
      b.headers(headers);
    }
    return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(URI uri, Map<String, String> form, String... headers)
      throws Exception {
    StringJoiner body = new StringJoiner("&");
    form.forEach((k, v) -> body.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest.Builder b = HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static URI location(HttpResponse<String> r) {
    return r.uri().resolve(r.headers().firstValue("Location").orElseThrow(
        () -> new AssertionError(r.statusCode() + " " + r.body())));
  }

  Map<String, Object> session() throws Exception {
    return JSONObjectUtils.parse(get(base.resolve("/oauth/session")).body());
  }

  Map<String, Object> stats() throws Exception {
    return JSONObjectUtils.parse(get(base.resolve("/demo/stats.json")).body());
  }

  void signIn() throws Exception {
    HttpResponse<String> login = get(base.resolve("/oauth/login?return_to=%2F"));
    assertEquals(302, login.statusCode());
    URI consent = location(login);
    HttpResponse<String> page = get(consent);
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("Approve"), page.body());
    Map<String, String> form = new java.util.LinkedHashMap<>();
    Matcher m = HIDDEN.matcher(page.body());
    while (m.find()) {
      form.put(m.group(1), m.group(2).replace("&amp;", "&"));
    }
    assertTrue(form.containsKey("nonce") && form.containsKey("code_challenge"), form.toString());
    form.put("decision", "approve");
    HttpResponse<String> approved = post(consent, form);
    assertEquals(302, approved.statusCode(), approved.body());
    HttpResponse<String> callback = get(location(approved));
    assertEquals(303, callback.statusCode(), callback.body());
    assertEquals("/", callback.headers().firstValue("Location").orElseThrow());
  }

  @Test
  void signInRelaySignOutAndBackChannelLogout() throws Exception {
    assertEquals(Boolean.FALSE, session().get("signed_in"));
    signIn();
    Map<String, Object> s = session();
    assertEquals(Boolean.TRUE, s.get("signed_in"), s.toString());
    assertEquals("Demo User", s.get("name"));
    assertEquals(DemoProvider.OWNER_ID, s.get("subject"));
    assertEquals(1L, ((Number) stats().get("id_tokens_issued")).longValue());

    // The single-page view's call through the relay.
    HttpResponse<String> api = get(base.resolve("/api/restapi/v1.0/account/~/extension/~"),
        "X-Requested-With", "fetch");
    assertEquals(200, api.statusCode(), api.body());
    assertEquals(DemoProvider.OWNER_ID, JSONObjectUtils.parse(api.body()).get("id"));
    assertEquals(403, get(base.resolve("/api/restapi/v1.0/account/~/extension/~")).statusCode(),
        "no anti-CSRF header, no relay");

    // Sign out: both tokens revoked, the provider's end-session endpoint next.
    HttpResponse<String> out = post(base.resolve("/oauth/logout"),
        Map.of("csrf", (String) s.get("csrf_token")));
    assertEquals(303, out.statusCode(), out.body());
    URI endSession = location(out);
    assertEquals("/demo/oauth/logout", endSession.getPath());
    assertEquals(2L, ((Number) stats().get("revocations")).longValue());
    HttpResponse<String> ended = get(endSession);
    assertTrue(ended.body().contains("Back to the application"), ended.body());
    assertEquals(Boolean.FALSE, session().get("signed_in"));
    assertEquals(401, get(base.resolve("/api/x"), "X-Requested-With", "fetch").statusCode());

    // Signed in again, then the provider ends the session: its logout token reaches the app.
    signIn();
    assertEquals(Boolean.TRUE, session().get("signed_in"));
    HttpResponse<String> control = post(base.resolve("/demo/control/end-session"), Map.of());
    assertEquals(200, control.statusCode(), control.body());
    assertEquals(1L, ((Number) JSONObjectUtils.parse(control.body())
        .get("back_channel_delivered")).longValue(), control.body());
    assertFalse(Boolean.TRUE.equals(session().get("signed_in")));
    assertEquals(401, get(base.resolve("/api/restapi/v1.0/account/~/extension/~"),
        "X-Requested-With", "fetch").statusCode());
  }
}

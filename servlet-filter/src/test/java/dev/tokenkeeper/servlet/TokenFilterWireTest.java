package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filter against a token endpoint on loopback: what it writes when the provider echoes a
 * secret in its {@code error} (issue 8, item 8), and JWT client authentication against a server
 * that, like Spring Authorization Server, requires {@code client_id} with the assertion (item 13).
 */
class TokenFilterWireTest {
  private static final String SECRET = "filter-secret-0123456789-abcdefghij";

  @TempDir Path dir;

  private final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();
  private volatile Function<Map<String, String>, Reply> script;
  private HttpServer server;

  record Reply(int status, String json) {}

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private URI start(Function<Map<String, String>, Reply> script) throws IOException {
    this.script = script;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/oauth2/token");
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    received.add(form);
    Reply reply = script.apply(form);
    byte[] bytes = reply.json().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(reply.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Spring Authorization Server's rule for client assertions: client_id must come with them. */
  private Reply springLike(Map<String, String> form) {
    try {
      String assertion = form.get("client_assertion");
      if (assertion == null) {
        return new Reply(401, "{\"error\":\"invalid_client\"}");
      }
      if (form.get("client_id") == null) {
        return new Reply(400, "{\"error\":\"invalid_request\",\"error_description\":"
            + "\"OAuth 2.0 Parameter: client_id\"}");
      }
      if (!form.get("client_id").equals(SignedJWT.parse(assertion).getJWTClaimsSet().getIssuer())) {
        return new Reply(401, "{\"error\":\"invalid_client\"}");
      }
    } catch (java.text.ParseException e) {
      return new Reply(401, "{\"error\":\"invalid_client\"}");
    }
    return new Reply(200, "{\"access_token\":\"at-" + issued.incrementAndGet()
        + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
  }

  private static FakeHttp pass(TokenFilter filter, boolean[] ran) throws Exception {
    FakeHttp http = new FakeHttp();
    filter.doFilter(http.request(), http.response(), (req, res) -> {
      ran[0] = true;
      TokenContext context = TokenContext.from(req);
      ((jakarta.servlet.http.HttpServletResponse) res).setHeader("X-Token",
          context.token().value());
    });
    return http;
  }

  @Test
  void aSecretEchoedInTheProvidersErrorCodeNeverReachesThe502Body() throws Exception {
    URI tokenUri = start(form -> new Reply(401,
        "{\"error\":\"invalid_client " + SECRET + "\",\"error_description\":\"bad " + SECRET
            + "\"}"));
    try (TokenEndpoint endpoint = TokenEndpoint.builder(tokenUri,
            ClientAuthentication.basic("client-1", SECRET)).build();
        TokenManager manager = TokenManager.builder(endpoint)
            .primaryGrant(Grant.clientCredentials()).build()) {
      TokenFilter filter = new TokenFilter(
          TokenFilterConfig.builder(manager, EndpointIdResolver.fixed("web-1")).build());
      boolean[] ran = {false};

      FakeHttp http = pass(filter, ran);

      assertFalse(ran[0]);
      assertEquals(502, http.status);
      assertFalse(http.body().contains(SECRET), http.body());
      assertFalse(http.body().contains("filter-secret"), http.body());
      assertEquals("{\"error\":\"token_endpoint_error\",\"error_description\":\"The token"
          + " endpoint refused to give a token.\"}", http.body());
    }
  }

  @Test
  void aPlainProviderErrorCodeIsStillPassedOn() throws Exception {
    URI tokenUri = start(form -> new Reply(401, "{\"error\":\"invalid_client\"}"));
    try (TokenEndpoint endpoint = TokenEndpoint.builder(tokenUri,
            ClientAuthentication.basic("client-1", SECRET)).build();
        TokenManager manager = TokenManager.builder(endpoint)
            .primaryGrant(Grant.clientCredentials()).build()) {
      TokenFilter filter = new TokenFilter(
          TokenFilterConfig.builder(manager, EndpointIdResolver.fixed("web-1")).build());

      FakeHttp http = pass(filter, new boolean[1]);

      assertEquals(502, http.status);
      assertEquals("{\"error\":\"token_endpoint_error\",\"error_description\":\"The token"
          + " endpoint refused to give a token.\",\"provider_error\":\"invalid_client\"}",
          http.body());
    }
  }

  private Map<String, String> params(URI tokenUri) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("token-endpoint", tokenUri.toString());
    p.put("client-id", "spring-client");
    p.put("endpoint-id", "fixed:web-1");
    return p;
  }

  private void filterWorksWith(Map<String, String> params) throws Exception {
    TokenFilter filter = new TokenFilter(null, Map.of("TK_SECRET", SECRET)::get);
    filter.init(new FakeFilterConfig(params));
    try {
      boolean[] ran = {false};
      FakeHttp http = pass(filter, ran);

      assertTrue(ran[0], http.status + " " + http.body());
      assertEquals("at-1", http.responseHeaders.get("X-Token"));
      assertEquals(1, received.size());
      assertEquals("spring-client", received.get(0).get("client_id"));
      assertEquals("client_credentials", received.get(0).get("grant_type"));
    } finally {
      filter.destroy();
    }
  }

  @Test
  void withClientSecretJwtTheFilterGetsATokenFromAServerThatRequiresClientId() throws Exception {
    Map<String, String> p = params(start(this::springLike));
    p.put("client-authentication", "client_secret_jwt");
    p.put("client-secret-env", "TK_SECRET");

    filterWorksWith(p);
  }

  @Test
  void withPrivateKeyJwtTheFilterGetsATokenFromAServerThatRequiresClientId() throws Exception {
    Map<String, String> p = params(start(this::springLike));
    p.put("client-authentication", "private_key_jwt");
    p.put("private-key-file",
        TestKeys.write(dir, "client.pem", TestKeys.pkcs8Pem(TestKeys.ec("secp256r1"))).toString());
    p.put("key-id", "k1");

    filterWorksWith(p);
  }
}

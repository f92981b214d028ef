package dev.tokenkeeper.servlet.it;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider on loopback: a token endpoint (RFC 6749) and revocation endpoint (RFC 7009) on one
 * JDK HttpServer, and a resource API on another (a different origin). Tokens are
 * {@code at-<endpoint_id>-<n>}; the API answers 200 with {@code <endpoint_id> <token>} for a live
 * token and 401 for an unknown or revoked one.
 */
public final class FakeProvider implements AutoCloseable {

  /** One request to the token endpoint. */
  public record Received(Map<String, String> form, String authorization) {}

  private final HttpServer tokenServer;
  private final HttpServer apiServer;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicInteger sequence = new AtomicInteger();

  public final List<Received> received = new CopyOnWriteArrayList<>();
  public final Map<String, AtomicInteger> tokenRequests = new ConcurrentHashMap<>();
  public final Map<String, String> accessTokens = new ConcurrentHashMap<>();
  private final Map<String, String> latest = new ConcurrentHashMap<>();
  public final Map<String, String> refreshTokens = new ConcurrentHashMap<>();
  public final Set<String> revoked = ConcurrentHashMap.newKeySet();
  public final List<String> revocationRequests = new CopyOnWriteArrayList<>();
  public final Map<String, AtomicInteger> apiRejections = new ConcurrentHashMap<>();
  public final List<String> apiAuthorizations = new CopyOnWriteArrayList<>();

  /** Extra fields for every token response (session_idle_timeout, …). */
  public final Map<String, Object> extraFields = new ConcurrentHashMap<>();
  public volatile long expiresIn = 3600;
  /** When false, token responses carry no {@code expires_in} (RFC 6749, 5.1 only recommends it). */
  public volatile boolean sendExpiresIn = true;
  /** Keys whose tokens the API rejects with 401 however fresh they are (a wrong audience, say). */
  public final Set<String> rejectEveryTokenOf = ConcurrentHashMap.newKeySet();
  public volatile boolean issueRefreshTokens = true;
  /** When not 0, the token endpoint answers this status with {@link #failError}. */
  public volatile int failStatus;
  public volatile String failError = "temporarily_unavailable";
  public volatile String failRetryAfter;

  public FakeProvider() throws IOException {
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    tokenServer = HttpServer.create(loopback, 0);
    tokenServer.createContext("/oauth/token", this::token);
    tokenServer.createContext("/oauth/revoke", this::revoke);
    tokenServer.setExecutor(executor);
    tokenServer.start();
    apiServer = HttpServer.create(loopback, 0);
    apiServer.createContext("/whoami", this::whoami);
    apiServer.setExecutor(executor);
    apiServer.start();
  }

  public URI tokenUri() {
    return URI.create("http://127.0.0.1:" + tokenServer.getAddress().getPort() + "/oauth/token");
  }

  public URI revocationUri() {
    return URI.create("http://127.0.0.1:" + tokenServer.getAddress().getPort() + "/oauth/revoke");
  }

  /** The API's origin. */
  public URI apiOrigin() {
    return URI.create("http://127.0.0.1:" + apiServer.getAddress().getPort());
  }

  /** The token endpoint's origin: a second origin that is not the API's. */
  public URI otherOrigin() {
    return URI.create("http://127.0.0.1:" + tokenServer.getAddress().getPort());
  }

  public int tokenRequests(String key) {
    AtomicInteger n = tokenRequests.get(key);
    return n == null ? 0 : n.get();
  }

  /** The token endpoint requests (answered or failed) that named {@code key} as endpoint_id. */
  public long sentFor(String key) {
    return received.stream().filter(r -> key.equals(r.form().get("endpoint_id"))).count();
  }

  public int apiRejections(String key) {
    AtomicInteger n = apiRejections.get(key);
    return n == null ? 0 : n.get();
  }

  /** The newest access token issued for {@code key}. */
  public String currentToken(String key) {
    return latest.get(key);
  }

  /** Revokes {@code token} on the provider side, as an admin or a security system would. */
  public void revokeServerSide(String token) {
    revoked.add(token);
  }

  private void token(HttpExchange exchange) throws IOException {
    Map<String, String> form = form(exchange);
    received.add(new Received(form, exchange.getRequestHeaders().getFirst("Authorization")));
    if (failStatus != 0) {
      if (failRetryAfter != null) {
        exchange.getResponseHeaders().set("Retry-After", failRetryAfter);
      }
      json(exchange, failStatus, Map.of("error", failError));
      return;
    }
    String key;
    if ("refresh_token".equals(form.get("grant_type"))) {
      key = refreshTokens.remove(form.getOrDefault("refresh_token", ""));
      if (key == null) {
        json(exchange, 400, Map.of("error", "invalid_grant"));
        return;
      }
    } else {
      key = form.getOrDefault("endpoint_id", "server-generated");
    }
    tokenRequests.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    String accessToken = "at-" + key + "-" + sequence.incrementAndGet();
    accessTokens.put(accessToken, key);
    latest.put(key, accessToken);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("access_token", accessToken);
    body.put("token_type", "bearer");
    if (sendExpiresIn) {
      body.put("expires_in", expiresIn);
    }
    body.put("scope", form.getOrDefault("scope", "Default"));
    body.put("endpoint_id", key);
    if (issueRefreshTokens) {
      String refreshToken = "rt-" + key + "-" + sequence.incrementAndGet();
      refreshTokens.put(refreshToken, key);
      body.put("refresh_token", refreshToken);
      body.put("refresh_token_expires_in", 604800);
    }
    body.putAll(extraFields);
    json(exchange, 200, body);
  }

  private void revoke(HttpExchange exchange) throws IOException {
    Map<String, String> form = form(exchange);
    String token = form.get("token");
    revocationRequests.add(token);
    revoked.add(token);
    exchange.sendResponseHeaders(200, -1);
    exchange.close();
  }

  private void whoami(HttpExchange exchange) throws IOException {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    apiAuthorizations.add(String.valueOf(authorization));
    String token = authorization != null && authorization.startsWith("Bearer ")
        ? authorization.substring(7) : null;
    String key = token == null ? null : accessTokens.get(token);
    if (key == null || revoked.contains(token) || rejectEveryTokenOf.contains(key)) {
      if (key != null) {
        apiRejections.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      }
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      byte[] body = "unauthorized".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(401, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
      return;
    }
    byte[] body = (key + " " + token).getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static Map<String, String> form(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      form.put(name, value);
    }
    return form;
  }

  private static void json(HttpExchange exchange, int status, Map<String, ?> body)
      throws IOException {
    byte[] bytes = JSONObjectUtils.toJSONString(new LinkedHashMap<String, Object>(body))
        .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    tokenServer.stop(0);
    apiServer.stop(0);
    executor.shutdownNow();
  }
}

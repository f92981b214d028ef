package dev.tokenkeeper.redis.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A token endpoint that rotates single-use refresh tokens as RingCentral does (without the grace
 * period): every refresh answers a new access token and a new refresh token, and the refresh
 * token sent is dead from then on; sending it again gets {@code 400 invalid_grant}, and is
 * counted as a reuse. {@code client_credentials} starts a new token family. It counts every
 * request and records when each arrived, as the provider would measure a rate limit. A test may
 * hold refreshes (a slow provider), be told when one arrives, or drop a held one unprocessed (its
 * sender died before the provider read it).
 *
 * <p>Thread-safe.
 */
public final class RotatingProvider implements AutoCloseable {
  /** One token request as the provider saw it. */
  public record Arrival(long nanoTime, String grant, String key, String refreshToken,
      boolean refused, String client) {}

  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(32);
  private final int expiresIn;
  private final List<Arrival> arrivals = new ArrayList<>();
  /** Per key: the live refresh token and the generation. */
  private final Map<String, String> liveRefreshToken = new HashMap<>();
  private final Map<String, Integer> generation = new HashMap<>();
  private final Set<String> deadRefreshTokens = new HashSet<>();
  private final Map<String, Integer> presented = new HashMap<>();
  private volatile long holdRefreshMillis;
  private volatile CountDownLatch refreshGate;
  private volatile Consumer<Arrival> onArrival = a -> {};
  private volatile boolean dropHeld;
  private volatile CountDownLatch answerGate;
  private volatile CountDownLatch answersHeld;
  private final List<Revocation> revocations = new ArrayList<>();
  private final Set<String> revoked = new HashSet<>();
  private int refreshesWithRevoked;

  public RotatingProvider(int expiresInSeconds) throws IOException {
    this.expiresIn = expiresInSeconds;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(pool);
    server.createContext("/token", this::handle);
    server.createContext("/revoke", this::revoke);
    server.start();
  }

  public URI tokenUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
  }

  /** The RFC 7009 revocation endpoint: a revoked refresh token is dead from then on. */
  public URI revocationUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/revoke");
  }

  /** One revocation request as the provider saw it. */
  public record Revocation(long nanoTime, String token, String hint) {}

  /** The revocation requests, in the order they arrived. */
  public synchronized List<Revocation> revocations() {
    return List.copyOf(revocations);
  }

  /**
   * Refresh requests that presented a refresh token after it had been revoked (RFC 7009): each
   * is a token sent after revocation.
   */
  public synchronized int refreshesWithRevokedTokens() {
    return refreshesWithRevoked;
  }

  /** Holds every refresh this long before processing it (a slow provider). */
  public void holdRefreshes(long millis) {
    this.holdRefreshMillis = millis;
  }

  /** Holds every refresh until {@code gate} opens, then processes it (or drops it, see below). */
  public void gateRefreshes(CountDownLatch gate) {
    this.refreshGate = gate;
  }

  /**
   * Processes every refresh at once (the refresh token rotates), then holds its answer until
   * {@code gate} opens, counting {@code held} down when it starts holding: an answer that reaches
   * its instance late.
   */
  public void gateAnswers(CountDownLatch gate, CountDownLatch held) {
    this.answerGate = gate;
    this.answersHeld = held;
  }

  /** Refreshes held at the gate are dropped unprocessed when it opens: their sender died. */
  public void dropHeldRefreshes() {
    this.dropHeld = true;
  }

  /** Told of every request when it arrives, before it is processed. */
  public void onArrival(Consumer<Arrival> listener) {
    this.onArrival = listener;
  }

  public synchronized List<Arrival> arrivals() {
    return List.copyOf(arrivals);
  }

  public synchronized int requests() {
    return arrivals.size();
  }

  public synchronized int refreshes() {
    return (int) arrivals.stream().filter(a -> a.grant.equals("refresh_token") && !a.refused)
        .count();
  }

  /** Refresh requests refused with invalid_grant (a dead or unknown refresh token sent). */
  public synchronized int invalidGrants() {
    return (int) arrivals.stream().filter(Arrival::refused).count();
  }

  /** Refresh tokens the provider saw more than once. */
  public synchronized List<String> reusedRefreshTokens() {
    List<String> reused = new ArrayList<>();
    presented.forEach((rt, n) -> {
      if (n > 1) {
        reused.add(rt);
      }
    });
    return reused;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(),
          StandardCharsets.UTF_8));
      String grant = form.getOrDefault("grant_type", "");
      String key = form.getOrDefault("endpoint_id", "default");
      String rt = form.get("refresh_token");
      String client = client(exchange.getRequestHeaders().getFirst("Authorization"));
      synchronized (this) {
        if (rt != null && revoked.contains(rt)) {
          refreshesWithRevoked++; // sent after its revocation
        }
      }
      onArrival.accept(new Arrival(System.nanoTime(), grant, key, rt, false, client));
      if (grant.equals("refresh_token")) {
        CountDownLatch gate = refreshGate;
        if (gate != null) {
          gate.await(30, TimeUnit.SECONDS);
          if (dropHeld) {
            exchange.sendResponseHeaders(503, -1);
            return;
          }
        }
        long hold = holdRefreshMillis;
        if (hold > 0) {
          Thread.sleep(hold); // the provider being slow is what this fixture plays
        }
      }
      String body;
      int status = 200;
      synchronized (this) {
        long now = System.nanoTime();
        if (grant.equals("client_credentials")) {
          body = issue(key);
          arrivals.add(new Arrival(now, grant, key, null, false, client));
        } else if (grant.equals("refresh_token")) {
          presented.merge(rt, 1, Integer::sum);
          if (rt != null && rt.equals(liveRefreshToken.get(key)) && !revoked.contains(rt)) {
            deadRefreshTokens.add(rt);
            body = issue(key);
            arrivals.add(new Arrival(now, grant, key, rt, false, client));
          } else {
            status = 400;
            body = "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token is"
                + " invalid or was already used\"}";
            arrivals.add(new Arrival(now, grant, key, rt, true, client));
          }
        } else {
          status = 400;
          body = "{\"error\":\"unsupported_grant_type\"}";
        }
      }
      CountDownLatch answers = answerGate;
      if (answers != null && grant.equals("refresh_token")) {
        CountDownLatch held = answersHeld;
        if (held != null) {
          held.countDown();
        }
        answers.await(30, TimeUnit.SECONDS);
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away (a killed instance): nothing to answer
    }
  }

  private void revoke(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(),
          StandardCharsets.UTF_8));
      String token = form.get("token");
      synchronized (this) {
        revocations.add(new Revocation(System.nanoTime(), token, form.get("token_type_hint")));
        if (token != null) {
          revoked.add(token);
        }
      }
      exchange.sendResponseHeaders(200, -1); // RFC 7009, section 2.2: 200, body ignored
    }
  }

  private String issue(String key) {
    int n = generation.merge(key, 1, Integer::sum);
    String rt = "RT-" + key + "-" + n;
    liveRefreshToken.put(key, rt);
    return "{\"access_token\":\"AT-" + key + "-" + n + "\",\"token_type\":\"Bearer\","
        + "\"expires_in\":" + expiresIn + ",\"refresh_token\":\"" + rt + "\"}";
  }

  /** The client id of an HTTP Basic {@code Authorization} header, or {@code ""}. */
  private static String client(String authorization) {
    if (authorization == null || !authorization.startsWith("Basic ")) {
      return "";
    }
    String decoded = new String(java.util.Base64.getDecoder().decode(authorization.substring(6)),
        StandardCharsets.UTF_8);
    int colon = decoded.indexOf(':');
    return URLDecoder.decode(colon < 0 ? decoded : decoded.substring(0, colon),
        StandardCharsets.UTF_8);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}

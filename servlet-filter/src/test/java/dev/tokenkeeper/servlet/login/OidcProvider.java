package dev.tokenkeeper.servlet.login;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenID Connect provider on loopback for the login tests: discovery (both well-known
 * documents), JWKS, an authorization endpoint that approves at once (or answers an error), PAR,
 * a token endpoint (authorization_code with PKCE, refresh_token) that signs ID tokens, RFC 7009
 * revocation, an end-session endpoint, and a resource API. What the ID token looks like is up
 * to the test ({@link #idTokenMode}).
 */
public final class OidcProvider implements AutoCloseable {
  public static final String CLIENT_ID = "web-app";
  public static final String CLIENT_SECRET = "web-app-secret";

  /** How the next ID tokens are made. */
  public enum IdTokenMode {
    GOOD, BAD_SIGNATURE, ALG_NONE, HMAC_WITH_PUBLIC_KEY, WRONG_ISSUER, WRONG_AUDIENCE,
    WRONG_NONCE, EXPIRED, UNKNOWN_KID, NONE
  }

  public record Code(String clientId, String redirectUri, String challenge, String nonce,
      String subject, String sid) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Clock clock;
  private final AtomicInteger sequence = new AtomicInteger();
  private volatile RSAKey signingKey;
  private volatile List<RSAKey> published;

  public volatile IdTokenMode idTokenMode = IdTokenMode.GOOD;
  /** When not null, the authorization endpoint redirects back with this error. */
  public volatile String authorizeError;
  public volatile boolean advertisePar;
  public volatile boolean failToken;
  public volatile boolean failPar;
  public volatile boolean failDiscovery;
  /** False: only the RFC 8414 document is served. */
  public volatile boolean oidcDiscovery = true;
  public volatile String issuerOverride;
  public volatile String nextSubject = "alice";
  public volatile Map<String, Object> extraTokenFields = new ConcurrentHashMap<>();

  public final List<Map<String, String>> authorizeRequests = new CopyOnWriteArrayList<>();
  public final List<Map<String, String>> parRequests = new CopyOnWriteArrayList<>();
  public final List<Map<String, String>> tokenRequests = new CopyOnWriteArrayList<>();
  public final List<Map<String, String>> revocations = new CopyOnWriteArrayList<>();
  public final List<String> endSessionRequests = new CopyOnWriteArrayList<>();
  public final AtomicInteger jwksRequests = new AtomicInteger();
  public final AtomicInteger discoveryRequests = new AtomicInteger();
  private final Map<String, Code> codes = new ConcurrentHashMap<>();
  private final Map<String, Map<String, String>> parStore = new ConcurrentHashMap<>();
  /** access token → subject; only live (not revoked) tokens. */
  public final Map<String, String> liveAccessTokens = new ConcurrentHashMap<>();
  private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();
  public final Set<String> revoked = ConcurrentHashMap.newKeySet();

  public OidcProvider(Clock clock) throws Exception {
    this.clock = clock;
    this.signingKey = newKey();
    this.published = List.of(signingKey);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/.well-known/openid-configuration", ex -> {
      if (oidcDiscovery) {
        discovery(ex);
      } else {
        ex.sendResponseHeaders(404, -1);
        ex.close();
      }
    });
    server.createContext("/.well-known/oauth-authorization-server", this::discovery);
    server.createContext("/authorize", this::authorize);
    server.createContext("/par", this::par);
    server.createContext("/token", this::token);
    server.createContext("/revoke", this::revoke);
    server.createContext("/jwks", this::jwks);
    server.createContext("/end-session", this::endSession);
    server.createContext("/api", this::api);
    server.setExecutor(executor);
    server.start();
  }

  static RSAKey newKey() throws Exception {
    return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
  }

  public URI issuer() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public URI uri(String path) {
    return URI.create(issuer() + path);
  }

  /** A new signing key; the JWKS publishes only it (the old one is gone). */
  public void rotateKeys() throws Exception {
    signingKey = newKey();
    published = List.of(signingKey);
  }

  public RSAKey signingKey() {
    return signingKey;
  }

  // ---- endpoints ------------------------------------------------------------------------

  private void discovery(HttpExchange ex) throws IOException {
    discoveryRequests.incrementAndGet();
    if (failDiscovery) {
      ex.sendResponseHeaders(503, -1);
      ex.close();
      return;
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("issuer", issuerOverride != null ? issuerOverride : issuer().toString());
    doc.put("authorization_endpoint", uri("/authorize").toString());
    doc.put("token_endpoint", uri("/token").toString());
    doc.put("jwks_uri", uri("/jwks").toString());
    doc.put("revocation_endpoint", uri("/revoke").toString());
    doc.put("end_session_endpoint", uri("/end-session").toString());
    if (advertisePar) {
      doc.put("pushed_authorization_request_endpoint", uri("/par").toString());
    }
    doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
    doc.put("backchannel_logout_supported", true);
    json(ex, 200, doc);
  }

  private void jwks(HttpExchange ex) throws IOException {
    jwksRequests.incrementAndGet();
    json(ex, 200, new JWKSet(List.copyOf(published)).toPublicJWKSet().toJSONObject());
  }

  private void authorize(HttpExchange ex) throws IOException {
    Map<String, String> q = query(ex.getRequestURI().getRawQuery());
    authorizeRequests.add(q);
    if (q.containsKey("request_uri")) {
      Map<String, String> pushed = parStore.remove(q.get("request_uri"));
      if (pushed == null) {
        redirect(ex, null);
        return;
      }
      q = pushed;
    }
    String redirectUri = q.get("redirect_uri");
    String state = q.get("state");
    if (authorizeError != null) {
      redirect(ex, redirectUri + "?error=" + authorizeError + "&state=" + enc(state));
      return;
    }
    String code = "code-" + sequence.incrementAndGet();
    codes.put(code, new Code(q.get("client_id"), redirectUri, q.get("code_challenge"),
        q.get("nonce"), nextSubject, "sid-" + nextSubject + "-" + sequence.incrementAndGet()));
    redirect(ex, redirectUri + "?code=" + enc(code) + "&state=" + enc(state));
  }

  private void par(HttpExchange ex) throws IOException {
    Map<String, String> form = query(body(ex));
    if (failPar) {
      json(ex, 400, Map.of("error", "invalid_request", "error_description", "no"));
      return;
    }
    form.put("authorization", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
    parRequests.add(form);
    String requestUri = "urn:ietf:params:oauth:request_uri:" + sequence.incrementAndGet();
    parStore.put(requestUri, form);
    json(ex, 201, Map.of("request_uri", requestUri, "expires_in", 60));
  }

  private void token(HttpExchange ex) throws IOException {
    Map<String, String> form = query(body(ex));
    tokenRequests.add(form);
    if (failToken) {
      json(ex, 400, Map.of("error", "invalid_grant"));
      return;
    }
    String grant = form.get("grant_type");
    if ("authorization_code".equals(grant)) {
      Code code = codes.remove(String.valueOf(form.get("code")));
      if (code == null || !code.redirectUri().equals(form.get("redirect_uri"))
          || !s256(String.valueOf(form.get("code_verifier"))).equals(code.challenge())) {
        json(ex, 400, Map.of("error", "invalid_grant"));
        return;
      }
      json(ex, 200, tokens(code.subject(), code, form.get("endpoint_id")));
    } else if ("refresh_token".equals(grant)) {
      String subject = refreshTokens.remove(String.valueOf(form.get("refresh_token")));
      if (subject == null || revoked.contains(form.get("refresh_token"))) {
        json(ex, 400, Map.of("error", "invalid_grant"));
        return;
      }
      json(ex, 200, tokens(subject, null, form.get("endpoint_id")));
    } else {
      json(ex, 400, Map.of("error", "unsupported_grant_type"));
    }
  }

  private Map<String, Object> tokens(String subject, Code code, String endpointId) {
    int n = sequence.incrementAndGet();
    String at = "at-" + subject + "-" + n;
    String rt = "rt-" + subject + "-" + n;
    liveAccessTokens.put(at, subject);
    refreshTokens.put(rt, subject);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("access_token", at);
    body.put("token_type", "Bearer");
    body.put("expires_in", 3600);
    body.put("refresh_token", rt);
    if (endpointId != null) {
      body.put("endpoint_id", endpointId);
    }
    if (code != null && idTokenMode != IdTokenMode.NONE) {
      body.put("id_token", idToken(subject, code));
    }
    body.putAll(extraTokenFields);
    return body;
  }

  private String idToken(String subject, Code code) {
    Instant now = clock.instant();
    JWTClaimsSet.Builder c = new JWTClaimsSet.Builder()
        .issuer(issuer().toString())
        .subject(subject)
        .audience(CLIENT_ID)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofMinutes(10))))
        .claim("sid", code.sid())
        .claim("name", "User " + subject);
    if (code.nonce() != null) {
      c.claim("nonce", code.nonce());
    }
    switch (idTokenMode) {
      case WRONG_ISSUER -> c.issuer("http://evil.example");
      case WRONG_AUDIENCE -> c.audience("another-client");
      case WRONG_NONCE -> c.claim("nonce", "not-the-nonce");
      case EXPIRED -> c.issueTime(Date.from(now.minus(Duration.ofHours(2))))
          .expirationTime(Date.from(now.minus(Duration.ofHours(1))));
      default -> { }
    }
    return sign(c.build());
  }

  /** Signs {@code claims} as the current mode says (GOOD etc.). */
  public String sign(JWTClaimsSet claims) {
    try {
      switch (idTokenMode) {
        case ALG_NONE:
          return new PlainJWT(claims).serialize();
        case HMAC_WITH_PUBLIC_KEY: {
          // The "key confusion" attack: HS256 keyed with the RSA public key's encoding.
          SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256)
              .keyID(signingKey.getKeyID()).build(), claims);
          byte[] secret = signingKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
          jwt.sign(new MACSigner(secret));
          return jwt.serialize();
        }
        case BAD_SIGNATURE: {
          SignedJWT jwt = new SignedJWT(header(signingKey.getKeyID()), claims);
          jwt.sign(new RSASSASigner(newKey())); // another key, same kid
          return jwt.serialize();
        }
        case UNKNOWN_KID: {
          SignedJWT jwt = new SignedJWT(header("no-such-kid"), claims);
          jwt.sign(new RSASSASigner(newKey()));
          return jwt.serialize();
        }
        default: {
          SignedJWT jwt = new SignedJWT(header(signingKey.getKeyID()), claims);
          jwt.sign(new RSASSASigner(signingKey));
          return jwt.serialize();
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JWSHeader header(String kid) {
    return new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).type(JOSEObjectType.JWT).build();
  }

  /** A back-channel logout token for {@code subject}/{@code sid}, signed by the current key. */
  public String logoutToken(String subject, String sid, String jti) {
    JWTClaimsSet.Builder c = new JWTClaimsSet.Builder()
        .issuer(issuer().toString())
        .audience(CLIENT_ID)
        .issueTime(Date.from(clock.instant()))
        .expirationTime(Date.from(clock.instant().plus(Duration.ofMinutes(2))))
        .jwtID(jti)
        .claim("events", Map.of("http://schemas.openid.net/event/backchannel-logout", Map.of()));
    if (subject != null) {
      c.subject(subject);
    }
    if (sid != null) {
      c.claim("sid", sid);
    }
    return sign(c.build());
  }

  private void revoke(HttpExchange ex) throws IOException {
    Map<String, String> form = query(body(ex));
    revocations.add(form);
    String token = form.get("token");
    revoked.add(token);
    liveAccessTokens.remove(token);
    refreshTokens.remove(token);
    ex.sendResponseHeaders(200, -1);
    ex.close();
  }

  private void endSession(HttpExchange ex) throws IOException {
    endSessionRequests.add(ex.getRequestURI().getRawQuery());
    byte[] b = "signed out".getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private void api(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "";
    String subject = liveAccessTokens.get(token);
    if (subject == null) {
      ex.sendResponseHeaders(401, -1);
      ex.close();
      return;
    }
    byte[] b = ("hello " + subject).getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  // ---- plumbing -------------------------------------------------------------------------

  static String s256(String verifier) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256")
          .digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64URL.encode(d).toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(String.valueOf(s), StandardCharsets.UTF_8);
  }

  private static String body(HttpExchange ex) throws IOException {
    return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
  }

  public static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return out;
  }

  private static void redirect(HttpExchange ex, String location) throws IOException {
    if (location == null) {
      ex.sendResponseHeaders(400, -1);
      ex.close();
      return;
    }
    ex.getResponseHeaders().set("Location", location);
    ex.sendResponseHeaders(302, -1);
    ex.close();
  }

  private static void json(HttpExchange ex, int status, Map<String, ?> body) throws IOException {
    byte[] b = JSONObjectUtils.toJSONString(new LinkedHashMap<String, Object>(body))
        .getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  static String basic() {
    return "Basic " + Base64.getEncoder().encodeToString(
        (CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
  }
}

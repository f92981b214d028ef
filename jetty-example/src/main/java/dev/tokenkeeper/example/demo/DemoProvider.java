package dev.tokenkeeper.example.demo;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An OAuth 2.0 authorization server and resource server in one object, speaking the dialect of
 * RingCentral's token API ({@code POST /restapi/oauth/token}): its token request form and its
 * {@code TokenInfo} answer, its {@code endpoint_id} rule, and HTTP Basic client authentication
 * with the {@code client_id}/{@code client_secret} body alternative.
 *
 * <p>Thread-safe: every operation holds this object's lock; none does I/O. Time comes from the
 * injected {@link Clock}, so tests drive lifetimes without sleeping.
 *
 * <p>Rules it enforces, so that a client's mistakes show:
 *
 * <ul>
 *   <li>refresh tokens are single-use and rotate; presenting a used one is {@code invalid_grant} and
 *       ends the whole session (RFC 9700 section 4.14.2, refresh token rotation);
 *   <li>a session ends when its tokens go unused for {@code session_idle_timeout} or when its
 *       absolute lifetime is over; its tokens then fail at the API and its refresh token fails
 *       with {@code invalid_grant};
 *   <li>authorization codes are single-use, bound to the {@code redirect_uri} and, when a
 *       {@code code_challenge} was sent, to the PKCE verifier (RFC 7636 section 4.6).
 * </ul>
 */
public final class DemoProvider {

  /** The one registered client. */
  public static final String CLIENT_ID = "demo-client";

  /** Its secret: a demo value, printed on the status page; never use it anywhere real. */
  public static final String CLIENT_SECRET = "demo-client-secret";

  /** The demo user, an E.164 phone number as RingCentral usernames are. */
  public static final String USERNAME = "+16505550100";

  /** The demo user's password: a demo value. */
  public static final String PASSWORD = "demo-password";

  /** The demo user's extension id, sent back as {@code owner_id}. */
  public static final String OWNER_ID = "400131459008";

  /** The owner of client_credentials tokens: the application itself. */
  public static final String APP_OWNER_ID = "app-" + CLIENT_ID;

  /** Every scope the demo client may ask for. */
  public static final String SCOPES = "ReadAccounts ReadCallLog";

  public static final String GRANT_PASSWORD = "password";
  public static final String GRANT_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  public static final String GRANT_CLIENT_CREDENTIALS = "client_credentials";
  public static final String GRANT_REFRESH_TOKEN = "refresh_token";
  public static final String GRANT_AUTHORIZATION_CODE = "authorization_code";

  /** RingCentral's token API: {@code endpoint_id} must match this pattern. */
  private static final Pattern ENDPOINT_ID = Pattern.compile("[a-zA-Z0-9_\\-]{1,64}");

  private static final Duration CODE_TTL = Duration.ofSeconds(60);
  /** Expired tokens are kept this long so that the API can say "expired" instead of "unknown". */
  private static final Duration GRACE = Duration.ofMinutes(10);
  private static final int MAX_ENTRIES = 10_000;
  private static final int MAX_LOGGED_ENDPOINTS = 50;
  private static final int MAX_LOGGED_REQUESTS = 100;

  private final DemoSettings settings;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final byte[] jwtKey = new byte[32];
  private final DemoOpenId openId = new DemoOpenId();
  /** Logout tokens for the client's back-channel, waiting to be sent outside the lock. */
  private final java.util.List<String> logoutTokens = new java.util.ArrayList<>();

  private final Map<String, Session> sessions = new HashMap<>();
  private final Map<String, IssuedToken> accessTokens = new HashMap<>();
  private final Map<String, IssuedRefreshToken> refreshTokens = new HashMap<>();
  private final Map<String, IssuedCode> codes = new HashMap<>();

  private final Map<String, java.util.Deque<Map<String, Object>>> requestLog = new LinkedHashMap<>();
  private final Map<String, Long> tokenRequestsByGrant = new TreeMap<>();
  private final Map<String, Long> apiRejectionsByReason = new TreeMap<>();
  private long tokensIssued;
  private long refreshes;
  private long refreshReuse;
  private long invalidGrant;
  private long invalidClient;
  private long unavailable;
  private long apiCalls;
  private long apiOk;
  private long rejectedByControl;
  private long idTokensIssued;
  private long revocations;
  private long endSessionRequests;
  private long backChannelLogouts;
  private Instant failingUntil;
  /** When the token requests inside the rate limit's window were admitted, oldest first. */
  private final java.util.Deque<Instant> admitted = new java.util.ArrayDeque<>();
  private long rateLimited;
  /** The most token requests admitted in any one window so far: the limit must hold it. */
  private long mostInOneWindow;

  public DemoProvider(DemoSettings settings, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    random.nextBytes(jwtKey);
  }

  public DemoSettings settings() {
    return settings;
  }

  /** The OpenID Connect side: issuer, keys, discovery, ID and logout tokens. */
  public DemoOpenId openId() {
    return openId;
  }

  /** An HTTP answer: status, extra headers and a JSON object body. Immutable (copies both maps). */
  public record Reply(int status, Map<String, String> headers, Map<String, Object> json) {
    public Reply {
      headers = Map.copyOf(headers);
      json = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(json));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Token endpoint (RFC 6749 section 3.2)

  /**
   * Answers a token request.
   *
   * @param form the decoded {@code application/x-www-form-urlencoded} body, as
   *     {@code ServletRequest#getParameterMap()} gives it
   * @param authorization the {@code Authorization} header, or {@code null}
   */
  public synchronized Reply token(Map<String, String[]> form, String authorization) {
    Instant now = clock.instant();
    Reply reply = answer(form, authorization, now);
    log(form, reply, now);
    return reply;
  }

  private Reply answer(Map<String, String[]> form, String authorization, Instant now) {
    String grantType = first(form, "grant_type");
    count(tokenRequestsByGrant, grantType == null ? "(none)" : grantType);

    Reply limited = rateLimit(now);
    if (limited != null) {
      return limited;
    }

    if (failingUntil != null && now.isBefore(failingUntil)) {
      unavailable++;
      long left = Duration.between(now, failingUntil).toSeconds() + 1;
      long retryAfter = Math.max(1, Math.min(left, settings.retryAfter().toSeconds()));
      return new Reply(
          503,
          Map.of("Retry-After", Long.toString(retryAfter)),
          error("temporarily_unavailable", "The demo token endpoint was told to fail for a while"));
    }
    for (Map.Entry<String, String[]> e : form.entrySet()) {
      if (e.getValue().length > 1) {
        // RFC 6749 section 3.2: parameters MUST NOT be included more than once.
        return badRequest("invalid_request", e.getKey() + " was sent more than once");
      }
    }

    Reply clientError = authenticateClient(form, authorization);
    if (clientError != null) {
      invalidClient++;
      return clientError;
    }
    if (grantType == null || grantType.isEmpty()) {
      return badRequest("invalid_request", "grant_type is required");
    }

    String endpointId = first(form, "endpoint_id");
    if (endpointId != null && !ENDPOINT_ID.matcher(endpointId).matches()) {
      return badRequest("invalid_request", "endpoint_id must match [a-zA-Z0-9_\\-]{1,64}");
    }
    Duration accessTtl;
    Duration refreshTtl;
    try {
      accessTtl = requestedTtl(form, "access_token_ttl", settings.tokenTtl(), Duration.ofSeconds(5));
      refreshTtl = requestedTtl(form, "refresh_token_ttl", settings.refreshTtl(), Duration.ZERO);
    } catch (IllegalArgumentException e) {
      return badRequest("invalid_request", e.getMessage());
    }

    purge(now);
    switch (grantType) {
      case GRANT_PASSWORD:
        return passwordGrant(form, endpointId, accessTtl, refreshTtl, now);
      case GRANT_JWT_BEARER:
        return jwtBearerGrant(form, endpointId, accessTtl, refreshTtl, now);
      case GRANT_CLIENT_CREDENTIALS:
        return clientCredentialsGrant(form, endpointId, accessTtl, now);
      case GRANT_AUTHORIZATION_CODE:
        return authorizationCodeGrant(form, endpointId, accessTtl, refreshTtl, now);
      case GRANT_REFRESH_TOKEN:
        return refreshTokenGrant(form, accessTtl, refreshTtl, now);
      default:
        return badRequest(
            "unsupported_grant_type",
            "grant_type " + grantType + " is not supported by the demo provider; use password, "
                + GRANT_JWT_BEARER + ", client_credentials, authorization_code or refresh_token");
    }
  }

  /**
   * RingCentral-style rate limiting of the token endpoint: at most {@code requests} admitted in
   * any window; past it, 429 with {@code Retry-After} (whole seconds until the oldest admitted
   * request leaves the window) and RingCentral's {@code X-Rate-Limit-*} headers. A refused
   * request is not admitted, so it does not extend the wait.
   */
  private Reply rateLimit(Instant now) {
    DemoSettings.RateLimit limit = settings.rateLimit();
    if (limit == null) {
      return null;
    }
    while (!admitted.isEmpty() && !now.isBefore(admitted.peekFirst().plus(limit.window()))) {
      admitted.removeFirst();
    }
    long windowSeconds = Math.max(1, limit.window().toSeconds());
    if (admitted.size() >= limit.requests()) {
      rateLimited++;
      Duration left = Duration.between(now, admitted.peekFirst().plus(limit.window()));
      long retryAfter = Math.max(1, (left.toMillis() + 999) / 1000);
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("Retry-After", Long.toString(retryAfter));
      headers.put("X-Rate-Limit-Group", "auth");
      headers.put("X-Rate-Limit-Limit", Integer.toString(limit.requests()));
      headers.put("X-Rate-Limit-Remaining", "0");
      headers.put("X-Rate-Limit-Window", Long.toString(windowSeconds));
      return new Reply(429, headers, error("rate_limit_exceeded", "Request rate exceeded: at"
          + " most " + limit + " token requests; retry after " + retryAfter + " s"));
    }
    admitted.addLast(now);
    mostInOneWindow = Math.max(mostInOneWindow, admitted.size());
    return null;
  }

  private Reply passwordGrant(
      Map<String, String[]> form, String endpointId, Duration accessTtl, Duration refreshTtl,
      Instant now) {
    String username = first(form, "username");
    String password = first(form, "password");
    if (username == null || password == null) {
      return badRequest("invalid_request", "username and password are required for grant_type password");
    }
    // RingCentral's token API: the username is an E.164 number "with or without leading + sign".
    // Trimmed: an unencoded "+" in a form body (curl -d) arrives as a space.
    String trimmed = username.trim();
    String normalized = trimmed.startsWith("+") ? trimmed : "+" + trimmed;
    if (!normalized.equals(USERNAME) || !constantTimeEquals(password, PASSWORD)) {
      return invalidGrant("Invalid resource owner credentials");
    }
    return startSession(form, OWNER_ID, endpointId, accessTtl, refreshTtl, now);
  }

  private Reply jwtBearerGrant(
      Map<String, String[]> form, String endpointId, Duration accessTtl, Duration refreshTtl,
      Instant now) {
    String assertion = first(form, "assertion");
    if (assertion == null) {
      return badRequest("invalid_request", "assertion is required for grant_type " + GRANT_JWT_BEARER);
    }
    String subject;
    try {
      SignedJWT jwt = SignedJWT.parse(assertion);
      if (!jwt.verify(new MACVerifier(jwtKey))) {
        return invalidGrant("The assertion's signature does not verify");
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Date exp = claims.getExpirationTime();
      if (exp != null && !now.isBefore(exp.toInstant())) {
        return invalidGrant("The assertion has expired");
      }
      subject = claims.getSubject();
    } catch (ParseException | JOSEException e) {
      return invalidGrant("The assertion is not a JWT issued by the demo provider");
    }
    if (!OWNER_ID.equals(subject)) {
      return invalidGrant("The assertion's subject is not a known user");
    }
    return startSession(form, OWNER_ID, endpointId, accessTtl, refreshTtl, now);
  }

  /** A new provider session for {@code ownerId} with the requested (or default) scope. */
  private Reply startSession(Map<String, String[]> form, String ownerId, String endpointId,
      Duration accessTtl, Duration refreshTtl, Instant now) {
    String scope;
    try {
      scope = grantedScope(first(form, "scope"), SCOPES);
    } catch (IllegalArgumentException e) {
      return badRequest("invalid_scope", e.getMessage());
    }
    Session session = newSession(ownerId, endpointId, scope, now);
    return issue(session, scope, accessTtl, refreshTtl, now);
  }

  private Reply clientCredentialsGrant(
      Map<String, String[]> form, String endpointId, Duration accessTtl, Instant now) {
    // RFC 6749 section 4.4.3: a refresh token SHOULD NOT be included.
    return startSession(form, APP_OWNER_ID, endpointId, accessTtl, Duration.ZERO, now);
  }

  private Reply authorizationCodeGrant(
      Map<String, String[]> form, String endpointId, Duration accessTtl, Duration refreshTtl,
      Instant now) {
    String value = first(form, "code");
    if (value == null) {
      return badRequest("invalid_request", "code is required for grant_type authorization_code");
    }
    IssuedCode code = codes.get(value);
    if (code == null) {
      return invalidGrant("Unknown authorization code");
    }
    if (code.used) {
      // RFC 6749 section 4.1.2: a code used twice revokes the tokens issued for it.
      if (code.session != null) {
        endSession(code.session, "authorization code reused");
      }
      return invalidGrant("The authorization code was already used");
    }
    code.used = true;
    if (!now.isBefore(code.expiresAt)) {
      return invalidGrant("The authorization code has expired");
    }
    if (!Objects.equals(code.redirectUri, first(form, "redirect_uri"))) {
      return invalidGrant("redirect_uri does not match the one of the authorization request");
    }
    if (code.codeChallenge != null) {
      String verifier = first(form, "code_verifier");
      if (verifier == null) {
        return invalidGrant("code_verifier is required: the authorization request had a code_challenge");
      }
      String expected = "S256".equals(code.challengeMethod) ? s256(verifier) : verifier;
      if (!constantTimeEquals(expected, code.codeChallenge)) {
        return invalidGrant("code_verifier does not match the code_challenge");
      }
    }
    Session session =
        newSession(OWNER_ID, endpointId != null ? endpointId : code.endpointId, code.scope, now);
    session.signedIn = true;
    code.session = session;
    Reply reply = issue(session, code.scope, accessTtl, refreshTtl, now);
    if (!code.openid) {
      return reply;
    }
    // OpenID Connect Core 1.0, section 3.1.3.3: the ID token comes with the code's tokens.
    Map<String, Object> json = new LinkedHashMap<>(reply.json());
    json.put("scope", "openid " + code.scope);
    json.put("id_token", openId.idToken(OWNER_ID, session.id, code.nonce, now));
    idTokensIssued++;
    return new Reply(reply.status(), reply.headers(), json);
  }

  private Reply refreshTokenGrant(
      Map<String, String[]> form, Duration accessTtl, Duration refreshTtl, Instant now) {
    String value = first(form, "refresh_token");
    if (value == null) {
      return badRequest("invalid_request", "refresh_token is required for grant_type refresh_token");
    }
    IssuedRefreshToken presented = refreshTokens.get(value);
    if (presented == null) {
      return invalidGrant("Unknown refresh token");
    }
    Session session = presented.session;
    if (presented.used) {
      refreshReuse++;
      endSession(session, "refresh token reused");
      return invalidGrant("The refresh token was already used; the session has been revoked");
    }
    if (!now.isBefore(presented.expiresAt)) {
      return invalidGrant("The refresh token has expired");
    }
    String ended = endReason(session, now);
    if (ended != null) {
      return invalidGrant("The session has ended (" + ended + "); sign in again");
    }
    String scope;
    try {
      scope = grantedScope(first(form, "scope"), presented.scope);
    } catch (IllegalArgumentException e) {
      return badRequest("invalid_scope", e.getMessage());
    }
    presented.used = true;
    refreshes++;
    return issue(session, scope, accessTtl, refreshTtl, now);
  }

  private Reply issue(
      Session session, String scope, Duration accessTtl, Duration refreshTtl, Instant now) {
    IssuedToken access = new IssuedToken(newSecret(), session, now.plus(accessTtl));
    accessTokens.put(access.value, access);
    session.lastActivity = now;
    tokensIssued++;

    Map<String, Object> json = new LinkedHashMap<>();
    json.put("access_token", access.value);
    json.put("token_type", "bearer");
    json.put("expires_in", accessTtl.toSeconds());
    json.put("scope", scope);
    if (!refreshTtl.isZero()) {
      Instant refreshEnd = now.plus(refreshTtl);
      if (session.absoluteEnd != null && session.absoluteEnd.isBefore(refreshEnd)) {
        refreshEnd = session.absoluteEnd;
      }
      IssuedRefreshToken refresh = new IssuedRefreshToken(newSecret(), session, scope, refreshEnd);
      refreshTokens.put(refresh.value, refresh);
      json.put("refresh_token", refresh.value);
      json.put("refresh_token_expires_in", Duration.between(now, refreshEnd).toSeconds());
    }
    json.put("owner_id", session.ownerId);
    json.put("endpoint_id", session.endpointId);
    json.put("session_id", session.id);
    if (!settings.idleTimeout().isZero()) {
      json.put("session_idle_timeout", settings.idleTimeout().toSeconds());
    }
    if (session.absoluteEnd != null) {
      json.put("session_expires_in", Duration.between(now, session.absoluteEnd).toSeconds());
      json.put("session_expiration_time", session.absoluteEnd.toString());
    }
    return new Reply(200, Map.of("Cache-Control", "no-store", "Pragma", "no-cache"), json);
  }

  /**
   * Remembers the request under its endpoint id (the {@code endpoint_id} parameter, else the
   * session of the refresh token or of the answer), so the status page can show every attempt,
   * 503s and backoff included.
   */
  private void log(Map<String, String[]> form, Reply reply, Instant now) {
    String endpointId = first(form, "endpoint_id");
    if (endpointId == null) {
      IssuedRefreshToken rt = refreshTokens.get(String.valueOf(first(form, "refresh_token")));
      if (rt != null) {
        endpointId = rt.session.endpointId;
      } else if (reply.json().get("endpoint_id") instanceof String id) {
        endpointId = id;
      }
    }
    if (endpointId == null || !ENDPOINT_ID.matcher(endpointId).matches()) {
      return;
    }
    java.util.Deque<Map<String, Object>> log = requestLog.get(endpointId);
    if (log == null) {
      if (requestLog.size() >= MAX_LOGGED_ENDPOINTS) {
        requestLog.remove(requestLog.keySet().iterator().next());
      }
      log = new java.util.ArrayDeque<>();
      requestLog.put(endpointId, log);
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("at", now.toEpochMilli());
    String grant = String.valueOf(first(form, "grant_type"));
    entry.put("grant", grant.equals(GRANT_JWT_BEARER) ? "jwt-bearer" : grant);
    entry.put("status", reply.status());
    if (reply.json().get("error") != null) {
      entry.put("error", reply.json().get("error"));
    }
    log.addLast(entry);
    while (log.size() > MAX_LOGGED_REQUESTS) {
      log.removeFirst();
    }
  }

  /** The last token requests per endpoint id, oldest first, JSON-ready. */
  public synchronized Map<String, Object> requestLog() {
    Map<String, Object> json = new LinkedHashMap<>();
    requestLog.forEach((id, log) -> json.put(id, new java.util.ArrayList<>(log)));
    return json;
  }

  // ------------------------------------------------------------------------------------------
  // Client authentication (RFC 6749 section 2.3.1: Basic or the body)

  private Reply authenticateClient(Map<String, String[]> form, String authorization) {
    String bodyId = first(form, "client_id");
    String bodySecret = first(form, "client_secret");
    boolean basic = authorization != null
        && authorization.regionMatches(true, 0, "Basic ", 0, 6);
    if (basic && bodySecret != null) {
      // RFC 6749 section 2.3: the client MUST NOT use more than one authentication method.
      return badRequest("invalid_request", "send the client credentials either as HTTP Basic or in the body, not both");
    }
    String id;
    String secret;
    if (basic) {
      String decoded;
      try {
        decoded = new String(
            Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return invalidClient(true, "The Authorization header is not valid Basic credentials");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        return invalidClient(true, "The Authorization header is not valid Basic credentials");
      }
      // RFC 6749 section 2.3.1: id and secret are form-urlencoded before Base64.
      id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
      secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
      if (bodyId != null && !bodyId.equals(id)) {
        return badRequest("invalid_request", "client_id in the body differs from the Basic credentials");
      }
    } else if (bodyId != null && bodySecret != null) {
      id = bodyId;
      secret = bodySecret;
    } else {
      return invalidClient(false, "Client authentication is required: send HTTP Basic credentials");
    }
    if (!CLIENT_ID.equals(id) || !constantTimeEquals(secret, CLIENT_SECRET)) {
      return invalidClient(basic, "Unknown client or wrong client secret");
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // Authorization endpoint (RFC 6749 section 4.1.1), auto-approving for the demo user

  /**
   * Approves an authorization request for the demo user and returns the code to send back.
   *
   * @throws IllegalArgumentException the request is invalid; the message says why, and the caller
   *     must not redirect (RFC 6749 section 4.1.2.1)
   */
  public synchronized String authorize(
      String clientId, String redirectUri, String scope, String codeChallenge,
      String challengeMethod, String endpointId) {
    return authorize(clientId, redirectUri, scope, codeChallenge, challengeMethod, endpointId,
        null);
  }

  /**
   * As above, for OpenID Connect: with {@code openid} in {@code scope} the code's token answer
   * carries an ID token with this {@code nonce}.
   */
  public synchronized String authorize(
      String clientId, String redirectUri, String scope, String codeChallenge,
      String challengeMethod, String endpointId, String nonce) {
    if (!CLIENT_ID.equals(clientId)) {
      throw new IllegalArgumentException("client_id is not a registered client; use " + CLIENT_ID);
    }
    if (!isLoopback(redirectUri)) {
      throw new IllegalArgumentException(
          "redirect_uri must be an http(s) URI on localhost, 127.0.0.1 or [::1] (RFC 8252 section 7.3)");
    }
    if (endpointId != null && !ENDPOINT_ID.matcher(endpointId).matches()) {
      throw new IllegalArgumentException("endpoint_id must match [a-zA-Z0-9_\\-]{1,64}");
    }
    String method = challengeMethod == null ? "plain" : challengeMethod;
    if (codeChallenge != null && !method.equals("S256") && !method.equals("plain")) {
      throw new IllegalArgumentException("code_challenge_method must be S256 or plain");
    }
    boolean openid = false;
    StringBuilder rest = new StringBuilder();
    for (String s : scope == null ? new String[0] : scope.trim().split("\\s+")) {
      if (s.equals("openid")) {
        openid = true;
      } else if (!s.isEmpty()) {
        rest.append(rest.length() == 0 ? "" : " ").append(s);
      }
    }
    String granted = grantedScope(rest.toString(), SCOPES);
    Instant now = clock.instant();
    purge(now);
    IssuedCode code = new IssuedCode(
        newSecret(), redirectUri, granted, codeChallenge, method, endpointId, now.plus(CODE_TTL));
    code.openid = openid;
    code.nonce = nonce;
    codes.put(code.value, code);
    return code.value;
  }

  private static boolean isLoopback(String uri) {
    if (uri == null) {
      return false;
    }
    try {
      URI parsed = new URI(uri);
      String host = parsed.getHost();
      return ("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme()))
          && host != null
          && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Resource server (RFC 6750)

  /** Checks the bearer token of an API call and answers with the caller's account details. */
  public synchronized Reply api(String authorization) {
    Instant now = clock.instant();
    apiCalls++;
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      count(apiRejectionsByReason, "missing");
      // RFC 6750 section 3.1: no error code when the request carried no authentication.
      return new Reply(401, Map.of("WWW-Authenticate", "Bearer realm=\"demo\""),
          error("invalid_request", "An Authorization: Bearer header is required"));
    }
    IssuedToken token = accessTokens.get(authorization.substring(7).trim());
    String reason;
    String description;
    String ended = token == null ? null : endReason(token.session, now);
    if (token == null) {
      reason = "unknown";
      description = "The access token is not known";
    } else if (ended != null) {
      reason = "session " + ended;
      description = "The session has ended (" + ended + ")";
    } else if (token.revoked) {
      reason = "revoked";
      description = "The access token was revoked";
    } else if (!now.isBefore(token.expiresAt)) {
      reason = "expired";
      description = "The access token has expired";
    } else {
      reason = null;
      description = null;
    }
    if (reason != null) {
      count(apiRejectionsByReason, reason);
      return new Reply(
          401,
          Map.of("WWW-Authenticate",
              "Bearer realm=\"demo\", error=\"invalid_token\", error_description=\"" + description + "\""),
          error("invalid_token", description));
    }
    apiOk++;
    token.session.lastActivity = now;
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", token.session.ownerId);
    json.put("name", OWNER_ID.equals(token.session.ownerId) ? "Demo User" : "Demo Application");
    json.put("extensionNumber", "101");
    json.put("endpoint_id", token.session.endpointId);
    json.put("session_id", token.session.id);
    json.put("token_expires_in", Duration.between(now, token.expiresAt).toSeconds());
    json.put("served_at", now.toString());
    return new Reply(200, Map.of("Cache-Control", "no-store"), json);
  }

  // ------------------------------------------------------------------------------------------
  // Controls

  /**
   * Revokes the live access tokens of {@code endpointId} (or of every endpoint when {@code null})
   * so that the API answers 401; their refresh tokens stay valid, so one refresh recovers.
   *
   * @return how many tokens were revoked
   */
  public synchronized int rejectCurrentTokens(String endpointId) {
    Instant now = clock.instant();
    int n = 0;
    for (IssuedToken t : accessTokens.values()) {
      if (!t.revoked && now.isBefore(t.expiresAt)
          && (endpointId == null || endpointId.equals(t.session.endpointId))) {
        t.revoked = true;
        n++;
      }
    }
    rejectedByControl += n;
    return n;
  }

  /**
   * Token revocation (RFC 7009, section 2): the client authenticates as at the token endpoint;
   * a revoked refresh token ends its whole session (section 2.1: the server may revoke the
   * grant), a revoked access token stops working. Unknown tokens are answered 200 (section 2.2).
   */
  public synchronized Reply revoke(Map<String, String[]> form, String authorization) {
    Reply clientError = authenticateClient(form, authorization);
    if (clientError != null) {
      invalidClient++;
      return clientError;
    }
    String token = first(form, "token");
    if (token == null || token.isEmpty()) {
      return badRequest("invalid_request", "token is required (RFC 7009, section 2.1)");
    }
    revocations++;
    IssuedRefreshToken refresh = refreshTokens.remove(token);
    if (refresh != null) {
      endSession(refresh.session, "revoked by the client");
    }
    IssuedToken access = accessTokens.get(token);
    if (access != null) {
      access.revoked = true;
    }
    return new Reply(200, Map.of("Cache-Control", "no-store"), Map.of());
  }

  /**
   * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the signed-in session
   * named by {@code sid} (the client's {@code logout_hint}), else every signed-in session of the
   * demo user.
   *
   * @return how many sessions ended
   */
  public synchronized int endSignedInSessions(String sid) {
    endSessionRequests++;
    int n = 0;
    for (Session s : sessions.values()) {
      if (s.signedIn && s.endedBy == null && (sid == null || sid.equals(s.id))) {
        endSession(s, "signed out at the provider");
        n++;
      }
    }
    return n;
  }

  /** The logout tokens to POST to the client's back-channel logout URI, taken out. */
  public synchronized java.util.List<String> drainLogoutTokens() {
    java.util.List<String> out = new java.util.ArrayList<>(logoutTokens);
    logoutTokens.clear();
    return out;
  }

  /** Counts a logout token the client accepted. */
  synchronized void backChannelDelivered() {
    backChannelLogouts++;
  }

  /** Makes the token endpoint answer 503 with {@code Retry-After} for {@code duration}. */
  public synchronized void failTokenEndpointFor(Duration duration) {
    failingUntil = duration.isZero() || duration.isNegative()
        ? null
        : clock.instant().plus(duration);
  }

  /** Issues a JWT credential for the demo user, for the jwt-bearer grant (RFC 7523 section 2.1). */
  public synchronized String issueJwtCredential() {
    Instant now = clock.instant();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer("tokenkeeper-demo-provider")
        .subject(OWNER_ID)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofDays(1))))
        .jwtID(newSecret())
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(new MACSigner(jwtKey));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign the demo JWT credential", e);
    }
    return jwt.serialize();
  }

  /** Counters and control state, JSON-ready (snake_case names). */
  public synchronized Map<String, Object> stats() {
    Instant now = clock.instant();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("token_requests", Map.copyOf(tokenRequestsByGrant));
    json.put("token_requests_total",
        tokenRequestsByGrant.values().stream().mapToLong(Long::longValue).sum());
    json.put("tokens_issued", tokensIssued);
    json.put("refreshes", refreshes);
    json.put("refresh_token_reuse", refreshReuse);
    json.put("invalid_grant", invalidGrant);
    json.put("invalid_client", invalidClient);
    json.put("unavailable", unavailable);
    json.put("api_calls", apiCalls);
    json.put("api_ok", apiOk);
    json.put("api_401", apiRejectionsByReason.values().stream().mapToLong(Long::longValue).sum());
    json.put("api_401_by_reason", Map.copyOf(apiRejectionsByReason));
    json.put("rejected_by_control", rejectedByControl);
    json.put("id_tokens_issued", idTokensIssued);
    json.put("revocations", revocations);
    json.put("end_session_requests", endSessionRequests);
    json.put("back_channel_logouts", backChannelLogouts);
    boolean failing = failingUntil != null && now.isBefore(failingUntil);
    json.put("token_endpoint_failing_until", failing ? failingUntil.toString() : null);
    DemoSettings.RateLimit limit = settings.rateLimit();
    json.put("rate_limit", limit == null ? null : limit.toString());
    json.put("rate_limited", rateLimited);
    json.put("most_in_one_window", mostInOneWindow);
    json.put("active_sessions",
        sessions.values().stream().filter(s -> endReason(s, now) == null).count());
    json.put("token_ttl", settings.tokenTtl().toSeconds());
    json.put("session_idle_timeout", settings.idleTimeout().toSeconds());
    json.put("session_ttl", settings.sessionTtl().toSeconds());
    return json;
  }

  // ------------------------------------------------------------------------------------------
  // Sessions and housekeeping

  private Session newSession(String ownerId, String endpointId, String scope, Instant now) {
    Instant absoluteEnd = settings.sessionTtl().isZero() ? null : now.plus(settings.sessionTtl());
    Session s = new Session(
        newSecret().substring(0, 16), ownerId,
        endpointId != null ? endpointId : newSecret().substring(0, 22), scope, absoluteEnd, now);
    sessions.put(s.id, s);
    return s;
  }

  private String endReason(Session s, Instant now) {
    if (s.endedBy != null) {
      return s.endedBy;
    }
    if (s.absoluteEnd != null && !now.isBefore(s.absoluteEnd)) {
      return "absolute timeout";
    }
    Duration idle = settings.idleTimeout();
    if (!idle.isZero() && !now.isBefore(s.lastActivity.plus(idle))) {
      return "idle timeout";
    }
    return null;
  }

  private void endSession(Session s, String why) {
    if (s.signedIn && s.endedBy == null && openId.backChannelLogoutUri() != null
        && logoutTokens.size() < 100) {
      // Back-Channel Logout 1.0: tell the client, whatever ended the session.
      logoutTokens.add(openId.logoutToken(s.ownerId, s.id, clock.instant()));
    }
    s.endedBy = why;
    for (IssuedToken t : accessTokens.values()) {
      if (t.session == s) {
        t.revoked = true;
      }
    }
  }

  /** Keeps the maps bounded: forget what can no longer matter. */
  private void purge(Instant now) {
    Instant horizon = now.minus(GRACE);
    accessTokens.values().removeIf(t -> t.expiresAt.isBefore(horizon));
    refreshTokens.values().removeIf(t -> t.expiresAt.isBefore(horizon));
    codes.values().removeIf(c -> c.expiresAt.isBefore(horizon));
    sessions.values().removeIf(s -> {
      String ended = endReason(s, now);
      return ended != null && s.lastActivity.isBefore(horizon);
    });
    if (accessTokens.size() > MAX_ENTRIES || refreshTokens.size() > MAX_ENTRIES
        || sessions.size() > MAX_ENTRIES) {
      accessTokens.clear();
      refreshTokens.clear();
      sessions.clear();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Helpers

  private Duration requestedTtl(Map<String, String[]> form, String name, Duration max, Duration min) {
    String raw = first(form, name);
    if (raw == null) {
      return max;
    }
    long seconds;
    try {
      seconds = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer number of seconds");
    }
    // RingCentral's token API: a TTL over the default gives the default; too little gives the
    // minimum; refresh_token_ttl <= 0 means "no refresh token".
    if (seconds <= 0 && min.isZero()) {
      return Duration.ZERO;
    }
    Duration asked = Duration.ofSeconds(seconds);
    if (asked.compareTo(max) > 0) {
      return max;
    }
    return asked.compareTo(min) < 0 ? (min.compareTo(max) > 0 ? max : min) : asked;
  }

  private static String grantedScope(String requested, String allowed) {
    if (requested == null || requested.isBlank()) {
      return allowed;
    }
    Set<String> allowedSet = new LinkedHashSet<>(Arrays.asList(allowed.split(" ")));
    Set<String> asked = new LinkedHashSet<>(Arrays.asList(requested.trim().split("\\s+")));
    for (String s : asked) {
      if (!allowedSet.contains(s)) {
        throw new IllegalArgumentException(
            "scope " + s + " is not granted to this client; allowed: " + allowed);
      }
    }
    return String.join(" ", asked);
  }

  private static String first(Map<String, String[]> form, String name) {
    String[] values = form.get(name);
    return values == null || values.length == 0 ? null : values[0];
  }

  private static void count(Map<String, Long> counters, String key) {
    counters.merge(key, 1L, Long::sum);
  }

  private Reply badRequest(String code, String description) {
    return new Reply(400, Map.of(), error(code, description));
  }

  private Reply invalidGrant(String description) {
    invalidGrant++;
    return new Reply(400, Map.of(), error("invalid_grant", description));
  }

  private static Reply invalidClient(boolean basicAttempted, String description) {
    // RFC 6749 section 5.2: 401 and WWW-Authenticate when the client used the Authorization header.
    return new Reply(
        401,
        basicAttempted ? Map.of("WWW-Authenticate", "Basic realm=\"demo\"") : Map.of(),
        error("invalid_client", description));
  }

  private static Map<String, Object> error(String code, String description) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("error", code);
    json.put("error_description", description);
    return json;
  }

  private String newSecret() {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String s256(String verifier) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static final class Session {
    final String id;
    final String ownerId;
    final String endpointId;
    final String scope;
    final Instant absoluteEnd;
    Instant lastActivity;
    String endedBy;
    /** Started by a user's sign-in (authorization code): the client hears when it ends. */
    boolean signedIn;

    Session(String id, String ownerId, String endpointId, String scope, Instant absoluteEnd,
        Instant now) {
      this.id = id;
      this.ownerId = ownerId;
      this.endpointId = endpointId;
      this.scope = scope;
      this.absoluteEnd = absoluteEnd;
      this.lastActivity = now;
    }
  }

  private static final class IssuedToken {
    final String value;
    final Session session;
    final Instant expiresAt;
    boolean revoked;

    IssuedToken(String value, Session session, Instant expiresAt) {
      this.value = value;
      this.session = session;
      this.expiresAt = expiresAt;
    }
  }

  private static final class IssuedRefreshToken {
    final String value;
    final Session session;
    final String scope;
    final Instant expiresAt;
    boolean used;

    IssuedRefreshToken(String value, Session session, String scope, Instant expiresAt) {
      this.value = value;
      this.session = session;
      this.scope = scope;
      this.expiresAt = expiresAt;
    }
  }

  private static final class IssuedCode {
    final String value;
    final String redirectUri;
    final String scope;
    final String codeChallenge;
    final String challengeMethod;
    final String endpointId;
    final Instant expiresAt;
    boolean used;
    Session session;
    boolean openid;
    String nonce;

    IssuedCode(String value, String redirectUri, String scope, String codeChallenge,
        String challengeMethod, String endpointId, Instant expiresAt) {
      this.value = value;
      this.redirectUri = redirectUri;
      this.scope = scope;
      this.codeChallenge = codeChallenge;
      this.challengeMethod = challengeMethod;
      this.endpointId = endpointId;
      this.expiresAt = expiresAt;
    }
  }
}

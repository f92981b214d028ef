package dev.tokenkeeper.example.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoProviderTest {
  private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
      (DemoProvider.CLIENT_ID + ":" + DemoProvider.CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
  private final DemoSettings settings = DemoSettings.DEFAULTS
      .withTokenTtl(Duration.ofSeconds(60))
      .withIdleTimeout(Duration.ofSeconds(120))
      .withSessionTtl(Duration.ofSeconds(300));
  private final DemoProvider provider = new DemoProvider(settings, clock);

  private static Map<String, String[]> form(String... pairs) {
    Map<String, String[]> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], new String[] {pairs[i + 1]});
    }
    return form;
  }

  private DemoProvider.Reply password(String endpointId) {
    return provider.token(form("grant_type", "password", "username", DemoProvider.USERNAME,
        "password", DemoProvider.PASSWORD, "endpoint_id", endpointId), BASIC);
  }

  private DemoProvider.Reply refresh(String refreshToken) {
    return provider.token(form("grant_type", "refresh_token", "refresh_token", refreshToken), BASIC);
  }

  private static String s(DemoProvider.Reply reply, String field) {
    return (String) reply.json().get(field);
  }

  private static long n(DemoProvider.Reply reply, String field) {
    return ((Number) reply.json().get(field)).longValue();
  }

  private DemoProvider.Reply api(DemoProvider.Reply token) {
    return provider.api("Bearer " + s(token, "access_token"));
  }

  @Test
  void passwordGrantWithBasicAuthenticationAnswersEveryTokenInfoField() {
    DemoProvider.Reply reply = password("laptop-1");

    assertEquals(200, reply.status());
    assertEquals("bearer", s(reply, "token_type"));
    assertEquals(60, n(reply, "expires_in"));
    assertEquals(DemoProvider.SCOPES, s(reply, "scope"));
    assertTrue(s(reply, "refresh_token").length() > 20);
    assertEquals(300, n(reply, "refresh_token_expires_in"), "capped at the session's end");
    assertEquals(DemoProvider.OWNER_ID, s(reply, "owner_id"));
    assertEquals("laptop-1", s(reply, "endpoint_id"));
    assertTrue(s(reply, "session_id").length() >= 16);
    assertEquals(120, n(reply, "session_idle_timeout"));
    assertEquals(300, n(reply, "session_expires_in"));
    assertEquals("2026-01-01T10:05:00Z", s(reply, "session_expiration_time"));
    assertEquals("no-store", reply.headers().get("Cache-Control"));
  }

  @Test
  void usernameWithoutPlusSignIsTheSameUserAsRingCentralsTokenApiSays() {
    DemoProvider.Reply reply = provider.token(form("grant_type", "password",
        "username", DemoProvider.USERNAME.substring(1), "password", DemoProvider.PASSWORD), BASIC);

    assertEquals(200, reply.status());
    assertTrue(s(reply, "endpoint_id").matches("[a-zA-Z0-9_\\-]{1,64}"), "generated endpoint_id");
  }

  @Test
  void wrongPasswordIsInvalidGrant() {
    DemoProvider.Reply reply = provider.token(form("grant_type", "password",
        "username", DemoProvider.USERNAME, "password", "nope"), BASIC);

    assertEquals(400, reply.status());
    assertEquals("invalid_grant", s(reply, "error"));
  }

  @Test
  void clientWithoutCredentialsIsInvalidClient() {
    DemoProvider.Reply reply = provider.token(form("grant_type", "client_credentials"), null);

    assertEquals(401, reply.status());
    assertEquals("invalid_client", s(reply, "error"));
  }

  @Test
  void wrongBasicSecretIsInvalidClientWithWwwAuthenticate() {
    String basic = "Basic " + Base64.getEncoder().encodeToString(
        (DemoProvider.CLIENT_ID + ":wrong").getBytes(StandardCharsets.UTF_8));

    DemoProvider.Reply reply = provider.token(form("grant_type", "client_credentials"), basic);

    assertEquals(401, reply.status());
    assertEquals("invalid_client", s(reply, "error"));
    assertEquals("Basic realm=\"demo\"", reply.headers().get("WWW-Authenticate"));
  }

  @Test
  void clientCredentialsInTheBodyAreAcceptedAsTheLegacyRequestAllows() {
    DemoProvider.Reply reply = provider.token(form("grant_type", "client_credentials",
        "client_id", DemoProvider.CLIENT_ID, "client_secret", DemoProvider.CLIENT_SECRET,
        "scope", "ReadAccounts"), null);

    assertEquals(200, reply.status());
    assertEquals("ReadAccounts", s(reply, "scope"));
    assertEquals(DemoProvider.APP_OWNER_ID, s(reply, "owner_id"));
    assertNull(reply.json().get("refresh_token"), "RFC 6749 4.4.3: no refresh token");
  }

  @Test
  void basicAndBodySecretTogetherIsInvalidRequest() {
    DemoProvider.Reply reply = provider.token(form("grant_type", "client_credentials",
        "client_secret", DemoProvider.CLIENT_SECRET), BASIC);

    assertEquals(400, reply.status());
    assertEquals("invalid_request", s(reply, "error"));
  }

  @Test
  void endpointIdBreakingRingCentralsRuleIsInvalidRequest() {
    DemoProvider.Reply reply = password("not valid!");

    assertEquals(400, reply.status());
    assertEquals("invalid_request", s(reply, "error"));
    assertTrue(s(reply, "error_description").contains("[a-zA-Z0-9_\\-]{1,64}"));
  }

  @Test
  void repeatedParameterIsInvalidRequest() {
    Map<String, String[]> form = form("grant_type", "client_credentials");
    form.put("scope", new String[] {"ReadAccounts", "ReadCallLog"});

    assertEquals("invalid_request", s(provider.token(form, BASIC), "error"));
  }

  @Test
  void unknownScopeIsInvalidScope() {
    DemoProvider.Reply reply = provider.token(
        form("grant_type", "client_credentials", "scope", "EditEverything"), BASIC);

    assertEquals("invalid_scope", s(reply, "error"));
  }

  @Test
  void unsupportedGrantNamesTheSupportedOnes() {
    DemoProvider.Reply reply = provider.token(form("grant_type", "ivr_pin"), BASIC);

    assertEquals("unsupported_grant_type", s(reply, "error"));
    assertTrue(s(reply, "error_description").contains("authorization_code"));
  }

  @Test
  void accessTokenTtlCanShortenButNotLengthenAndRefreshTtlZeroMeansNoRefreshToken() {
    DemoProvider.Reply shorter = provider.token(form("grant_type", "password",
        "username", DemoProvider.USERNAME, "password", DemoProvider.PASSWORD,
        "access_token_ttl", "20", "refresh_token_ttl", "0"), BASIC);
    DemoProvider.Reply longer = provider.token(form("grant_type", "password",
        "username", DemoProvider.USERNAME, "password", DemoProvider.PASSWORD,
        "access_token_ttl", "3600"), BASIC);

    assertEquals(20, n(shorter, "expires_in"));
    assertNull(shorter.json().get("refresh_token"));
    assertEquals(60, n(longer, "expires_in"));
  }

  @Test
  void refreshRotatesTheRefreshTokenAndKeepsTheSession() {
    DemoProvider.Reply first = password("e1");
    clock.advance(Duration.ofSeconds(50));

    DemoProvider.Reply second = refresh(s(first, "refresh_token"));

    assertEquals(200, second.status());
    assertNotEquals(s(first, "access_token"), s(second, "access_token"));
    assertNotEquals(s(first, "refresh_token"), s(second, "refresh_token"));
    assertEquals(s(first, "session_id"), s(second, "session_id"));
    assertEquals("e1", s(second, "endpoint_id"));
    assertEquals(250, n(second, "session_expires_in"), "the absolute end does not move");
    assertEquals(1L, provider.stats().get("refreshes"));
  }

  @Test
  void reusedRefreshTokenIsInvalidGrantAndEndsTheSession() {
    DemoProvider.Reply first = password("e1");
    DemoProvider.Reply second = refresh(s(first, "refresh_token"));

    DemoProvider.Reply reuse = refresh(s(first, "refresh_token"));

    assertEquals(400, reuse.status());
    assertEquals("invalid_grant", s(reuse, "error"));
    assertEquals(401, api(second).status(), "RFC 9700 4.14.2: the whole session is revoked");
    assertEquals("invalid_grant", s(refresh(s(second, "refresh_token")), "error"));
    assertEquals(1L, provider.stats().get("refresh_token_reuse"));
  }

  @Test
  void apiAcceptsALiveTokenAndRejectsItOnceExpired() {
    DemoProvider.Reply token = password("e1");

    DemoProvider.Reply ok = api(token);
    clock.advance(Duration.ofSeconds(60));
    DemoProvider.Reply expired = api(token);

    assertEquals(200, ok.status());
    assertEquals(DemoProvider.OWNER_ID, ok.json().get("id"));
    assertEquals(401, expired.status());
    assertTrue(expired.headers().get("WWW-Authenticate").contains("error=\"invalid_token\""));
    assertEquals("The access token has expired", s(expired, "error_description"));
  }

  @Test
  void apiWithoutBearerTokenIs401WithoutErrorCode() {
    DemoProvider.Reply reply = provider.api(null);

    assertEquals(401, reply.status());
    assertEquals("Bearer realm=\"demo\"", reply.headers().get("WWW-Authenticate"));
  }

  @Test
  void rejectedTokenIs401AndOneRefreshRecovers() {
    DemoProvider.Reply token = password("e1");
    DemoProvider.Reply other = password("e2");

    assertEquals(1, provider.rejectCurrentTokens("e1"));
    DemoProvider.Reply rejected = api(token);
    DemoProvider.Reply fresh = refresh(s(token, "refresh_token"));

    assertEquals(401, rejected.status());
    assertEquals("The access token was revoked", s(rejected, "error_description"));
    assertEquals(200, api(other).status(), "another endpoint's token is untouched");
    assertEquals(200, api(fresh).status());
    Map<String, Object> stats = provider.stats();
    assertEquals(1L, stats.get("refreshes"));
    assertEquals(1L, stats.get("api_401"));
    assertEquals(1L, stats.get("rejected_by_control"));
  }

  @Test
  void idleSessionEndsItsTokensAndRefreshTokens() {
    DemoProvider.Reply token = password("e1");
    clock.advance(Duration.ofSeconds(50));
    assertEquals(200, api(token).status(), "use resets the idle timer");
    clock.advance(Duration.ofSeconds(119));
    DemoProvider.Reply stillAlive = refresh(s(token, "refresh_token"));
    assertEquals(200, stillAlive.status());

    clock.advance(Duration.ofSeconds(120));
    DemoProvider.Reply afterIdle = refresh(s(stillAlive, "refresh_token"));

    assertEquals("invalid_grant", s(afterIdle, "error"));
    assertTrue(s(afterIdle, "error_description").contains("idle timeout"));
  }

  @Test
  void idleSessionMakesTheApiAnswer401EvenForAnUnexpiredToken() {
    DemoProvider longTokens = new DemoProvider(
        settings.withTokenTtl(Duration.ofSeconds(300)).withIdleTimeout(Duration.ofSeconds(30)),
        clock);
    DemoProvider.Reply token = longTokens.token(form("grant_type", "password",
        "username", DemoProvider.USERNAME, "password", DemoProvider.PASSWORD), BASIC);
    clock.advance(Duration.ofSeconds(31));

    DemoProvider.Reply reply = longTokens.api("Bearer " + s(token, "access_token"));

    assertEquals(401, reply.status());
    assertEquals("The session has ended (idle timeout)", s(reply, "error_description"));
    assertEquals(Map.of("session idle timeout", 1L), longTokens.stats().get("api_401_by_reason"));
  }

  @Test
  void absoluteSessionEndStopsRefreshEvenWhenActive() {
    DemoProvider.Reply token = password("e1");
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(55));
      token = refresh(s(token, "refresh_token"));
      assertEquals(200, token.status());
      assertEquals(300 - 55L * (i + 1), n(token, "session_expires_in"));
      assertTrue(n(token, "refresh_token_expires_in") <= n(token, "session_expires_in"));
    }
    clock.advance(Duration.ofSeconds(30));

    DemoProvider.Reply over = refresh(s(token, "refresh_token"));

    assertEquals("invalid_grant", s(over, "error"));
  }

  @Test
  void failingTokenEndpointAnswers503WithRetryAfterUntilTheTimeIsUp() {
    provider.failTokenEndpointFor(Duration.ofSeconds(10));

    DemoProvider.Reply failing = password("e1");
    clock.advance(Duration.ofSeconds(10));
    DemoProvider.Reply back = password("e1");

    assertEquals(503, failing.status());
    assertEquals("temporarily_unavailable", s(failing, "error"));
    assertEquals("2", failing.headers().get("Retry-After"));
    assertEquals(200, back.status());
    assertEquals(1L, provider.stats().get("unavailable"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyTokenRequestIsLoggedUnderItsEndpointIdWith503sIncluded() {
    DemoProvider.Reply first = password("e1");
    provider.failTokenEndpointFor(Duration.ofSeconds(5));
    refresh(s(first, "refresh_token"));
    clock.advance(Duration.ofSeconds(5));
    refresh(s(first, "refresh_token"));

    java.util.List<Map<String, Object>> log =
        (java.util.List<Map<String, Object>>) provider.requestLog().get("e1");

    assertEquals(3, log.size());
    assertEquals(java.util.List.of(200, 503, 200), log.stream().map(e -> e.get("status")).toList());
    assertEquals("refresh_token", log.get(1).get("grant"));
    assertEquals("temporarily_unavailable", log.get(1).get("error"));
  }

  @Test
  void jwtBearerAcceptsTheProvidersCredentialAndRejectsATamperedOne() {
    String jwt = provider.issueJwtCredential();

    DemoProvider.Reply ok = provider.token(
        form("grant_type", DemoProvider.GRANT_JWT_BEARER, "assertion", jwt), BASIC);
    DemoProvider.Reply tampered = provider.token(
        form("grant_type", DemoProvider.GRANT_JWT_BEARER, "assertion", jwt.substring(0, jwt.length() - 2) + "xx"), BASIC);
    DemoProvider.Reply notJwt = provider.token(
        form("grant_type", DemoProvider.GRANT_JWT_BEARER, "assertion", "hello"), BASIC);

    assertEquals(200, ok.status());
    assertEquals(DemoProvider.OWNER_ID, s(ok, "owner_id"));
    assertEquals("invalid_grant", s(tampered, "error"));
    assertEquals("invalid_grant", s(notJwt, "error"));
  }

  @Test
  void authorizationCodeWithPkceIsSingleUseAndBoundToRedirectAndVerifier() throws Exception {
    String verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    String redirect = "http://localhost:9999/callback";
    String code = provider.authorize(DemoProvider.CLIENT_ID, redirect, null, challenge, "S256", "web-1");
    String code2 = provider.authorize(DemoProvider.CLIENT_ID, redirect, null, challenge, "S256", null);
    String code3 = provider.authorize(DemoProvider.CLIENT_ID, redirect, null, challenge, "S256", null);

    DemoProvider.Reply ok = provider.token(form("grant_type", "authorization_code", "code", code,
        "redirect_uri", redirect, "code_verifier", verifier), BASIC);
    DemoProvider.Reply reused = provider.token(form("grant_type", "authorization_code", "code", code,
        "redirect_uri", redirect, "code_verifier", verifier), BASIC);
    DemoProvider.Reply wrongVerifier = provider.token(form("grant_type", "authorization_code",
        "code", code2, "redirect_uri", redirect, "code_verifier", verifier + "x"), BASIC);
    DemoProvider.Reply wrongRedirect = provider.token(form("grant_type", "authorization_code",
        "code", code3, "redirect_uri", "http://localhost:9999/other", "code_verifier", verifier), BASIC);

    assertEquals(200, ok.status());
    assertEquals("web-1", s(ok, "endpoint_id"));
    assertEquals("invalid_grant", s(reused, "error"));
    assertEquals(401, api(ok).status(), "RFC 6749 4.1.2: tokens of a reused code are revoked");
    assertEquals("invalid_grant", s(wrongVerifier, "error"));
    assertEquals("invalid_grant", s(wrongRedirect, "error"));
  }

  @Test
  void authorizeRefusesForeignRedirectUriAndUnknownClient() {
    IllegalArgumentException redirect = assertThrows(IllegalArgumentException.class,
        () -> provider.authorize(DemoProvider.CLIENT_ID, "https://evil.example/cb", null, null, null, null));
    IllegalArgumentException client = assertThrows(IllegalArgumentException.class,
        () -> provider.authorize("other", "http://localhost/cb", null, null, null, null));

    assertTrue(redirect.getMessage().contains("redirect_uri"));
    assertTrue(client.getMessage().contains("client_id"));
  }

  @Test
  void statsCountTokenRequestsByGrant() {
    password("e1");
    password("e2");
    provider.token(form("grant_type", "client_credentials"), BASIC);

    @SuppressWarnings("unchecked")
    Map<String, Long> byGrant = (Map<String, Long>) provider.stats().get("token_requests");

    assertEquals(2L, byGrant.get("password"));
    assertEquals(1L, byGrant.get("client_credentials"));
    assertEquals(3L, provider.stats().get("token_requests_total"));
    assertFalse(byGrant.containsKey("refresh_token"));
  }
}

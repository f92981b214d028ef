package dev.tokenkeeper.example.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo provider's OpenID Connect side: ID tokens, revocation, end-session, back channel. */
class DemoOpenIdTest {
  private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
      (DemoProvider.CLIENT_ID + ":" + DemoProvider.CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
  private static final String REDIRECT = "http://localhost:9999/oauth/callback";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
  private final DemoProvider provider = new DemoProvider(DemoSettings.DEFAULTS, clock);

  private static Map<String, String[]> form(String... pairs) {
    Map<String, String[]> form = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], new String[] {pairs[i + 1]});
    }
    return form;
  }

  private DemoProvider.Reply signIn(String scope, String nonce) {
    String code = provider.authorize(DemoProvider.CLIENT_ID, REDIRECT, scope, null, null,
        "web-1", nonce);
    return provider.token(form("grant_type", "authorization_code", "code", code,
        "redirect_uri", REDIRECT), BASIC);
  }

  @Test
  void withOpenIdTheCodeAnswerCarriesASignedIdToken() throws Exception {
    provider.openId().configure("http://localhost:9999/demo", null);
    DemoProvider.Reply r = signIn("openid ReadAccounts", "n-1");
    assertEquals(200, r.status(), r.json().toString());
    assertEquals("openid ReadAccounts", r.json().get("scope"));
    SignedJWT idToken = SignedJWT.parse((String) r.json().get("id_token"));
    RSAKey key = (RSAKey) JWKSet.parse(provider.openId().jwks()).getKeys().get(0);
    assertTrue(idToken.verify(new RSASSAVerifier(key)));
    JWTClaimsSet c = idToken.getJWTClaimsSet();
    assertEquals("http://localhost:9999/demo", c.getIssuer());
    assertEquals(List.of(DemoProvider.CLIENT_ID), c.getAudience());
    assertEquals(DemoProvider.OWNER_ID, c.getSubject());
    assertEquals("n-1", c.getClaim("nonce"));
    assertEquals(r.json().get("session_id"), c.getClaim("sid"));
    assertEquals(1L, provider.stats().get("id_tokens_issued"));

    assertNull(signIn("ReadAccounts", null).json().get("id_token"), "no openid, no ID token");
    Map<String, Object> doc = provider.openId().discovery();
    assertEquals("http://localhost:9999/demo", doc.get("issuer"));
    assertEquals("http://localhost:9999/demo/oauth/jwks", doc.get("jwks_uri"));
    assertEquals(List.of("RS256"), doc.get("id_token_signing_alg_values_supported"));
  }

  @Test
  void revokingTheRefreshTokenEndsTheSessionAndTellsTheClient() {
    provider.openId().configure("http://localhost:9999/demo",
        URI.create("http://localhost:9999/oauth/backchannel-logout"));
    DemoProvider.Reply r = signIn("openid", null);
    String access = (String) r.json().get("access_token");
    assertEquals(401, provider.revoke(form("token", "x"), null).status(), "client auth required");
    assertEquals(200, provider.revoke(form("token", (String) r.json().get("refresh_token")),
        BASIC).status());
    assertEquals(401, provider.api("Bearer " + access).status());
    assertEquals(200, provider.revoke(form("token", "unknown"), BASIC).status(), "RFC 7009 2.2");
    assertEquals(2L, provider.stats().get("revocations"));
    List<String> logoutTokens = provider.drainLogoutTokens();
    assertEquals(1, logoutTokens.size());
    assertTrue(provider.drainLogoutTokens().isEmpty());
  }

  @Test
  void endSessionEndsTheNamedSignedInSession() throws Exception {
    provider.openId().configure("http://localhost:9999/demo",
        URI.create("http://localhost:9999/oauth/backchannel-logout"));
    DemoProvider.Reply a = signIn("openid", null);
    DemoProvider.Reply b = signIn("openid", null);
    assertEquals(1, provider.endSignedInSessions((String) a.json().get("session_id")));
    assertEquals(401, provider.api("Bearer " + a.json().get("access_token")).status());
    assertEquals(200, provider.api("Bearer " + b.json().get("access_token")).status());
    JWTClaimsSet logout = SignedJWT.parse(provider.drainLogoutTokens().get(0)).getJWTClaimsSet();
    assertEquals(a.json().get("session_id"), logout.getClaim("sid"));
    assertTrue(((Map<?, ?>) logout.getClaim("events"))
        .containsKey("http://schemas.openid.net/event/backchannel-logout"));
    clock.advance(Duration.ofSeconds(1));
    assertEquals(1, provider.endSignedInSessions(null));
    assertEquals(0, provider.endSignedInSessions(null));
    assertEquals(3L, provider.stats().get("end_session_requests"));
  }
}

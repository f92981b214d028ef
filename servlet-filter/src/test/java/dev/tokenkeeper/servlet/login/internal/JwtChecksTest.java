package dev.tokenkeeper.servlet.login.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The claim checks of ID and logout tokens, one rule at a time, against a JWKS on loopback. */
class JwtChecksTest {
  static final String ISSUER = "https://id.example.com";
  static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

  HttpServer server;
  RSAKey rsa;
  ECKey ec;
  AtomicReference<String> jwks = new AtomicReference<>();
  JwtChecks checks;

  @BeforeEach
  void start() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("r1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("e1").keyUse(KeyUse.SIGNATURE).generate();
    jwks.set(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/jwks", ex -> {
      byte[] b = jwks.get().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(b.length == 0 ? 500 : 200, b.length == 0 ? -1 : b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.start();
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    checks = new JwtChecks(new Jwks(() -> uri, HttpClient.newHttpClient(), clock,
        Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(5)), URI.create(ISSUER),
        List.of("RS256", "ES256", "HS256"), "web", clock, Duration.ofSeconds(60),
        Duration.ofMinutes(10));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  JWTClaimsSet.Builder idToken() {
    return new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice").audience("web")
        .issueTime(Date.from(NOW)).expirationTime(Date.from(NOW.plusSeconds(600)))
        .claim("nonce", "n");
  }

  String rs256(JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("r1").build(),
        claims);
    jwt.sign(new RSASSASigner(rsa));
    return jwt.serialize();
  }

  String failure(JWTClaimsSet claims) {
    return assertThrows(JwtChecks.Invalid.class, () -> checks.idToken(rs256(claims), "n"))
        .getMessage();
  }

  @Test
  void goodTokensPassWithRsaAndEcKeys() throws Exception {
    assertEquals("alice", checks.idToken(rs256(idToken().build()), "n").getSubject());
    SignedJWT es = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("e1").build(),
        idToken().build());
    es.sign(new ECDSASigner(ec));
    assertEquals("alice", checks.idToken(es.serialize(), "n").getSubject());
    // Several audiences with azp = this client.
    assertEquals("alice", checks.idToken(rs256(idToken().audience(List.of("web", "api"))
        .claim("azp", "web").build()), "n").getSubject());
  }

  @Test
  void eachClaimRuleRefusesWithItsReason() throws Exception {
    assertTrue(failure(idToken().audience(List.of("web", "api")).build())
        .contains("several audiences and its azp is null"));
    assertTrue(failure(idToken().claim("azp", "other").build()).contains("azp is other"));
    assertTrue(failure(idToken().issueTime(Date.from(NOW.plusSeconds(300))).build())
        .contains("issued in the future"));
    assertTrue(failure(idToken().issueTime(Date.from(NOW.minusSeconds(3600))).build())
        .contains("more than 10 minutes ago"));
    assertTrue(failure(idToken().expirationTime(null).build()).contains("no exp claim"));
    assertTrue(failure(idToken().issueTime(null).build()).contains("no iat claim"));
    assertTrue(failure(idToken().subject(null).build()).contains("no sub claim"));
    assertTrue(failure(idToken().claim("nonce", null).build()).contains("nonce is missing"));
    assertTrue(failure(idToken().issuer(null).build()).contains("issuer is \"null\""));
    assertTrue(failure(idToken().audience((String) null).build()).contains("does not contain this client's client_id web"));
    // Within the skew: still fine.
    assertEquals("alice", checks.idToken(rs256(idToken().expirationTime(
        Date.from(NOW.minusSeconds(30))).build()), "n").getSubject());
    assertTrue(assertThrows(JwtChecks.Invalid.class, () -> checks.idToken("not.a.jwt", null))
        .getMessage().contains("not a well-formed JWT"));
  }

  @Test
  void logoutTokenRules() throws Exception {
    JWTClaimsSet.Builder logout = new JWTClaimsSet.Builder().issuer(ISSUER).audience("web")
        .issueTime(Date.from(NOW)).jwtID("j1").subject("alice")
        .claim("events", Map.of(JwtChecks.BACKCHANNEL_LOGOUT_EVENT, Map.of()));
    assertEquals("alice", checks.logoutToken(rs256(logout.build())).getSubject());
    assertTrue(assertThrows(JwtChecks.Invalid.class, () -> checks.logoutToken(rs256(
        logout.jwtID(null).build()))).getMessage().contains("no jti"));
    assertTrue(assertThrows(JwtChecks.Invalid.class, () -> checks.logoutToken(rs256(
        logout.jwtID("j2").subject(null).build()))).getMessage().contains("neither sub nor sid"));
    assertTrue(assertThrows(JwtChecks.Invalid.class, () -> checks.logoutToken(rs256(
        logout.subject("a").issueTime(null).build()))).getMessage().contains("no iat"));
  }

  @Test
  void anUnreachableKeySetIsAClearFailure() {
    jwks.set("");
    assertTrue(assertThrows(JwtChecks.Invalid.class, () -> checks.idToken(rs256(
        idToken().build()), "n")).getMessage().contains("signing keys could not be fetched"));
    jwks.set("{not json");
    assertTrue(assertThrows(JwtChecks.Invalid.class, () -> checks.idToken(rs256(
        idToken().build()), "n")).getMessage().contains("malformed"));
  }
}

package dev.tokenkeeper.example.demo;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The demo provider's OpenID Connect side: its issuer, its RSA signing key (a fresh one per run,
 * published as a JWK Set), the discovery document, signed ID tokens (OpenID Connect Core 1.0,
 * section 2) and back-channel logout tokens (Back-Channel Logout 1.0, section 2.4). Thread-safe:
 * the key is immutable, the issuer and the client's back-channel URI are volatile.
 */
public final class DemoOpenId {
  private static final Duration ID_TOKEN_TTL = Duration.ofMinutes(10);

  private final RSAKey key;
  private volatile String issuer = "http://localhost/demo";
  private volatile URI backChannelLogoutUri;

  DemoOpenId() {
    try {
      key = new RSAKeyGenerator(2048).keyID("demo-" + UUID.randomUUID().toString().substring(0, 8))
          .algorithm(JWSAlgorithm.RS256).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot make the demo signing key", e);
    }
  }

  /**
   * Where the provider is reached ({@code http://localhost:PORT/demo}) and where it tells the
   * demo client of ended sessions (its {@code backchannel_logout_uri}; {@code null}: nowhere).
   */
  public void configure(String issuer, URI backChannelLogoutUri) {
    this.issuer = issuer;
    this.backChannelLogoutUri = backChannelLogoutUri;
  }

  public String issuer() {
    return issuer;
  }

  URI backChannelLogoutUri() {
    return backChannelLogoutUri;
  }

  /** OpenID Connect Discovery 1.0 / RFC 8414 metadata. */
  public Map<String, Object> discovery() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("issuer", issuer);
    doc.put("authorization_endpoint", issuer + "/oauth/authorize");
    doc.put("token_endpoint", issuer + "/oauth/token");
    doc.put("jwks_uri", issuer + "/oauth/jwks");
    doc.put("revocation_endpoint", issuer + "/oauth/revoke");
    doc.put("end_session_endpoint", issuer + "/oauth/logout");
    doc.put("response_types_supported", List.of("code"));
    doc.put("grant_types_supported", List.of("authorization_code", "refresh_token", "password",
        DemoProvider.GRANT_JWT_BEARER, "client_credentials"));
    doc.put("code_challenge_methods_supported", List.of("S256"));
    doc.put("subject_types_supported", List.of("public"));
    doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
    doc.put("token_endpoint_auth_methods_supported",
        List.of("client_secret_basic", "client_secret_post"));
    doc.put("scopes_supported", List.of("openid", "ReadAccounts", "ReadCallLog"));
    doc.put("backchannel_logout_supported", true);
    doc.put("backchannel_logout_session_supported", true);
    return doc;
  }

  /** The public signing key as a JWK Set (RFC 7517, section 5). */
  public Map<String, Object> jwks() {
    return new JWKSet(key.toPublicJWK()).toJSONObject();
  }

  String idToken(String subject, String sessionId, String nonce, Instant now) {
    JWTClaimsSet.Builder c = new JWTClaimsSet.Builder()
        .issuer(issuer)
        .subject(subject)
        .audience(DemoProvider.CLIENT_ID)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ID_TOKEN_TTL)))
        .claim("auth_time", now.getEpochSecond())
        .claim("sid", sessionId)
        .claim("name", "Demo User")
        .claim("preferred_username", DemoProvider.USERNAME);
    if (nonce != null) {
      c.claim("nonce", nonce);
    }
    return sign(c.build());
  }

  String logoutToken(String subject, String sessionId, Instant now) {
    return sign(new JWTClaimsSet.Builder()
        .issuer(issuer)
        .subject(subject)
        .audience(DemoProvider.CLIENT_ID)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofMinutes(2))))
        .jwtID(UUID.randomUUID().toString())
        .claim("sid", sessionId)
        .claim("events", Map.of("http://schemas.openid.net/event/backchannel-logout", Map.of()))
        .build());
  }

  private String sign(JWTClaimsSet claims) {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256)
        .keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(new RSASSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a demo JWT", e);
    }
    return jwt.serialize();
  }
}

package dev.tokenkeeper.servlet.login.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies the JWTs a provider sends the login: ID tokens (OpenID Connect Core 1.0, section
 * 3.1.3.7) and back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0, section 2.6).
 * Signatures are checked with Nimbus against the provider's JWK Set, with the advertised
 * asymmetric algorithms only: {@code alg: none} and HMAC (which would let anyone holding the
 * public key sign, if the key were taken as an HMAC secret) are refused. Claims are checked on
 * the injected clock with a small skew. Thread-safe; messages never show a token.
 */
public final class JwtChecks {
  /** The {@code events} member of a logout token (Back-Channel Logout 1.0, section 2.4). */
  public static final String BACKCHANNEL_LOGOUT_EVENT =
      "http://schemas.openid.net/event/backchannel-logout";

  private static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
      JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

  private final Jwks jwks;
  private final String clientId;
  private final Clock clock;
  private final Duration skew;
  private final Duration maxAge;
  private volatile URI issuer;
  private volatile Set<JWSAlgorithm> algorithms;

  /** A JWT that failed a check; the message names the check. */
  public static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    public Invalid(String message) {
      super(message);
    }

    Invalid(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * @param maxAge how old an {@code iat} may be (tokens are used at once; a replayed old one is
   *     refused even before its {@code exp})
   */
  public JwtChecks(Jwks jwks, URI issuer, List<String> advertised, String clientId, Clock clock,
      Duration skew, Duration maxAge) {
    this.jwks = jwks;
    this.clientId = clientId;
    this.clock = clock;
    this.skew = skew;
    this.maxAge = maxAge;
    update(issuer, advertised);
  }

  /** After a metadata refresh. */
  public void update(URI issuer, List<String> advertised) {
    Set<JWSAlgorithm> algs = new LinkedHashSet<>();
    for (String name : advertised.isEmpty() ? List.of("RS256") : advertised) {
      JWSAlgorithm alg = JWSAlgorithm.parse(name);
      if (ASYMMETRIC.contains(alg)) {
        algs.add(alg);
      }
    }
    this.issuer = issuer;
    this.algorithms = Collections.unmodifiableSet(algs);
  }

  /**
   * The verified claims of an ID token.
   *
   * @param nonce the nonce sent in the authorization request, or {@code null} when none was
   */
  public JWTClaimsSet idToken(String idToken, String nonce) throws Invalid {
    JWTClaimsSet claims = verifySignature(idToken, "ID token");
    common(claims, "ID token", true);
    if (claims.getSubject() == null || claims.getSubject().isBlank()) {
      throw new Invalid("the ID token has no sub claim (OpenID Connect Core, section 2)");
    }
    Object got = claims.getClaim("nonce");
    if (nonce != null && !(got instanceof String s && Secrets.equal(s, nonce))) {
      throw new Invalid("the ID token's nonce is " + (got == null ? "missing" : "not the one sent")
          + " in the authorization request (OpenID Connect Core, section 3.1.3.7, step 11):"
          + " a replayed or injected ID token");
    }
    return claims;
  }

  /** The verified claims of a back-channel logout token. */
  public JWTClaimsSet logoutToken(String logoutToken) throws Invalid {
    JWTClaimsSet claims = verifySignature(logoutToken, "logout token");
    common(claims, "logout token", false);
    if (claims.getClaim("nonce") != null) {
      throw new Invalid("the logout token has a nonce claim, which Back-Channel Logout 1.0,"
          + " section 2.4 forbids (it may be an ID token)");
    }
    Object events = claims.getClaim("events");
    if (!(events instanceof Map<?, ?> map) || !map.containsKey(BACKCHANNEL_LOGOUT_EVENT)) {
      throw new Invalid("the logout token's events claim does not hold "
          + BACKCHANNEL_LOGOUT_EVENT);
    }
    if (claims.getJWTID() == null || claims.getJWTID().isBlank()) {
      throw new Invalid("the logout token has no jti claim");
    }
    if (claims.getSubject() == null && claims.getClaim("sid") == null) {
      throw new Invalid("the logout token has neither sub nor sid");
    }
    if (claims.getIssueTime() == null) {
      throw new Invalid("the logout token has no iat claim");
    }
    return claims;
  }

  private JWTClaimsSet verifySignature(String token, String what) throws Invalid {
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      throw new Invalid("the " + what + " is not a well-formed JWT");
    }
    if (jwt instanceof PlainJWT) {
      throw new Invalid("the " + what + " is unsigned (alg: none), which is never accepted");
    }
    if (!(jwt instanceof SignedJWT signed)) {
      throw new Invalid("the " + what + " is encrypted (JWE), which is not supported; ask the"
          + " provider for signed ID tokens");
    }
    JWSHeader header = signed.getHeader();
    JWSAlgorithm alg = header.getAlgorithm();
    if (!algorithms.contains(alg)) {
      throw new Invalid("the " + what + " is signed with " + alg + ", which is not among the"
          + " accepted algorithms " + algorithms + " (the provider's"
          + " id_token_signing_alg_values_supported, asymmetric only)");
    }
    List<JWK> keys;
    try {
      keys = jwks.candidates(header.getKeyID());
    } catch (IOException e) {
      throw new Invalid("the provider's signing keys could not be fetched: " + e.getMessage(), e);
    }
    for (JWK key : keys) {
      if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
        continue;
      }
      if (key.getAlgorithm() != null && !key.getAlgorithm().equals(alg)) {
        continue;
      }
      try {
        JWSVerifier verifier = verifier(key, alg);
        if (verifier != null && signed.verify(verifier)) {
          return signed.getJWTClaimsSet();
        }
      } catch (JOSEException | ParseException e) {
        // try the next key
      }
    }
    throw new Invalid("the " + what + "'s signature does not verify with "
        + (keys.isEmpty() ? "any key: the provider's JWK Set has no key with kid \""
            + header.getKeyID() + "\"" : "the provider's key" + (keys.size() > 1 ? "s" : "")
            + " (kid " + header.getKeyID() + ")"));
  }

  private static JWSVerifier verifier(JWK key, JWSAlgorithm alg) throws JOSEException {
    if (JWSAlgorithm.Family.RSA.contains(alg) && key instanceof RSAKey rsa) {
      return new RSASSAVerifier(rsa);
    }
    if (JWSAlgorithm.Family.EC.contains(alg) && key instanceof ECKey ec) {
      return new ECDSAVerifier(ec);
    }
    return null;
  }

  private void common(JWTClaimsSet claims, String what, boolean expRequired) throws Invalid {
    String iss = claims.getIssuer();
    URI expected = issuer;
    if (iss == null || !(iss.equals(expected.toString())
        || (iss + "/").equals(expected.toString()) || iss.equals(expected + "/"))) {
      throw new Invalid("the " + what + "'s issuer is \"" + iss + "\", not the provider's \""
          + expected + "\"");
    }
    List<String> aud = claims.getAudience();
    if (aud == null || !aud.contains(clientId)) {
      throw new Invalid("the " + what + "'s audience " + aud + " does not contain this client's"
          + " client_id " + clientId);
    }
    Object azp = claims.getClaim("azp");
    if ((aud.size() > 1 || azp != null) && !Objects.equals(azp, clientId)) {
      throw new Invalid("the " + what + " has several audiences and its azp is " + azp
          + ", not this client's client_id " + clientId + " (OpenID Connect Core, 3.1.3.7)");
    }
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null && expRequired) {
      throw new Invalid("the " + what + " has no exp claim");
    }
    if (exp != null && !now.isBefore(exp.toInstant().plus(skew))) {
      throw new Invalid("the " + what + " expired at " + exp.toInstant() + " (now " + now
          + ", allowed clock skew " + skew.toSeconds() + " s)");
    }
    Date iat = claims.getIssueTime();
    if (iat == null && expRequired) {
      throw new Invalid("the " + what + " has no iat claim");
    }
    if (iat != null && iat.toInstant().isAfter(now.plus(skew))) {
      throw new Invalid("the " + what + " was issued in the future (iat " + iat.toInstant()
          + ", now " + now + ")");
    }
    if (iat != null && iat.toInstant().isBefore(now.minus(maxAge))) {
      throw new Invalid("the " + what + " was issued at " + iat.toInstant() + ", more than "
          + maxAge.toMinutes() + " minutes ago");
    }
  }
}

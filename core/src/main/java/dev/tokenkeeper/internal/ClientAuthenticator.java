package dev.tokenkeeper.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenkeeper.ClientAuthentication;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Applies a {@link ClientAuthentication} to a token or revocation request: an {@code
 * Authorization} header (client_secret_basic) or form parameters (client_secret_post, none, and
 * the RFC 7523 client assertions). Signers are built once, at construction, so that a key or
 * secret that cannot work fails when the endpoint is built, not on the first request.
 *
 * <p>Immutable and thread-safe (Nimbus signers are thread-safe). Not part of the API.
 */
public final class ClientAuthenticator {
  /** {@code client_assertion_type} for JWT client authentication (RFC 7523, section 2.2). */
  public static final String JWT_BEARER_ASSERTION_TYPE =
      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  /**
   * How far ahead of {@code iat} an assertion's {@code exp} lies. RFC 7523 (section 3) asks for
   * a limited lifetime; an assertion is used once, at once, so two minutes leave room for clock
   * skew while staying well under the five minutes many servers enforce.
   */
  public static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(2);

  private final ClientAuthentication authentication;
  private final Clock clock;
  private final JWSSigner signer;
  private final JWSAlgorithm algorithm;
  private final String keyId;
  private final String authorizationHeader;

  /**
   * @throws IllegalArgumentException the secret or key cannot sign the assertion (too short, an
   *     unsupported curve, a weak RSA key); the message names the rule and never the secret
   */
  public ClientAuthenticator(ClientAuthentication authentication, Clock clock) {
    this.authentication = authentication;
    this.clock = clock;
    String header = null;
    JWSSigner jwsSigner = null;
    JWSAlgorithm alg = null;
    String kid = null;
    if (authentication instanceof ClientAuthentication.Basic basic) {
      // RFC 6749, section 2.3.1: form-urlencode id and secret, then Base64 "id:secret".
      String pair = FormEncoder.encode(basic.clientId()) + ":" + FormEncoder.encode(basic.clientSecret());
      header = "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    } else if (authentication instanceof ClientAuthentication.SecretJwt secretJwt) {
      byte[] secret = secretJwt.clientSecret().getBytes(StandardCharsets.UTF_8);
      try {
        jwsSigner = new MACSigner(secret);
      } catch (JOSEException tooShort) {
        throw new IllegalArgumentException(
            "client_secret_jwt signs with HS256, which needs a client secret of at least 32 bytes"
                + " (256 bits, RFC 7518 section 3.2); this client secret has " + secret.length
                + " bytes: use client_secret_basic or client_secret_post with a short secret");
      }
      alg = JWSAlgorithm.HS256;
    } else if (authentication instanceof ClientAuthentication.PrivateKeyJwt keyJwt) {
      kid = keyJwt.keyId();
      if ("RSA".equals(keyJwt.key().getAlgorithm())) {
        try {
          jwsSigner = new RSASSASigner(keyJwt.key());
        } catch (IllegalArgumentException weak) {
          throw new IllegalArgumentException(
              "private_key_jwt with RS256 needs an RSA private key of at least 2048 bits"
                  + " (RFC 7518, section 3.3)");
        }
        alg = JWSAlgorithm.RS256;
      } else if (keyJwt.key() instanceof ECPrivateKey ecKey) {
        try {
          alg = ECDSA.resolveAlgorithm(ecKey);
          jwsSigner = new ECDSASigner(ecKey);
        } catch (JOSEException unsupportedCurve) {
          throw new IllegalArgumentException(
              "private_key_jwt needs an EC key on P-256 (ES256), P-384 (ES384) or P-521 (ES512)"
                  + " (RFC 7518, section 3.4); this key's curve is not supported");
        }
      } else {
        throw new IllegalArgumentException(
            "private_key_jwt needs an RSA or EC private key; got a "
                + keyJwt.key().getClass().getSimpleName());
      }
    }
    this.authorizationHeader = header;
    this.signer = jwsSigner;
    this.algorithm = alg;
    this.keyId = kid;
  }

  /** The {@code Authorization} header value, for client_secret_basic only. */
  public Optional<String> authorizationHeader() {
    return Optional.ofNullable(authorizationHeader);
  }

  /** The JWS algorithm of the client assertion, for the two JWT methods. */
  public Optional<String> assertionAlgorithm() {
    return Optional.ofNullable(algorithm).map(JWSAlgorithm::getName);
  }

  /**
   * The form parameters this authentication adds; a JWT method signs a fresh assertion (new
   * {@code jti}, {@code iat} now) for each call.
   *
   * @param audience the URL the request goes to: the assertion's {@code aud} (RFC 7523, 3)
   */
  public Map<String, String> formParameters(URI audience) {
    Map<String, String> form = new LinkedHashMap<>();
    if (authentication instanceof ClientAuthentication.Post post) {
      form.put("client_id", post.clientId());
      form.put("client_secret", post.clientSecret());
    } else if (authentication instanceof ClientAuthentication.None none) {
      form.put("client_id", none.clientId());
    } else if (signer != null) {
      // RFC 7521, section 4.2 lets client_id go with the assertion, and some servers (Spring
      // Authorization Server among them) refuse an assertion without it (400 invalid_request).
      form.put("client_id", authentication.clientId());
      form.put("client_assertion_type", JWT_BEARER_ASSERTION_TYPE);
      form.put("client_assertion", assertion(audience));
    }
    return form;
  }

  /**
   * The strings that must never appear in a message: the client secret, when there is one, and
   * the Basic credentials as sent.
   */
  public Set<String> secrets() {
    Set<String> secrets = new LinkedHashSet<>();
    if (authentication instanceof ClientAuthentication.Basic basic) {
      secrets.add(basic.clientSecret());
      secrets.add(FormEncoder.encode(basic.clientSecret()));
      secrets.add(authorizationHeader.substring("Basic ".length()));
    } else if (authentication instanceof ClientAuthentication.Post post) {
      secrets.add(post.clientSecret());
    } else if (authentication instanceof ClientAuthentication.SecretJwt secretJwt) {
      secrets.add(secretJwt.clientSecret());
    }
    return secrets;
  }

  private String assertion(URI audience) {
    // RFC 7523, section 3: iss = sub = client_id, aud = the endpoint, exp required, jti unique.
    Instant now = clock.instant();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(authentication.clientId())
        .subject(authentication.clientId())
        .audience(audience.toString())
        .jwtID(UUID.randomUUID().toString())
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)))
        .build();
    JWSHeader header = new JWSHeader.Builder(algorithm)
        .type(JOSEObjectType.JWT)
        .keyID(keyId)
        .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      // The signer was built and checked with this very key; a failure here is a broken
      // JCA provider, not a request the caller could fix.
      throw new IllegalStateException(
          "could not sign the " + algorithm + " client assertion: " + e.getClass().getSimpleName(), e);
    }
    return jwt.serialize();
  }
}

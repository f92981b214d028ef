package dev.tokenkeeper;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Proof Key for Code Exchange (RFC 7636) with the {@code S256} method: a secret
 * {@link #verifier()} kept by the client, and its {@link #challenge()} sent in the authorization
 * request. Pass the verifier to {@link Grant#authorizationCode(String, String, Pkce)} when
 * exchanging the code.
 *
 * <p>Immutable and thread-safe. {@code toString()} never shows the verifier.
 */
public final class Pkce {
  /** The only method TokenKeeper uses; {@code plain} protects nothing (RFC 7636, 7.2). */
  public static final String S256 = "S256";

  /** RFC 7636, section 4.1: 43 to 128 unreserved characters. */
  private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9\\-._~]{43,128}");

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String verifier;
  private final String challenge;

  private Pkce(String verifier) {
    this.verifier = verifier;
    this.challenge = challengeOf(verifier);
  }

  /** A fresh verifier of 32 random bytes, base64url-encoded to 43 characters (RFC 7636, 4.1). */
  public static Pkce generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return new Pkce(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /**
   * The PKCE pair for a verifier kept from the authorization request, e.g. in the session.
   *
   * @throws IllegalArgumentException the verifier is not 43 to 128 characters of
   *     {@code [A-Za-z0-9-._~]}
   */
  public static Pkce ofVerifier(String verifier) {
    if (verifier == null || !VERIFIER.matcher(verifier).matches()) {
      throw new IllegalArgumentException("code_verifier must be 43 to 128 characters of"
          + " A-Z, a-z, 0-9, '-', '.', '_' and '~' (RFC 7636, section 4.1); got "
          + (verifier == null ? "null" : verifier.length() + " characters"));
    }
    return new Pkce(verifier);
  }

  /** The {@code code_verifier}; a secret, sent only with the token request. */
  public String verifier() {
    return verifier;
  }

  /** The {@code code_challenge}: {@code BASE64URL(SHA-256(ASCII(verifier)))} (RFC 7636, 4.2). */
  public String challenge() {
    return challenge;
  }

  /** The {@code code_challenge_method}: always {@code S256}. */
  public String method() {
    return S256;
  }

  /** {@code code_challenge} and {@code code_challenge_method}, for the authorization request URL. */
  public Map<String, String> authorizationParameters() {
    return Map.of("code_challenge", challenge, "code_challenge_method", S256);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Pkce other && verifier.equals(other.verifier);
  }

  @Override
  public int hashCode() {
    return verifier.hashCode();
  }

  @Override
  public String toString() {
    return "Pkce[verifier=██, challenge=" + challenge + ", method=S256]";
  }

  private static String challengeOf(String verifier) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}

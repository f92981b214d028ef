package dev.tokenkeeper.servlet.login;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A user signed in by {@link LoginFilter}: the server-made key their tokens are kept under and the
 * claims of their <em>verified</em> ID token (signature checked against the provider's JWK Set,
 * {@code iss}, {@code aud}, {@code azp}, {@code exp}, {@code iat} and {@code nonce} checked).
 *
 * <p>Immutable and thread-safe. {@code toString()} shows the subject, never a token.
 *
 * @param key the server-made {@code endpoint_id} of this browser session
 * @param subject the ID token's {@code sub}; for a plain OAuth login without an ID token, the
 *     provider's {@code owner_id} when it sent one, else the key
 * @param claims the verified ID token's claims as JSON values (dates as epoch seconds); empty
 *     without an ID token
 * @param signedInAt when the callback stored the tokens
 */
public record SignedInUser(String key, String subject, Map<String, Object> claims,
    Instant signedInAt) {

  public SignedInUser {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(subject, "subject");
    claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
    Objects.requireNonNull(signedInAt, "signedInAt");
  }

  /** The ID token's {@code sid} (the provider's session, for back-channel logout), if any. */
  public Optional<String> sessionId() {
    return claims.get("sid") instanceof String sid ? Optional.of(sid) : Optional.empty();
  }

  /** The ID token's {@code name}, else {@code preferred_username}, else {@code email}, if any. */
  public Optional<String> displayName() {
    for (String claim : new String[] {"name", "preferred_username", "email"}) {
      if (claims.get(claim) instanceof String s && !s.isBlank()) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "SignedInUser[subject=" + subject + ", signedInAt=" + signedInAt + "]";
  }
}

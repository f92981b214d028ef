package dev.tokenkeeper.internal;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import java.text.ParseException;
import java.util.Collections;
import java.util.Map;

/** Reads the claims of an OpenID Connect ID token, without checking its signature. Not API. */
public final class IdTokens {
  private IdTokens() {}

  /**
   * The claims as JSON values (dates as epoch seconds).
   *
   * @throws IllegalStateException the ID token is not a readable JWT; the message does not show it
   */
  public static Map<String, Object> claims(String idToken) {
    JWTClaimsSet claims;
    try {
      JWT jwt = JWTParser.parse(idToken);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new IllegalStateException("the id_token is not a well-formed JWT (OpenID Connect Core,"
          + " section 2), so its claims cannot be read", e);
    }
    if (claims == null) {
      throw new IllegalStateException(
          "the id_token is an encrypted JWT; decrypt it before reading its claims");
    }
    return Collections.unmodifiableMap(claims.toJSONObject());
  }
}

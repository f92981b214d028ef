package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** PKCE (RFC 7636) with S256. */
class PkceTest {
  /** RFC 7636, Appendix B. */
  private static final String VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  private static final String CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

  @Test
  void theChallengeOfTheRfc7636AppendixBVerifierMatchesTheRfc() {
    Pkce pkce = Pkce.ofVerifier(VERIFIER);

    assertEquals(VERIFIER, pkce.verifier());
    assertEquals(CHALLENGE, pkce.challenge());
    assertEquals("S256", pkce.method());
    assertEquals(Map.of("code_challenge", CHALLENGE, "code_challenge_method", "S256"),
        pkce.authorizationParameters());
  }

  @Test
  void aGeneratedVerifierIs43UnreservedCharactersAndFreshEachTime() {
    Pkce first = Pkce.generate();
    Pkce second = Pkce.generate();

    assertTrue(first.verifier().matches("[A-Za-z0-9\\-._~]{43}"), first.verifier().length() + "");
    assertNotEquals(first.verifier(), second.verifier());
    assertNotEquals(first, second);
    assertEquals(first, Pkce.ofVerifier(first.verifier()));
    assertEquals(first.hashCode(), Pkce.ofVerifier(first.verifier()).hashCode());
  }

  @Test
  void aVerifierOutsideTheRfcRulesIsRefusedWithoutShowingIt() {
    for (String bad : new String[] {"too-short", "x".repeat(129), VERIFIER.replace('-', '+')}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Pkce.ofVerifier(bad));
      assertEquals("code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and"
          + " '~' (RFC 7636, section 4.1); got " + bad.length() + " characters", e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Pkce.ofVerifier(null));
  }

  @Test
  void toStringShowsTheChallengeButNeverTheVerifier() {
    Pkce pkce = Pkce.ofVerifier(VERIFIER);

    assertEquals("Pkce[verifier=██, challenge=" + CHALLENGE + ", method=S256]", pkce.toString());
    assertFalse(pkce.toString().contains(VERIFIER));
  }

  @Test
  void theAuthorizationCodeGrantCarriesTheVerifier() {
    Grant.AuthorizationCode grant = Grant.authorizationCode("code", "https://app/cb",
        Pkce.ofVerifier(VERIFIER));

    assertEquals(VERIFIER, grant.parameters().get("code_verifier"));
    assertFalse(grant.toString().contains(VERIFIER));
  }
}

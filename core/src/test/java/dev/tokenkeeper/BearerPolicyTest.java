package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules every HTTP client adapter shares. */
class BearerPolicyTest {
  private final BearerPolicy policy =
      BearerPolicy.allowedOrigins(URI.create("https://API.example.com/v1"));

  @Test
  void allowsTheOriginWhateverThePathCaseAndDefaultPort() {
    assertTrue(policy.allows(URI.create("https://api.example.com/accounts?x=1")));
    assertTrue(policy.allows(URI.create("https://api.example.com:443/")));
    assertFalse(policy.allows(URI.create("http://api.example.com/")));
    assertFalse(policy.allows(URI.create("https://api.example.com:8443/")));
    assertFalse(policy.allows(URI.create("https://evil.example.com/")));
    assertFalse(policy.allows(URI.create("/relative")));
  }

  @Test
  void sameOriginComparesSchemeHostAndPort() {
    assertTrue(BearerPolicy.sameOrigin(URI.create("http://a:80/x"), URI.create("HTTP://A/y")));
    assertFalse(BearerPolicy.sameOrigin(URI.create("http://a/x"), URI.create("http://a:81/x")));
    assertFalse(BearerPolicy.sameOrigin(URI.create("/x"), URI.create("/x")));
  }

  @Test
  void a401OrAnInvalidTokenChallengeRejectsTheToken() {
    assertTrue(BearerPolicy.rejectsToken(401, List.of()));
    assertTrue(BearerPolicy.rejectsToken(401, List.of("Bearer realm=\"api\"")));
    assertTrue(BearerPolicy.rejectsToken(401, List.of("Basic realm=\"x\", Bearer error=\"invalid_token\"")));
    assertTrue(BearerPolicy.rejectsToken(403, List.of("Bearer error=\"invalid_token\"")));
    assertFalse(BearerPolicy.rejectsToken(401, List.of("Bearer error=\"insufficient_scope\"")));
    assertFalse(BearerPolicy.rejectsToken(403, List.of("Bearer error=\"insufficient_scope\"")));
    assertFalse(BearerPolicy.rejectsToken(200, List.of()));
  }

  @Test
  void replayableWhenTheLengthIsKnownAndWithinTheLimit() {
    BearerPolicy small = policy.withMaxReplayBytes(10);
    assertTrue(small.replayable(0));
    assertTrue(small.replayable(10));
    assertFalse(small.replayable(11));
    assertFalse(small.replayable(-1));
    assertEquals(BearerPolicy.DEFAULT_MAX_REPLAY_BYTES, policy.maxReplayBytes());
    assertFalse(policy.withMaxReplayBytes(0).replayable(1));
  }

  @Test
  void credentialHeadersInAnyCase() {
    assertTrue(BearerPolicy.isCredentialHeader("authorization"));
    assertTrue(BearerPolicy.isCredentialHeader("Cookie"));
    assertTrue(BearerPolicy.isCredentialHeader("PROXY-AUTHORIZATION"));
    assertFalse(BearerPolicy.isCredentialHeader("Content-Type"));
  }

  @Test
  void badConfigurationIsRefusedWithAMessageThatSaysWhatToDo() {
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> BearerPolicy.allowedOrigins(List.of()));
    assertTrue(empty.getMessage().contains("allowedOrigins is empty"), empty.getMessage());
    IllegalArgumentException ftp = assertThrows(IllegalArgumentException.class,
        () -> BearerPolicy.allowedOrigins(URI.create("ftp://files.example.com")));
    assertTrue(ftp.getMessage().contains("ftp://files.example.com is not an absolute http"),
        ftp.getMessage());
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> policy.withMaxReplayBytes(-1));
    assertEquals("maxReplayBytes must be 0 or more, not -1", negative.getMessage());
  }

  @Test
  void valueSemanticsAndAReadableToString() {
    assertEquals(policy, BearerPolicy.allowedOrigins(URI.create("https://api.example.com")));
    assertEquals(policy.hashCode(),
        BearerPolicy.allowedOrigins(URI.create("https://api.example.com")).hashCode());
    assertFalse(policy.equals(policy.withMaxReplayBytes(1)));
    assertEquals("BearerPolicy[allowedOrigins=[https://api.example.com:443], maxReplayBytes="
        + BearerPolicy.DEFAULT_MAX_REPLAY_BYTES + "]", policy.toString());
  }
}

package dev.tokenkeeper.servlet.login.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ReturnTargetsTest {
  @ParameterizedTest
  @ValueSource(strings = {"https://evil.example", "//evil.example", "/\\evil.example",
      "\\/evil.example", "/%2f%2Fevil.example", "/%2F/evil.example", "/%5cevil.example",
      "%2F%2Fevil", "/%25%32%46%25%32%46evil", "/%252f%252fevil", "/%25252f%25252fevil",
      "relative/path", "/a\tb", "/a b", "/a\u0000", "/#x", "/%", "/%zz", "HTTP://evil",
      "/%0d%0aLocation:%20x"})
  void refused(String target) {
    assertNull(ReturnTargets.safe(target), target);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/app", "/app/x?y=1&z=%2Fa", "/a/b/../c", "/~u", "/a:b",
      "/search?q=a%20b", "/search?q=a+b", "/app?next=%2F%2Fx"})
  void accepted(String target) {
    assertEquals(target, ReturnTargets.safe(target));
  }

  @Test
  void pendingLoginsNeverShowTheirSecrets() {
    PendingLogins.Pending p = new PendingLogins.Pending("state-value", "binding-value",
        "nonce-value", "verifier-value", "/x", Instant.EPOCH);
    String s = p.toString();
    for (String secret : new String[] {"state-value", "binding-value", "nonce-value",
        "verifier-value"}) {
      assertFalse(s.contains(secret), s);
    }
  }
}

package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OPEN DEFECT, not run by the suite (the class name does not end in {@code Test}): the soak with
 * every fault kind, {@code "expires_in": 0} included. It fails today: the manager serves a token
 * the provider answered with {@code expires_in} 0 — expired when it arrives — to the callers
 * waiting for it, instead of refusing the answer with a {@link TokenEndpointException} that names
 * {@code expires_in} (as a negative value is) or treating it as expired. Run it with
 *
 * <pre>mvn -pl core -am test -Dtest=OpenDefectExpiresInZeroSoak -Dsurefire.failIfNoSpecifiedTests=false</pre>
 *
 * and rename it into the suite when it passes.
 */
class OpenDefectExpiresInZeroSoak {

  @Test
  void everyFaultKindIncludingExpiresInZeroKeepsEveryInvariant() throws Exception {
    ChaosSoak soak = new ChaosSoak(Long.getLong("soak.seed", 20261130L), 16, 50,
        Integer.getInteger("soak.cycles", 40), 0.3, ChaosSoak.faultsExcept()).run();
    System.out.println(soak.summary());
    assertEquals(List.of(), soak.violations, soak.summary());
  }
}

package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OPEN DEFECTS, not run by the suite (the class name does not end in {@code Test}): the soak with
 * every fault kind. It fails today on two of them, which {@link ChaosSoakTest} leaves out:
 *
 * <ul>
 *   <li>{@code "expires_in": 0}: the manager serves the token — expired when it arrives — to the
 *       callers waiting for it, instead of refusing the answer with a
 *       {@link TokenEndpointException} that names {@code expires_in} (as it does for a negative
 *       value) or treating it as expired ("served a token that is not valid now ... issued with
 *       fault EXPIRES_IN_ZERO");
 *   <li>a refresh answer with duplicate keys ({@code access_token} and {@code expires_in} twice,
 *       {@code refresh_token} once): the answer is refused as a whole, so its rotated refresh
 *       token is lost and the next refresh sends the one the provider already rotated ("sent a
 *       refresh token already rotated by a DUPLICATE_KEYS answer"; 3 in the long run, seed 7).
 * </ul>
 *
 * <pre>mvn -pl core -am test -Dtest=OpenDefectsChaosSoak -Dsurefire.failIfNoSpecifiedTests=false -Dsoak.cycles=400 -Dsoak.seed=7</pre>
 *
 * Rename it into the suite when it passes.
 */
class OpenDefectsChaosSoak {

  @Test
  void everyFaultKindIncludingExpiresInZeroKeepsEveryInvariant() throws Exception {
    ChaosSoak soak = new ChaosSoak(Long.getLong("soak.seed", 20261130L), 16, 50,
        Integer.getInteger("soak.cycles", 40), 0.3, ChaosSoak.faultsExcept()).run();
    System.out.println(soak.summary());
    assertEquals(List.of(), soak.violations, soak.summary());
  }
}

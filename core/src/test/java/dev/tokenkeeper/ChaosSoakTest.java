package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.ChaosTokenEndpoint.Fault;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The soak of issue 8 in its short form (a few seconds); the long form is the same code with
 * more cycles and another seed:
 *
 * <pre>mvn -pl core -am test -Dtest=ChaosSoakTest -Dsoak.cycles=2000 -Dsoak.seed=7</pre>
 *
 * <p>Every fault kind but {@link Fault#EXPIRES_IN_ZERO} and {@link Fault#DUPLICATE_KEYS}: the
 * manager still serves a token answered with {@code "expires_in": 0}, already expired, and loses
 * the rotated refresh token of a refresh answer refused for duplicate keys — open defects that
 * {@link OpenDefectsChaosSoak} shows (it is not part of the suite until they are fixed).
 */
class ChaosSoakTest {

  @Test
  void sixteenThreadsOnFiftyKeysAgainstTheChaosEndpointKeepEveryInvariant() throws Exception {
    long seed = Long.getLong("soak.seed", 20261130L);
    int cycles = Integer.getInteger("soak.cycles", 40);
    List<Fault> faults = ChaosSoak.faultsExcept(Fault.EXPIRES_IN_ZERO, Fault.DUPLICATE_KEYS);
    ChaosSoak soak = new ChaosSoak(seed, 16, 50, cycles, 0.3, faults).run();
    System.out.println(soak.summary());

    assertEquals(List.of(), soak.violations, soak.summary());
    assertTrue(soak.served.get() > 0, soak.summary());
    if (cycles >= 40) {
      assertEquals(faults.size(), soak.faultsByKind.size(),
          "every fault kind was injected: " + soak.faultsByKind);
    }
  }
}

package dev.tokenkeeper.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.redis.testing.RotatingProvider;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the provider saw of a cluster: one request per cycle, no refresh token used twice. */
final class ClusterAssertions {
  private ClusterAssertions() {}

  static void oneRequestPerCycle(RotatingProvider provider, List<String> nodeResults,
      long minGapMillis) {
    List<RotatingProvider.Arrival> arrivals = provider.arrivals();
    String seen = "provider saw " + arrivals.size() + " requests (" + provider.refreshes()
        + " refreshes, " + provider.invalidGrants() + " invalid_grant); nodes: " + nodeResults;
    assertEquals(0, provider.invalidGrants(), "no dead refresh token sent: " + seen);
    assertEquals(List.of(), provider.reusedRefreshTokens(), seen);
    assertEquals(1, arrivals.stream().filter(a -> a.grant().equals("client_credentials")).count(),
        "one initial acquisition for the whole cluster: " + seen);
    for (int i = 1; i < arrivals.size(); i++) {
      long gap = arrivals.get(i).nanoTime() - arrivals.get(i - 1).nanoTime();
      assertTrue(gap >= TimeUnit.MILLISECONDS.toNanos(minGapMillis), "requests " + (i - 1)
          + " and " + i + " came " + TimeUnit.NANOSECONDS.toMillis(gap) + " ms apart: two"
          + " requests in one cycle; " + seen);
    }
  }
}

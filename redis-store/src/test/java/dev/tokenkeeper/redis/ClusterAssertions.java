package dev.tokenkeeper.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.redis.testing.RotatingProvider;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the provider saw of a cluster: one request per cycle, no refresh token used twice. */
final class ClusterAssertions {
  private ClusterAssertions() {}

  /**
   * @param until what the provider processed before this moment ({@link System#nanoTime()}) is
   *     judged: the tests take it when their cycles are done, because stopping an instance fails
   *     its request in flight (the provider may have processed it), which rightly lets another
   *     instance in while the test tears down
   */
  static void oneRequestPerCycle(RotatingProvider provider, List<String> nodeResults,
      long minGapMillis, long until) {
    List<RotatingProvider.Arrival> arrivals = provider.arrivals().stream()
        .filter(a -> a.nanoTime() - until < 0).toList();
    long invalidGrants = arrivals.stream().filter(RotatingProvider.Arrival::refused).count();
    List<String> refreshTokens = arrivals.stream().map(RotatingProvider.Arrival::refreshToken)
        .filter(rt -> rt != null).toList();
    String seen = "provider saw " + arrivals.size() + " requests (" + invalidGrants
        + " invalid_grant) before the tear-down; nodes: " + nodeResults;
    assertEquals(0, invalidGrants, "no dead refresh token sent: " + seen);
    assertEquals(refreshTokens.stream().distinct().count(), refreshTokens.size(),
        "no refresh token sent twice: " + seen);
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

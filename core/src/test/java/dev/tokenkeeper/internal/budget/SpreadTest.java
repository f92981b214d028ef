package dev.tokenkeeper.internal.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SpreadTest {

  @Test
  void aKeyAlwaysGetsTheSameShare() {
    assertEquals(Spread.fraction("device-7"), Spread.fraction("device-7"));
    assertEquals(Spread.delayMillis("device-7", 300_000, 0.2),
        Spread.delayMillis("device-7", 300_000, 0.2));
  }

  @Test
  void aThousandSimilarKeysCoverTheWholeSpread() {
    long window = 300_000;
    long[] delays = IntStream.range(0, 1000)
        .mapToLong(i -> Spread.delayMillis("key-" + i, window, 0.2)).sorted().toArray();
    assertTrue(delays[0] >= 0 && delays[999] < window * 0.2);
    double covered = (delays[999] - delays[0]) / (double) window;
    assertTrue(covered >= 0.19, "spread over " + covered + " of the window");
    // Even: no tenth of the spread holds more than twice its share.
    int[] buckets = new int[10];
    for (long d : delays) {
      buckets[(int) (d * 10 / (window / 5))]++;
    }
    for (int b : buckets) {
      assertTrue(b > 50 && b < 200, "bucket of " + b);
    }
  }

  @Test
  void noSpreadOrNoWindowMeansNoDelay() {
    assertEquals(0, Spread.delayMillis("k", 300_000, 0));
    assertEquals(0, Spread.delayMillis("k", 0, 0.2));
  }
}

package dev.tokenkeeper.servlet.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HttpDatesTest {
  /** The formatter the filter used before: the reference for years outside 1..9999 too. */
  private static final DateTimeFormatter PATTERN =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

  /**
   * RFC_1123_DATE_TIME's text with a one-digit day padded: IMF-fixdate is RFC 1123's date with a
   * fixed-width day (RFC 9110, 5.6.7).
   */
  private static String rfc1123Padded(Instant instant) {
    String s = DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atOffset(ZoneOffset.UTC));
    return s.charAt(6) == ' ' ? s.substring(0, 5) + "0" + s.substring(5) : s;
  }

  private static void check(Instant instant) {
    String text = HttpDates.format(instant);
    assertEquals(rfc1123Padded(instant), text, instant.toString());
    assertEquals(PATTERN.format(instant.atOffset(ZoneOffset.UTC)), text, instant.toString());
    assertEquals(29, text.length(), text);
  }

  @Test
  void writesTheRfc9110Example() {
    assertEquals("Sun, 06 Nov 1994 08:49:37 GMT",
        HttpDates.format(Instant.parse("1994-11-06T08:49:37.900Z")));
    assertEquals("Sun, 22 Nov 2026 10:15:00 GMT",
        HttpDates.format(Instant.parse("2026-11-22T10:15:00Z")));
  }

  @Test
  void matchesRfc1123OnEdges() {
    for (String s : new String[] {
        "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.999Z",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2000-02-29T12:00:00Z",
        "2000-03-01T00:00:00Z", "1900-02-28T23:59:59Z", "1900-03-01T00:00:00Z",
        "2024-02-29T23:59:59Z", "2100-02-28T00:00:00Z", "2100-03-01T00:00:00Z",
        "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
        "1600-02-29T00:00:00Z", "0400-02-29T06:07:08Z", "1066-10-14T09:00:00Z",
        "2038-01-19T03:14:08Z", "2026-11-01T01:01:01Z", "2026-11-09T09:09:09Z"}) {
      check(Instant.parse(s));
    }
  }

  @Test
  void matchesRfc1123OnEveryDayOf2023To2029AtTwoTimes() {
    Instant start = Instant.parse("2023-01-01T00:00:00Z");
    for (int day = 0; day < 7 * 366; day++) {
      check(start.plusSeconds(day * 86_400L));
      check(start.plusSeconds(day * 86_400L + 86_399L));
    }
  }

  @Test
  void matchesRfc1123OnRandomInstantsOverYears1To9999() {
    SplittableRandom random = new SplittableRandom(20261122L);
    long min = Instant.parse("0001-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int i = 0; i < 200_000; i++) {
      check(Instant.ofEpochSecond(random.nextLong(min, max + 1), random.nextInt(1_000_000_000)));
    }
  }

  @Test
  void outsideFourDigitYearsWritesWhatTheFormatterWrote() {
    for (String s : new String[] {"+10000-01-01T00:00:00Z", "0000-12-31T23:59:59Z",
        "-0001-06-15T00:00:00Z"}) {
      Instant instant = Instant.parse(s);
      assertEquals(PATTERN.format(instant.atOffset(ZoneOffset.UTC)), HttpDates.format(instant), s);
    }
    assertThrows(DateTimeException.class, () -> HttpDates.format(Instant.MAX));
  }

  @Test
  void cacheAnswersTheSameSecondWithTheSameTextAndANewSecondAnew() {
    HttpDates.Cache cache = new HttpDates.Cache();
    Instant t = Instant.parse("2026-11-22T10:15:00.100Z");
    String first = cache.format(t);
    assertEquals("Sun, 22 Nov 2026 10:15:00 GMT", first);
    assertSame(first, cache.format(t.plusMillis(800)));
    assertEquals("Sun, 22 Nov 2026 10:15:01 GMT", cache.format(t.plusSeconds(1)));
    assertEquals("Sun, 22 Nov 2026 10:15:00 GMT", cache.format(t));
    assertEquals("Wed, 31 Dec 1969 23:59:59 GMT", cache.format(Instant.ofEpochMilli(-1)));
  }

  @Test
  void cacheIsCorrectUnderRacingThreads() throws Exception {
    HttpDates.Cache cache = new HttpDates.Cache();
    int threads = 8;
    int rounds = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        results.add(pool.submit(() -> {
          start.await();
          int correct = 0;
          for (int i = 0; i < rounds; i++) {
            // Four seconds in turn, so that threads keep replacing each other's entries.
            Instant instant = Instant.ofEpochSecond(1_795_000_000L + (i + offset) % 4, i);
            if (cache.format(instant).equals(rfc1123Padded(instant))) {
              correct++;
            }
          }
          return correct;
        }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> f : results) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertEquals(threads * rounds, total);
    } finally {
      pool.shutdownNow();
    }
  }
}

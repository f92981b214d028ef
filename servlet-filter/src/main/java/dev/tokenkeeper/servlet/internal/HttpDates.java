package dev.tokenkeeper.servlet.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * IMF-fixdates (RFC 9110, section 5.6.7), e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}, written by
 * hand: the filter writes up to two per request, and {@link DateTimeFormatter} was half of its
 * cost. Thread-safe: {@link #format} is a pure function; a {@link Cache} holds one immutable
 * entry behind a volatile reference.
 */
public final class HttpDates {
  private HttpDates() {}

  // Not RFC_1123_DATE_TIME: it writes a one-digit day ("6 Nov"), which IMF-fixdate forbids.
  // Kept for years outside 1..9999, which four digits cannot hold: the same text as before.
  private static final DateTimeFormatter PATTERN =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

  private static final String[] DAYS = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  private static final String[] MONTHS = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

  /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years four digits can hold. */
  private static final long MIN_SECOND = -62_135_596_800L;
  private static final long MAX_SECOND = 253_402_300_799L;

  /** {@code instant} as an IMF-fixdate; the fraction of a second is dropped. */
  public static String format(Instant instant) {
    long second = instant.getEpochSecond();
    if (second < MIN_SECOND || second > MAX_SECOND) {
      return PATTERN.format(instant.atOffset(ZoneOffset.UTC));
    }
    long day = Math.floorDiv(second, 86_400L);
    int secondOfDay = (int) Math.floorMod(second, 86_400L);
    // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted), in eras
    // of 400 years starting on 0000-03-01 so that the leap day is the era year's last day.
    long z = day + 719_468L;
    long era = Math.floorDiv(z, 146_097L);
    int dayOfEra = (int) (z - era * 146_097L);
    int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    int mp = (5 * dayOfYear + 2) / 153;
    int dayOfMonth = dayOfYear - (153 * mp + 2) / 5 + 1;
    int month = mp < 10 ? mp + 3 : mp - 9;
    int year = (int) (yearOfEra + era * 400) + (month <= 2 ? 1 : 0);

    byte[] b = new byte[29];
    put3(b, 0, DAYS[(int) Math.floorMod(day, 7L)]);
    b[3] = ',';
    b[4] = ' ';
    put2(b, 5, dayOfMonth);
    b[7] = ' ';
    put3(b, 8, MONTHS[month - 1]);
    b[11] = ' ';
    put2(b, 12, year / 100);
    put2(b, 14, year % 100);
    b[16] = ' ';
    put2(b, 17, secondOfDay / 3600);
    b[19] = ':';
    put2(b, 20, secondOfDay / 60 % 60);
    b[22] = ':';
    put2(b, 23, secondOfDay % 60);
    b[25] = ' ';
    b[26] = 'G';
    b[27] = 'M';
    b[28] = 'T';
    return new String(b, java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static void put2(byte[] b, int at, int value) {
    b[at] = (byte) ('0' + value / 10);
    b[at + 1] = (byte) ('0' + value % 10);
  }

  private static void put3(byte[] b, int at, String s) {
    b[at] = (byte) s.charAt(0);
    b[at + 1] = (byte) s.charAt(1);
    b[at + 2] = (byte) s.charAt(2);
  }

  /**
   * The last date formatted, by epoch second: a deadline changes at most once a second (the
   * absolute one not at all), so most requests find it here. Thread-safe without locks: racing
   * threads may each format and store an entry; every entry is immutable and correct, so a reader
   * sees either a matching one or formats again.
   */
  public static final class Cache {
    private record Entry(long second, String text) {}

    private volatile Entry last;

    /** {@link HttpDates#format}{@code (instant)}, from the cache when the second is the last one's. */
    public String format(Instant instant) {
      long second = instant.getEpochSecond();
      Entry e = last;
      if (e != null && e.second == second) {
        return e.text;
      }
      String text = HttpDates.format(instant);
      last = new Entry(second, text);
      return text;
    }
  }
}

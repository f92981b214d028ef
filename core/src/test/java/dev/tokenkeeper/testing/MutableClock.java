package dev.tokenkeeper.testing;

import dev.tokenkeeper.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A wall clock and a monotonic {@link Ticker} that tests move by hand; thread-safe.
 * {@link #advance} is time really passing (both move); {@link #step} and {@link #set} are a
 * wall-clock correction (only the wall clock moves, as NTP or an operator would move it).
 */
public final class MutableClock extends Clock implements Ticker {
  private volatile Instant now;
  private volatile long nanos;

  public MutableClock(Instant start) {
    this.now = start;
  }

  public static MutableClock at(String isoInstant) {
    return new MutableClock(Instant.parse(isoInstant));
  }

  /** Time passes: the wall clock and the ticker move by {@code by}. */
  public synchronized void advance(Duration by) {
    now = now.plus(by);
    nanos += by.toNanos();
  }

  /** The wall clock is stepped by {@code by} (may be negative); the ticker does not move. */
  public synchronized void step(Duration by) {
    now = now.plus(by);
  }

  @Override
  public long read() {
    return nanos;
  }

  public void set(Instant instant) {
    now = instant;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}

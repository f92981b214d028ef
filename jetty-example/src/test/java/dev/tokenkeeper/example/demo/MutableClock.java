package dev.tokenkeeper.example.demo;

import dev.tokenkeeper.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A wall clock and a monotonic ticker that tests move together, by hand. */
final class MutableClock extends Clock implements Ticker {
  private volatile Instant now;
  private volatile long nanos;

  MutableClock(Instant start) {
    this.now = start;
  }

  synchronized void advance(Duration d) {
    now = now.plus(d);
    nanos += d.toNanos();
  }

  @Override
  public long read() {
    return nanos;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return now;
  }
}

package dev.tokenkeeper.servlet.login;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A wall clock that tests move by hand; thread-safe. */
public final class TestClock extends Clock {
  private volatile Instant now = Instant.now();

  public synchronized void advance(Duration by) {
    now = now.plus(by);
  }

  @Override public Instant instant() {
    return now;
  }

  @Override public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override public Clock withZone(ZoneId zone) {
    return this;
  }
}

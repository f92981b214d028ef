package dev.tokenkeeper;

/**
 * A monotonic time source in nanoseconds, for durations: token lifetimes ({@code expires_in}),
 * refresh windows, expiry margins, idle timeouts, cool-downs and retry delays. Unlike a wall
 * {@link java.time.Clock}, it never steps back or forward when the system time is corrected, so a
 * wall-clock step never makes an expired token look fresh. Only absolute instants the provider
 * names ({@code session_expiration_time}) are read on the wall clock.
 *
 * <p>Implementations must be thread-safe and cheap: the cached-token path of
 * {@link TokenManager#token} reads the ticker once per call. Tests pass one they advance by hand.
 * The values have no meaning of their own, only their differences (as {@link System#nanoTime()}).
 */
@FunctionalInterface
public interface Ticker {

  /** Nanoseconds since an arbitrary but fixed origin; never decreases. */
  long read();

  /** The system's monotonic time, {@link System#nanoTime()}. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/** One instance, so the hot path sees a single implementation and inlines it. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}

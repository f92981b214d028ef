package dev.tokenkeeper.internal.budget;

import java.nio.charset.StandardCharsets;

/**
 * The deterministic per-key share of the refresh window by which a key's refresh moment moves
 * later, so that tokens acquired together are refreshed at different moments. Derived from the
 * key alone (a 64-bit FNV-1a hash of its UTF-8 bytes, then the SplitMix64 finaliser), so a key
 * keeps its moment across restarts and processes, and keys that differ in one character land far
 * apart.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class Spread {
  private Spread() {}

  /** The key's fraction in {@code [0, 1)}. */
  public static double fraction(String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return (h >>> 11) * 0x1.0p-53;
  }

  /**
   * How many milliseconds later than the start of its refresh window {@code key} refreshes.
   *
   * @param windowMillis the refresh window's length
   * @param spread the largest share of the window, from 0 to 0.5
   */
  public static long delayMillis(String key, long windowMillis, double spread) {
    if (spread <= 0 || windowMillis <= 0) {
      return 0;
    }
    return (long) (windowMillis * spread * fraction(key));
  }
}

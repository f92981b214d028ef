package dev.tokenkeeper.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** The rule for {@code TokenManager} keys, and RingCentral's derived {@code endpoint_id}. */
public final class Keys {
  /** The longest key, in UTF-16 chars; {@code TokenManager.MAX_KEY_LENGTH} documents it. */
  public static final int MAX_LENGTH = 512;

  private Keys() {}

  /** Whether {@code key} is 1 to {@link #MAX_LENGTH} characters without control characters. */
  public static boolean isValid(String key) {
    int n = key.length();
    if (n == 0 || n > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (Character.isISOControl(key.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code key}, if valid.
   *
   * @throws NullPointerException {@code key} is null
   * @throws IllegalArgumentException {@code key} is empty, too long or holds a control character
   */
  public static String check(String key) {
    if (key == null) {
      throw new NullPointerException("key is required");
    }
    if (!isValid(key)) {
      throw new IllegalArgumentException(problem(key));
    }
    return key;
  }

  /** What is wrong with an invalid key, without echoing it (it may be long or hostile). */
  public static String problem(String key) {
    String why = key.isEmpty() ? "it is empty"
        : key.length() > MAX_LENGTH ? "it has " + key.length() + " characters"
        : "it holds a control character at index " + firstControl(key);
    return "a key must be 1 to " + MAX_LENGTH + " characters without control characters"
        + " (U+0000..U+001F, U+007F..U+009F); " + why;
  }

  private static int firstControl(String key) {
    for (int i = 0; i < key.length(); i++) {
      if (Character.isISOControl(key.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** RingCentral's rule for {@code endpoint_id}, without a regex. */
  public static boolean fitsEndpointIdRule(String value) {
    int n = value.length();
    if (n < 1 || n > 64) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** The key itself when it fits the rule, else base64url(SHA-256(UTF-8 key)) unpadded. */
  public static String ringCentralEndpointId(String key) {
    if (fitsEndpointIdRule(key)) {
      return key;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(key.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e); // every JVM has it
    }
  }
}

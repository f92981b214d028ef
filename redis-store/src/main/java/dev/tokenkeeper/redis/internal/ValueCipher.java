package dev.tokenkeeper.redis.internal;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWECryptoParts;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.crypto.DirectDecrypter;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jose.util.Base64URL;
import dev.tokenkeeper.TokenStoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest of stored values: JWE with direct encryption ({@code dir}) and AES-256-GCM
 * ({@code A256GCM}), through Nimbus JOSE+JWT. The Redis key name is bound to the ciphertext as
 * additional authenticated data (the JWE AAD, RFC 7516 section 5.1 step 14, extended with
 * {@code "." + key name}), so a value copied to another key fails to decrypt. Keys rotate by a
 * list: the first encrypts, every key decrypts (chosen by {@code kid}, a fingerprint of the key),
 * and a value is re-encrypted with the first key whenever it is written again.
 *
 * <p>{@link #plaintext()} stores values as they are: only when the application opted in.
 *
 * <p>Immutable and thread-safe; holds secrets, so {@code toString()} shows fingerprints only.
 * Internal: not part of TokenKeeper's API.
 */
public final class ValueCipher {
  private static final int KEY_BYTES = 32;

  private final List<String> kids;
  private final Map<String, SecretKey> keys;

  private ValueCipher(List<byte[]> rawKeys) {
    this.kids = new ArrayList<>();
    this.keys = new LinkedHashMap<>();
    for (int i = 0; i < rawKeys.size(); i++) {
      byte[] raw = rawKeys.get(i);
      if (raw == null || raw.length != KEY_BYTES) {
        throw new IllegalArgumentException("encryption key #" + (i + 1) + " must be 32 bytes"
            + " (256 bits) for A256GCM; got " + (raw == null ? "none" : raw.length + " bytes")
            + ". Generate one with: openssl rand -base64 32");
      }
      String kid = fingerprint(raw);
      if (keys.putIfAbsent(kid, new SecretKeySpec(raw.clone(), "AES")) == null) {
        kids.add(kid);
      }
    }
  }

  /** Encrypts with the first key; decrypts with any. */
  public static ValueCipher of(List<byte[]> keys) {
    if (keys == null || keys.isEmpty()) {
      throw new IllegalArgumentException("at least one encryption key is required");
    }
    return new ValueCipher(keys);
  }

  /** No encryption: values are stored readable. */
  public static ValueCipher plaintext() {
    return new ValueCipher(List.of());
  }

  public boolean encrypts() {
    return !kids.isEmpty();
  }

  /** The value as stored under {@code redisKey}. */
  public byte[] seal(String redisKey, byte[] plain) {
    if (!encrypts()) {
      return plain;
    }
    try {
      JWEHeader header = new JWEHeader.Builder(JWEAlgorithm.DIR, EncryptionMethod.A256GCM)
          .keyID(kids.get(0))
          .build();
      Base64URL encodedHeader = header.toBase64URL();
      JWECryptoParts parts = new DirectEncrypter(keys.get(kids.get(0)))
          .encrypt(header, plain, aad(encodedHeader, redisKey));
      String compact = encodedHeader + ".." + parts.getInitializationVector() + "."
          + parts.getCipherText() + "." + parts.getAuthenticationTag();
      return compact.getBytes(StandardCharsets.US_ASCII);
    } catch (JOSEException e) {
      throw new TokenStoreException("could not encrypt the value for Redis key '" + redisKey
          + "': " + e.getMessage(), e);
    }
  }

  /**
   * The plain value stored under {@code redisKey}.
   *
   * @throws TokenStoreException the value was not sealed for this key by one of the keys
   */
  public byte[] open(String redisKey, byte[] stored) {
    boolean sealed = stored.length > 0 && stored[0] == 'e';
    if (!encrypts()) {
      if (sealed) {
        throw new TokenStoreException("the value of Redis key '" + redisKey + "' is encrypted"
            + " but no encryption key is configured; configure the keys it was written with");
      }
      return stored;
    }
    if (!sealed) {
      throw new TokenStoreException("the value of Redis key '" + redisKey + "' is not encrypted"
          + " although encryption is configured; it was written by an instance running in"
          + " plaintext mode, and is ignored");
    }
    try {
      String[] parts = new String(stored, StandardCharsets.US_ASCII).split("\\.", -1);
      if (parts.length != 5 || !parts[1].isEmpty()) {
        throw new TokenStoreException("the value of Redis key '" + redisKey + "' is not a"
            + " TokenKeeper JWE (dir, A256GCM)");
      }
      Base64URL encodedHeader = new Base64URL(parts[0]);
      JWEHeader header = JWEHeader.parse(encodedHeader);
      if (!JWEAlgorithm.DIR.equals(header.getAlgorithm())
          || !EncryptionMethod.A256GCM.equals(header.getEncryptionMethod())) {
        throw new TokenStoreException("the value of Redis key '" + redisKey + "' uses "
            + header.getAlgorithm() + "/" + header.getEncryptionMethod()
            + "; only dir/A256GCM is accepted");
      }
      SecretKey key = keys.get(header.getKeyID());
      if (key == null) {
        throw new TokenStoreException("the value of Redis key '" + redisKey + "' was encrypted"
            + " with a key that is not configured (kid " + header.getKeyID() + "; configured: "
            + kids + "); keep old keys in the list, after the current one, while values written"
            + " with them remain");
      }
      return new DirectDecrypter(key).decrypt(header, null, new Base64URL(parts[2]),
          new Base64URL(parts[3]), new Base64URL(parts[4]), aad(encodedHeader, redisKey));
    } catch (ParseException | JOSEException e) {
      throw new TokenStoreException("the value of Redis key '" + redisKey + "' does not decrypt"
          + " (it was written for another key, or altered): " + e.getMessage());
    }
  }

  private static byte[] aad(Base64URL encodedHeader, String redisKey) {
    return (encodedHeader + "." + redisKey).getBytes(StandardCharsets.UTF_8);
  }

  /** A key's id: the first 8 bytes of its SHA-256, base64url; tells keys apart, reveals nothing. */
  static String fingerprint(byte[] raw) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw);
      return Base64URL.encode(Arrays.copyOf(digest, 8)).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return encrypts() ? "ValueCipher[dir/A256GCM, kids=" + kids + "]" : "ValueCipher[plaintext]";
  }
}

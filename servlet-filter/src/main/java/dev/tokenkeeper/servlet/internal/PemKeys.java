package dev.tokenkeeper.servlet.internal;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.function.Function;

/**
 * Reads an unencrypted PKCS#8 PEM private key (RFC 7468, section 10) with the JDK alone: an RSA
 * key for RS256 or an EC P-256 key for ES256. Messages never contain key material.
 */
final class PemKeys {
  private PemKeys() {}

  static final String FORM = "the path of an unencrypted PKCS#8 PEM file (-----BEGIN PRIVATE"
      + " KEY-----) holding an RSA or EC P-256 private key";

  private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String END = "-----END PRIVATE KEY-----";

  static <E extends Exception> PrivateKey read(String path, Function<String, E> failure)
      throws E {
    String pem = SecretFiles.read(path, failure);
    if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      throw failure.apply("names the file " + path + ", which holds an encrypted key; decrypt it"
          + " with: openssl pkcs8 -topk8 -nocrypt -in encrypted.pem -out key.pem");
    }
    if (pem.contains("-----BEGIN RSA PRIVATE KEY-----")
        || pem.contains("-----BEGIN EC PRIVATE KEY-----")) {
      throw failure.apply("names the file " + path + ", which holds a PKCS#1 or SEC 1 key, not"
          + " PKCS#8; convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.p8.pem");
    }
    int begin = pem.indexOf(BEGIN);
    int end = pem.indexOf(END);
    if (begin < 0 || end < begin) {
      throw failure.apply("names the file " + path + ", which has no " + BEGIN + " ... " + END
          + " block");
    }
    byte[] der;
    try {
      // The strict decoder: the MIME one skips stray characters and would hide a damaged file.
      der = Base64.getDecoder().decode(
          pem.substring(begin + BEGIN.length(), end).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw failure.apply("names the file " + path + ", whose PEM block is not valid Base64");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : new String[] {"RSA", "EC"}) {
      PrivateKey key;
      try {
        key = KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException | ClassCastException e) {
        continue;
      }
      if (key instanceof ECPrivateKey ec
          && ec.getParams().getCurve().getField().getFieldSize() != 256) {
        throw failure.apply("names the file " + path + ", which holds an EC key on a "
            + ec.getParams().getCurve().getField().getFieldSize() + "-bit curve; private_key_jwt"
            + " signs with ES256, which needs P-256");
      }
      return key;
    }
    throw failure.apply("names the file " + path + ", which holds neither an RSA nor an EC"
        + " private key in PKCS#8 form");
  }
}

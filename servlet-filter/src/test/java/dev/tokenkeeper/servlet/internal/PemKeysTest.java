package dev.tokenkeeper.servlet.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenkeeper.servlet.TestKeys;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemKeysTest {
  @TempDir Path dir;

  @Test
  void readsPkcs8RsaAndEcP256Keys() throws Exception {
    for (KeyPair pair : new KeyPair[] {TestKeys.rsa(), TestKeys.ec("secp256r1")}) {
      Path file = TestKeys.write(dir, pair.getPrivate().getAlgorithm() + ".pem",
          "comment line before the block\r\n" + TestKeys.pkcs8Pem(pair).replace("\n", "\r\n"));
      PrivateKey key = PemKeys.read(file.toString(), IllegalStateException::new);
      assertEquals(pair.getPrivate().getAlgorithm(), key.getAlgorithm());
      assertArrayEquals(pair.getPrivate().getEncoded(), key.getEncoded());
    }
  }
}

package dev.tokenkeeper.servlet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Reads small files that hold a secret (a client secret, a password, an assertion, a PEM key).
 * Failure messages name the file, never its content.
 */
final class SecretFiles {
  private SecretFiles() {}

  /** The largest file read: a secret or a key is far smaller; anything bigger is a wrong path. */
  static final int MAX_BYTES = 64 * 1024;

  static final String FORM = "the path of a readable UTF-8 file (at most 64 KiB)";

  /**
   * The file's text with surrounding whitespace (and the final newline) trimmed.
   *
   * @param failure makes the exception to throw from a message such as "names the file X, which
   *     does not exist"
   */
  static <E extends Exception> String read(String path, Function<String, E> failure) throws E {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(Path.of(path))) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (InvalidPathException e) {
      throw failure.apply("is not a valid path (" + e.getReason() + ")");
    } catch (NoSuchFileException e) {
      throw failure.apply("names the file " + path + ", which does not exist");
    } catch (AccessDeniedException e) {
      throw failure.apply("names the file " + path + ", which this process may not read");
    } catch (IOException e) {
      throw failure.apply("names the file " + path + ", which cannot be read ("
          + e.getClass().getSimpleName() + ")");
    }
    if (bytes.length > MAX_BYTES) {
      throw failure.apply("names the file " + path + ", which is larger than 64 KiB");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString()
          .strip();
    } catch (CharacterCodingException e) {
      throw failure.apply("names the file " + path + ", which is not UTF-8 text");
    }
    if (text.isEmpty()) {
      throw failure.apply("names the file " + path + ", which is empty");
    }
    return text;
  }
}

package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactorTest {
  @Test
  void aSecretContainingAnotherIsMaskedWhole() {
    Redactor redactor = new Redactor(List.of("abc", "abcdef"));

    assertEquals("x ██ y ██", redactor.redact("x abcdef y abc"));
  }

  @Test
  void secretsShorterThanThreeCharactersAreNotSearchedFor() {
    assertEquals("a b ab", new Redactor(List.of("a", "ab")).redact("a b ab"));
  }

  @Test
  void controlCharactersAreDroppedAndNullStaysNull() {
    assertEquals("ab", Redactor.none().redact("a\u0000\u001bb"));
    assertNull(Redactor.none().redact(null));
  }

  @Test
  void anExcerptDecodesCommonEntitiesAndMasksTokenLikeRuns() {
    assertEquals("a < b & \"c\" 'd' ██",
        Redactor.none().excerpt("<p>a&nbsp;&lt; b &amp; &quot;c&quot; &#39;d&#39;</p>"
            + " abcdefghijklmnopqrstuvwxyz0123"));
  }

  @Test
  void formEncodingFollowsHtmlFormRules() {
    assertEquals("a+b%26c=d%3De", FormEncoder.encode(Map.of("a b&c", "d=e")));
    assertEquals("", FormEncoder.encode(Map.of()));
    assertEquals("%C3%BC%2B", FormEncoder.encode("ü+"));
  }
}

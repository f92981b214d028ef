package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  void aSecretBehindCharacterReferencesOrPercentEscapesIsDecodedThenMasked() {
    Redactor redactor = new Redactor(List.of("s+e/c=r t"));

    assertEquals("x ██ y", redactor.redact("x s&#43;e&#x2f;c&equals;r&#32;t y"));
    assertEquals("x ██ y", redactor.redact("x s&plus;e&sol;c%3dr t y"));
    assertEquals("x ██ y", redactor.redact("x s%2Be%2Fc%3Dr+t y"));
    assertEquals("x ██", redactor.redact("x s&amp;#43;e%252Fc=r t"));
    assertEquals("a &#43; b %2F", redactor.redact("a &#43; b %2F"));
    assertTrue(redactor.revealsSecret("s%26%2343;e/c=r t"));
    assertFalse(redactor.revealsSecret("s+e/c=r"));
  }

  @Test
  void aTextEncodedTooManyTimesOverIsWithheld() {
    String deep = "s+e";
    for (int i = 0; i < 12; i++) {
      deep = FormEncoder.encode(deep);
    }
    assertEquals(Redactor.WITHHELD, new Redactor(List.of("s+e")).redact(deep));
    assertEquals(deep, Redactor.none().redact(deep));
  }

  @Test
  void characterReferencesToInvalidCodePointsStayAsTheyAre() {
    assertEquals("&#0; &#xD800; &#99999999; &nosuch; é A",
        Redactor.decodeCharacterReferences("&#0; &#xD800; &#99999999; &nosuch; &#xe9; &#65"));
  }

  @Test
  void formEncodingFollowsHtmlFormRules() {
    assertEquals("a+b%26c=d%3De", FormEncoder.encode(Map.of("a b&c", "d=e")));
    assertEquals("", FormEncoder.encode(Map.of()));
    assertEquals("%C3%BC%2B", FormEncoder.encode("ü+"));
  }
}

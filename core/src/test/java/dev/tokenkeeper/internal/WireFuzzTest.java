package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenResponse;
import java.net.URLDecoder;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzz tests (Jazzer) of everything that reads what a provider or resource server sends, and of
 * what keeps secrets out of messages: the token response parser, {@code Retry-After},
 * {@code WWW-Authenticate}, the {@link Redactor} and the {@link FormEncoder}.
 *
 * <p>The property everywhere: an input gives a value or a documented exception
 * ({@link TokenEndpointException}), never anything else, and a planted secret ({@link #MARKER}
 * and its encoded forms) never shows in a message.
 *
 * <p>{@code mvn verify} runs each method on its regression inputs in
 * {@code src/test/resources/dev/tokenkeeper/internal/WireFuzzTestInputs/<method>/} (Jazzer's
 * regression mode: no fuzzing, a few milliseconds). With {@code JAZZER_FUZZ=1} one method is
 * fuzzed for its {@code maxDuration}; see the README's "Fuzzing" section. A finding is written
 * to that inputs directory, where it stays as a regression input once fixed.
 */
class WireFuzzTest {
  /** The request's secret the provider may echo; a dictionary entry, so the fuzzer plants it. */
  static final String MARKER = "Mk7+s3cr/T=q";

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final TokenResponseParser PARSER =
      new TokenResponseParser(CLOCK, Duration.ofHours(1));
  private static final Redactor REDACTOR = new Redactor(List.of(MARKER, FormEncoder.encode(MARKER)));

  /**
   * An HTTP answer from bytes: the first line is {@code <status> <Retry-After value>}, the rest
   * is the body, so the regression inputs are readable files.
   */
  record Answer(int status, String retryAfter, byte[] body) {
    static Answer of(byte[] data) {
      int newline = indexOf(data, (byte) '\n');
      String head = newline < 0 ? "" : new String(data, 0, newline, StandardCharsets.UTF_8);
      byte[] body = newline < 0 ? data : java.util.Arrays.copyOfRange(data, newline + 1, data.length);
      String[] parts = head.split(" ", 2);
      int status = 200;
      try {
        status = Math.floorMod(Integer.parseInt(parts[0].trim()), 500) + 100;
      } catch (NumberFormatException notANumber) {
        // keep 200
      }
      return new Answer(status, parts.length > 1 ? parts[1] : null, body);
    }

    HttpHeaders headers() {
      Map<String, List<String>> map = new LinkedHashMap<>();
      map.put("Content-Type", List.of(status % 2 == 0 ? "application/json" : "text/html"));
      if (retryAfter != null) {
        map.put("Retry-After", List.of(retryAfter));
      }
      return HttpHeaders.of(map, (a, b) -> true);
    }
  }

  private static int indexOf(byte[] data, byte b) {
    for (int i = 0; i < data.length; i++) {
      if (data[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** Messages of {@code e} and its causes, and its OAuth fields: none may show the marker. */
  private static void assertNoMarker(TokenEndpointException e) {
    List<String> shown = new ArrayList<>();
    for (Throwable t = e; t != null && shown.size() < 16; t = t.getCause()) {
      shown.add(String.valueOf(t.getMessage()));
    }
    e.error().ifPresent(shown::add);
    e.errorDescription().ifPresent(shown::add);
    e.errorUri().ifPresent(shown::add);
    for (String text : shown) {
      assertFalse(text.contains(MARKER), text);
      assertFalse(REDACTOR.revealsSecret(text), text);
    }
  }

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({MARKER, "Mk7&#43;s3cr&#x2F;T&#61;q", "Mk7%2Bs3cr%2FT%3Dq", "\"error\"",
      "\"error_description\"", "\"error_uri\"", "\"access_token\"", "\"token_type\"",
      "\"Bearer\"", "\"expires_in\"", "\"refresh_token\"", "\"refresh_token_expires_in\"",
      "\"session_expiration_time\"", "\"session_expires_in\"", "\"session_idle_timeout\"",
      "9999999999999999", "1e400", "-1", "&#", "&amp;", "%25", "<html>"})
  void tokenResponse(byte[] data) {
    Answer answer = Answer.of(data);
    try {
      TokenResponse response = PARSER.parseTokenResponse(answer.status(), answer.headers(),
          answer.body(), NOW, REDACTOR);
      assertTrue(answer.status() >= 200 && answer.status() <= 299);
      // Every derived value is computable: no overflow on the way to nanoseconds.
      assertNotNull(response.expiresAt());
      response.expiresIn().toNanos();
      response.refreshTokenExpiresIn().ifPresent(Duration::toNanos);
      response.sessionIdleTimeout().ifPresent(Duration::toNanos);
      response.sessionExpiresAt().ifPresent(at -> at.compareTo(NOW));
      response.refreshTokenExpiresAt().ifPresent(at -> at.compareTo(NOW));
      assertEquals(null, B64Token.violation(response.accessToken().value()));
    } catch (TokenEndpointException e) {
      assertNoMarker(e);
      e.retryAfter().ifPresent(Duration::toNanos);
    }
    try {
      PARSER.checkRevocationResponse(answer.status(), answer.headers(), answer.body(), REDACTOR);
    } catch (TokenEndpointException e) {
      assertNoMarker(e);
    }
  }

  @FuzzTest(maxDuration = "1m")
  @DictionaryEntries({"Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 2026 00:00:00 GMT", "GMT",
      "9999999999999999", "0"})
  void retryAfter(byte[] data) {
    Duration delay = RetryAfter.parse(new String(data, StandardCharsets.UTF_8), CLOCK);
    if (delay != null) {
      assertFalse(delay.isNegative());
      assertTrue(delay.compareTo(Lifetimes.MAX) <= 0, delay.toString());
      delay.toNanos();
    }
  }

  @FuzzTest(maxDuration = "1m")
  @DictionaryEntries({"Bearer", "Basic", "error=", "\"invalid_token\"", "realm=", ", ", "\\\""})
  void wwwAuthenticate(byte[] data) {
    String header = new String(data, StandardCharsets.UTF_8);
    String error = BearerChallenges.bearerError(header);
    if (error != null) {
      assertTrue(error.length() <= header.length());
    }
    String[] lines = header.split("\n", -1);
    BearerChallenges.bearerError(HttpHeaders.of(Map.of("WWW-Authenticate", List.of(lines)),
        (a, b) -> true));
  }

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({MARKER, "&#43;", "&#x2F;", "&#x2f", "&plus;", "&sol;", "&equals;", "&amp;",
      "%2B", "%2F", "%3D", "%25", "+", "<script>", "</script>", "<p>"})
  void redactor(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    String redacted = REDACTOR.redact(text);
    String excerpt = REDACTOR.excerpt(text);
    for (String out : new String[] {redacted, excerpt}) {
      assertFalse(out.contains(MARKER), out);
      assertFalse(REDACTOR.revealsSecret(out), out);
    }
    assertTrue(excerpt.length() <= Redactor.EXCERPT_LENGTH + 1, excerpt);
    // Any secret, not only the marker: the first line of the input is the secret.
    int newline = text.indexOf('\n');
    if (newline >= 3) {
      String secret = text.substring(0, newline);
      if (secret.indexOf('█') < 0) {
        String shown = new Redactor(List.of(secret)).redact(text.substring(newline + 1));
        assertFalse(shown.contains(secret), shown);
      }
    }
  }

  @FuzzTest(maxDuration = "1m")
  void formEncoder(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    int split = text.indexOf('=');
    String name = split < 0 ? text : text.substring(0, split);
    String value = split < 0 ? "" : text.substring(split + 1);
    String body = FormEncoder.encode(Map.of(name, value));
    assertTrue(body.matches("[A-Za-z0-9.*_+%=\\-]*"), body);
    // Decoding gives back what was encoded (a lone surrogate is sent as '?', as URLEncoder does).
    String expectedName = new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    String expectedValue =
        new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    int eq = body.indexOf('=');
    assertEquals(expectedName, URLDecoder.decode(body.substring(0, eq), StandardCharsets.UTF_8));
    assertEquals(expectedValue, URLDecoder.decode(body.substring(eq + 1), StandardCharsets.UTF_8));
  }
}

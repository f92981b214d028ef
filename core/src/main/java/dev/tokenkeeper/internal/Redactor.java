package dev.tokenkeeper.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Keeps secrets out of exception messages. A provider's error page or {@code error_description}
 * may echo what the client sent, so every text taken from a response passes through here: the
 * request's own secrets are replaced by {@value #MASK}, and an excerpt of a non-JSON body also
 * loses every long token-like run of characters, since it could be a token we do not know.
 *
 * <p>An echo need not be literal: a server may write {@code +} as the HTML character reference
 * {@code &#43;} or {@code &plus;}, or {@code /} as {@code %2f}. So a text is also decoded (HTML
 * numeric and named character references, percent-escapes, repeatedly, for double encodings)
 * and, when the decoded text holds a secret, it is that decoded text, masked, that is returned.
 *
 * <p>Immutable and thread-safe. Not part of the API.
 */
public final class Redactor {
  /** What a secret is replaced with (OkHttp's choice for {@code Authorization}). */
  public static final String MASK = "██";

  /** Secrets shorter than this are not searched for, or every "a" in a message would go. */
  private static final int MIN_SECRET_LENGTH = 3;

  /** The longest excerpt of a response body put into a message. */
  public static final int EXCERPT_LENGTH = 160;

  /**
   * Rounds of decoding: far more than any honest double encoding ({@code &amp;#43;},
   * {@code %252B}) needs, and bounded, since each round reads the whole text.
   */
  private static final int MAX_DECODING_ROUNDS = 8;

  /** What {@link #redact} returns for a text still encoded after every round of decoding. */
  public static final String WITHHELD = "(text withheld: encoded more than "
      + MAX_DECODING_ROUNDS + " times over)";

  private static final Pattern TOKEN_LIKE = Pattern.compile("[A-Za-z0-9._~+/=\\-]{24,}");
  private static final Pattern SCRIPT_OR_STYLE =
      Pattern.compile("(?is)<(script|style)\\b.*?</\\1\\s*>");
  private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");
  private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}&&[^\\n\\t]]");
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final Pattern CHARACTER_REFERENCE =
      Pattern.compile("&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z]{2,8}));?");
  private static final Pattern PERCENT_ESCAPES = Pattern.compile("(?:%[0-9a-fA-F]{2})+");

  /**
   * The HTML named character references (HTML Living Standard, section 13.5) of the ASCII
   * characters a secret or a token may hold, and the few that error pages use for prose.
   */
  private static final Map<String, String> NAMED = Map.ofEntries(
      Map.entry("excl", "!"), Map.entry("quot", "\""), Map.entry("QUOT", "\""),
      Map.entry("num", "#"), Map.entry("dollar", "$"), Map.entry("percnt", "%"),
      Map.entry("amp", "&"), Map.entry("AMP", "&"), Map.entry("apos", "'"),
      Map.entry("lpar", "("), Map.entry("rpar", ")"), Map.entry("ast", "*"),
      Map.entry("midast", "*"), Map.entry("plus", "+"), Map.entry("comma", ","),
      Map.entry("period", "."), Map.entry("sol", "/"), Map.entry("colon", ":"),
      Map.entry("semi", ";"), Map.entry("lt", "<"), Map.entry("LT", "<"),
      Map.entry("equals", "="), Map.entry("gt", ">"), Map.entry("GT", ">"),
      Map.entry("quest", "?"), Map.entry("commat", "@"), Map.entry("lsqb", "["),
      Map.entry("lbrack", "["), Map.entry("bsol", "\\"), Map.entry("rsqb", "]"),
      Map.entry("rbrack", "]"), Map.entry("Hat", "^"), Map.entry("lowbar", "_"),
      Map.entry("UnderBar", "_"), Map.entry("grave", "`"), Map.entry("lcub", "{"),
      Map.entry("lbrace", "{"), Map.entry("verbar", "|"), Map.entry("vert", "|"),
      Map.entry("VerticalLine", "|"), Map.entry("rcub", "}"), Map.entry("rbrace", "}"),
      Map.entry("nbsp", " "), Map.entry("Tab", "\t"), Map.entry("NewLine", "\n"));

  private final List<String> secrets;

  public Redactor(Collection<String> secrets) {
    // Longest first, so that a secret containing another is masked whole.
    this.secrets = secrets.stream()
        .filter(s -> s != null && s.length() >= MIN_SECRET_LENGTH)
        .distinct()
        .sorted((a, b) -> Integer.compare(b.length(), a.length()))
        .collect(Collectors.toUnmodifiableList());
  }

  public static Redactor none() {
    return new Redactor(Set.of());
  }

  /**
   * {@code text} with every known secret masked, control characters dropped; may be null. When
   * a secret shows only once the text is decoded (character references, percent-escapes), the
   * decoded text is returned, masked.
   */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String clean = withoutControls(text);
    if (secrets.isEmpty()) {
      return clean;
    }
    String decoded = decodeFully(clean, false);
    // A form-urlencoded echo writes a space as '+'.
    String formDecoded = decodeFully(clean, true);
    if (decoded == null || formDecoded == null) {
      // Could hide anything: a secret under more layers than were peeled.
      return WITHHELD;
    }
    if (containsSecret(decoded)) {
      return mask(decoded);
    }
    if (containsSecret(formDecoded)) {
      return mask(formDecoded);
    }
    return mask(clean);
  }

  /**
   * A short, single-line, human-readable excerpt of a non-JSON body such as an HTML error page:
   * scripts, styles and tags removed, character references decoded, whitespace collapsed, known
   * secrets and anything that looks like a token masked, cut to {@value #EXCERPT_LENGTH}
   * characters.
   */
  public String excerpt(String body) {
    String text = SCRIPT_OR_STYLE.matcher(body).replaceAll(" ");
    text = TAG.matcher(text).replaceAll(" ");
    text = decodeCharacterReferences(text);
    text = redact(text);
    text = TOKEN_LIKE.matcher(text).replaceAll(MASK);
    text = WHITESPACE.matcher(text).replaceAll(" ").trim();
    if (text.length() > EXCERPT_LENGTH) {
      text = text.substring(0, EXCERPT_LENGTH) + "…";
    }
    return text;
  }

  /** Whether {@code text} holds a secret, literally or once decoded. */
  public boolean revealsSecret(String text) {
    if (text == null || secrets.isEmpty()) {
      return false;
    }
    String clean = withoutControls(text);
    String decoded = decodeFully(clean, false);
    String formDecoded = decodeFully(clean, true);
    return containsSecret(clean) || decoded == null || containsSecret(decoded)
        || formDecoded == null || containsSecret(formDecoded);
  }

  private boolean containsSecret(String text) {
    for (String secret : secrets) {
      if (text.contains(secret)) {
        return true;
      }
    }
    return false;
  }

  private String mask(String text) {
    String result = text;
    for (String secret : secrets) {
      result = result.replace(secret, MASK);
    }
    return result;
  }

  private static String withoutControls(String text) {
    return CONTROL.matcher(text).replaceAll("");
  }

  /**
   * Character references and percent-escapes decoded until nothing changes, or {@code null}
   * when {@value #MAX_DECODING_ROUNDS} rounds were not enough.
   */
  private static String decodeFully(String text, boolean plusIsSpace) {
    String current = plusIsSpace ? text.replace('+', ' ') : text;
    for (int round = 0; round < MAX_DECODING_ROUNDS; round++) {
      String next = decodePercentEscapes(decodeCharacterReferences(current));
      if (next.equals(current)) {
        return withoutControls(current);
      }
      current = next;
    }
    return null;
  }

  /**
   * HTML character references decoded: {@code &#43;}, {@code &#x2F;} (with or without the
   * {@code ;}, as browsers read them) and the named ones of {@link #NAMED}. Anything else, such
   * as a reference to an invalid code point, is left as it is.
   */
  static String decodeCharacterReferences(String text) {
    if (text.indexOf('&') < 0) {
      return text;
    }
    Matcher m = CHARACTER_REFERENCE.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    while (m.find()) {
      String replacement;
      if (m.group(3) != null) {
        replacement = NAMED.get(m.group(3));
      } else {
        int codePoint = parseCodePoint(m.group(1) != null ? m.group(1) : m.group(2),
            m.group(1) != null ? 10 : 16);
        replacement = codePoint < 0 ? null : new String(Character.toChars(codePoint));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement != null
          ? replacement : m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static int parseCodePoint(String digits, int radix) {
    long value = Long.parseLong(digits, radix);
    if (value <= 0 || value > Character.MAX_CODE_POINT || (value >= 0xD800 && value <= 0xDFFF)) {
      return -1;
    }
    return (int) value;
  }

  /** Runs of {@code %XX} decoded as UTF-8 (malformed bytes become U+FFFD). */
  static String decodePercentEscapes(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    Matcher m = PERCENT_ESCAPES.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    while (m.find()) {
      String run = m.group();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(run.length() / 3);
      for (int i = 0; i < run.length(); i += 3) {
        bytes.write(Integer.parseInt(run.substring(i + 1, i + 3), 16));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(bytes.toString(StandardCharsets.UTF_8)));
    }
    m.appendTail(out);
    return out.toString();
  }
}

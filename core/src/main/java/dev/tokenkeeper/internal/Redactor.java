package dev.tokenkeeper.internal;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Keeps secrets out of exception messages. A provider's error page or {@code error_description}
 * may echo what the client sent, so every text taken from a response passes through here: the
 * request's own secrets are replaced by {@value #MASK}, and an excerpt of a non-JSON body also
 * loses every long token-like run of characters, since it could be a token we do not know.
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

  private static final Pattern TOKEN_LIKE = Pattern.compile("[A-Za-z0-9._~+/=\\-]{24,}");
  private static final Pattern SCRIPT_OR_STYLE =
      Pattern.compile("(?is)<(script|style)\\b.*?</\\1\\s*>");
  private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");
  private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}&&[^\\n\\t]]");
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

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

  /** {@code text} with every known secret masked, control characters dropped; may be null. */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String result = CONTROL.matcher(text).replaceAll("");
    for (String secret : secrets) {
      result = result.replace(secret, MASK);
    }
    return result;
  }

  /**
   * A short, single-line, human-readable excerpt of a non-JSON body such as an HTML error page:
   * scripts, styles and tags removed, whitespace collapsed, known secrets and anything that
   * looks like a token masked, cut to {@value #EXCERPT_LENGTH} characters.
   */
  public String excerpt(String body) {
    String text = SCRIPT_OR_STYLE.matcher(body).replaceAll(" ");
    text = TAG.matcher(text).replaceAll(" ");
    text = text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">")
        .replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    text = redact(text);
    text = TOKEN_LIKE.matcher(text).replaceAll(MASK);
    text = WHITESPACE.matcher(text).replaceAll(" ").trim();
    if (text.length() > EXCERPT_LENGTH) {
      text = text.substring(0, EXCERPT_LENGTH) + "…";
    }
    return text;
  }
}

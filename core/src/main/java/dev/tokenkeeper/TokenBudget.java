package dev.tokenkeeper;

import java.io.Serializable;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A budget for the requests TokenKeeper sends to one provider's token endpoint: at most
 * {@link #requests()} per {@link #window()} for everything sent there (token requests, refreshes,
 * retries and revocations alike) and, optionally, at most {@link #perKeyRequests()} per
 * {@link #perKeyWindow()} for one key. Immutable and thread-safe; the {@code with...} methods
 * return a changed copy.
 *
 * <p>Set it with {@link TokenEndpoint.Builder#budget}; a {@link Dialect} may bring a default
 * ({@link Dialect#ringCentral()} brings {@link #RINGCENTRAL_AUTH}). A {@link TokenManager} on
 * that endpoint then spends the budget so that the provider never sees more than it allows:
 *
 * <ul>
 *   <li><b>Waiting callers first.</b> When no slot is free, requests queue. Callers that have no
 *       usable token and wait ({@link RefreshCause#INITIAL}, {@link RefreshCause#EXPIRED},
 *       {@link RefreshCause#REJECTED}, {@link RefreshCause#REACQUIRED}) and revocations go first,
 *       in arrival order; refreshes ahead of expiry come after them, the oldest deadline first.
 *       A refresh ahead of expiry that finds no slot is deferred while the current token stays
 *       in service, so it never makes a caller wait; it goes out as soon as a slot frees, which
 *       is before the token's expiry margin whenever the budget has room for it.
 *   <li><b>Bounded waiting.</b> A waiting caller queues at most {@link #maxWait()} (default: the
 *       retry policy's {@link RetryPolicy#maxElapsed()}), and at most {@link #maxQueuedKeys()}
 *       requests queue; past either, callers get a {@link TokenBudgetExceededException} naming
 *       the budget, the queue and when the next slot frees.
 *   <li><b>The provider's signal wins.</b> A 429 or 503 with {@code Retry-After} on any request
 *       pauses the whole budget until then (rate limits are per application, not per key); a 429
 *       without it pauses for the retry policy's backoff.
 *   <li><b>Spreading.</b> Each key's refresh moment moves later by a deterministic amount derived
 *       from the key, up to {@link #spread()} (default 20%) of its refresh window, so tokens
 *       acquired together are not all refreshed in the same second.
 * </ul>
 *
 * <p>A request holds its slot from the moment it is sent until one window after its answer
 * arrived (plus a guard of a hundredth of the window, at most a second). The provider logs each
 * request at some moment between the two, so it never counts more than the limit in any window,
 * however the network delays or bunches requests; the price is that a slot is held for the
 * window plus the provider's latency (at 50 ms latency, a 200/1s budget sends about 190 a
 * second).
 *
 * <pre>{@code
 * TokenEndpoint endpoint = TokenEndpoint.builder(tokenUri, ClientAuthentication.basic(id, secret))
 *     .budget(TokenBudget.parse("50/1s").withPerKey(TokenBudget.parse("5/60s")))
 *     .build();
 * }</pre>
 */
public final class TokenBudget implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * RingCentral's published limit for its "Auth" API group, which holds the token and revocation
   * endpoints: 5 requests per 60 seconds. RingCentral's rate-limit guide counts it per user per
   * application, its enforcement notice per application; this constant is applied to the whole
   * endpoint, the reading that can never be exceeded. An application with many users may raise
   * the endpoint's limit and keep this one per key with {@link #withPerKey(TokenBudget)}.
   */
  public static final TokenBudget RINGCENTRAL_AUTH = of(5, Duration.ofSeconds(60));

  /** The default {@link #maxQueuedKeys()}: 10,000, the default size of a {@link TokenManager}. */
  public static final int DEFAULT_MAX_QUEUED_KEYS = 10_000;

  /** The default {@link #spread()}: 20% of the refresh window. */
  public static final double DEFAULT_SPREAD = 0.2;

  /** The most requests the endpoint's window may hold. */
  public static final int MAX_REQUESTS = 1_000_000;

  /** The most requests a key's window may hold (each active key keeps a record that size). */
  public static final int MAX_PER_KEY_REQUESTS = 1_000;

  private static final Pattern RATE = Pattern.compile("(\\d{1,9})\\s*/\\s*(.+)");
  private static final Pattern AMOUNT = Pattern.compile("(\\d{0,12})\\s*([a-z]+)");

  private final int requests;
  private final Duration window;
  private final int perKeyRequests;
  private final Duration perKeyWindow;
  private final Duration maxWait;
  private final int maxQueuedKeys;
  private final double spread;

  private TokenBudget(int requests, Duration window, int perKeyRequests, Duration perKeyWindow,
      Duration maxWait, int maxQueuedKeys, double spread) {
    this.requests = requests;
    this.window = window;
    this.perKeyRequests = perKeyRequests;
    this.perKeyWindow = perKeyWindow;
    this.maxWait = maxWait;
    this.maxQueuedKeys = maxQueuedKeys;
    this.spread = spread;
  }

  /**
   * At most {@code requests} per {@code window} for the whole endpoint.
   *
   * @throws IllegalArgumentException {@code requests} is not from 1 to {@value #MAX_REQUESTS}, or
   *     the window is not from 1 ms to 1 day
   */
  public static TokenBudget of(int requests, Duration window) {
    checkRate("the budget", requests, window, MAX_REQUESTS);
    return new TokenBudget(requests, window, 0, null, null, DEFAULT_MAX_QUEUED_KEYS,
        DEFAULT_SPREAD);
  }

  /**
   * Parses a rate such as {@code 5/60s}, {@code 50/1s}, {@code 50/s}, {@code 5/min},
   * {@code 1000/1h} or {@code 5/PT1M}: requests, a slash, and a window in {@code ms}, {@code s},
   * {@code m} or {@code min}, {@code h}, or ISO-8601. A bare unit means one of it.
   *
   * @throws IllegalArgumentException the text is not such a rate; the message shows the form
   */
  public static TokenBudget parse(String rate) {
    Objects.requireNonNull(rate, "rate is required");
    Matcher m = RATE.matcher(rate.strip());
    if (!m.matches()) {
      throw badRate(rate);
    }
    int requests;
    try {
      requests = Integer.parseInt(m.group(1));
    } catch (NumberFormatException e) {
      throw badRate(rate);
    }
    Duration window = parseWindow(m.group(2).strip(), rate);
    return of(requests, window);
  }

  private static Duration parseWindow(String text, String rate) {
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith("p")) {
      try {
        return Duration.parse(text.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw badRate(rate);
      }
    }
    Matcher m = AMOUNT.matcher(lower);
    if (!m.matches()) {
      throw badRate(rate);
    }
    long n = m.group(1).isEmpty() ? 1 : Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s", "sec", "second", "seconds" -> Duration.ofSeconds(n);
      case "m", "min", "minute", "minutes" -> Duration.ofMinutes(n);
      case "h", "hour", "hours" -> Duration.ofHours(n);
      default -> throw badRate(rate);
    };
  }

  private static IllegalArgumentException badRate(String rate) {
    return new IllegalArgumentException("a token budget is written REQUESTS/WINDOW, such as 5/60s,"
        + " 50/1s, 5/min or 5/PT1M (window in ms, s, m, h or ISO-8601); got \"" + rate + "\"");
  }

  private static void checkRate(String what, int requests, Duration window, int max) {
    Objects.requireNonNull(window, "window is required");
    if (requests < 1 || requests > max) {
      throw new IllegalArgumentException(what + " must allow from 1 to " + max
          + " requests per window; got " + requests);
    }
    if (window.compareTo(Duration.ofMillis(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException(what + "'s window must be from 1 ms to 1 day; got "
          + window);
    }
  }

  /**
   * This budget with a second limit for each key: at most {@code requests} per {@code window}
   * for one key (RingCentral's "per user" reading of its limit). The endpoint's limit still holds.
   *
   * @throws IllegalArgumentException {@code requests} is not from 1 to
   *     {@value #MAX_PER_KEY_REQUESTS}, or the window is not from 1 ms to 1 day
   */
  public TokenBudget withPerKey(int requests, Duration window) {
    checkRate("the per-key budget", requests, window, MAX_PER_KEY_REQUESTS);
    return new TokenBudget(this.requests, this.window, requests, window, maxWait, maxQueuedKeys,
        spread);
  }

  /** {@link #withPerKey(int, Duration)} with the rate of {@code perKey} (e.g. {@code parse("5/60s")}). */
  public TokenBudget withPerKey(TokenBudget perKey) {
    Objects.requireNonNull(perKey, "perKey is required");
    return withPerKey(perKey.requests, perKey.window);
  }

  /** This budget without a per-key limit. */
  public TokenBudget withoutPerKey() {
    return new TokenBudget(requests, window, 0, null, maxWait, maxQueuedKeys, spread);
  }

  /**
   * How long a waiting caller queues at most before it gets a
   * {@link TokenBudgetExceededException}. Zero fails at once when no slot is free. Default: the
   * {@link TokenManager}'s {@link RetryPolicy#maxElapsed()}.
   */
  public TokenBudget withMaxWait(Duration maxWait) {
    Objects.requireNonNull(maxWait, "maxWait is required");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("the budget's maxWait must not be negative; got "
          + maxWait);
    }
    return new TokenBudget(requests, window, perKeyRequests, perKeyWindow, maxWait, maxQueuedKeys,
        spread);
  }

  /**
   * How many requests may queue for a slot at most (one per key, as a key has at most one token
   * request in flight). Past it a waiting caller fails at once with
   * {@link TokenBudgetExceededException} and a refresh ahead of expiry is deferred. Zero queues
   * nothing. Default {@value #DEFAULT_MAX_QUEUED_KEYS}.
   */
  public TokenBudget withMaxQueuedKeys(int maxQueuedKeys) {
    if (maxQueuedKeys < 0) {
      throw new IllegalArgumentException("the budget's maxQueuedKeys must not be negative; got "
          + maxQueuedKeys);
    }
    return new TokenBudget(requests, window, perKeyRequests, perKeyWindow, maxWait, maxQueuedKeys,
        spread);
  }

  /**
   * How far, as a fraction of the refresh window, a key's refresh moment may move later: each key
   * gets a fixed share of it derived from the key. {@code 0} turns spreading off; at most
   * {@code 0.5}. Default {@value #DEFAULT_SPREAD}.
   */
  public TokenBudget withSpread(double spread) {
    if (!(spread >= 0 && spread <= 0.5)) {
      throw new IllegalArgumentException("the budget's spread must be from 0 to 0.5 (a fraction of"
          + " the refresh window); got " + spread);
    }
    return new TokenBudget(requests, window, perKeyRequests, perKeyWindow, maxWait, maxQueuedKeys,
        spread);
  }

  /** Requests per {@link #window()} for the whole endpoint. */
  public int requests() {
    return requests;
  }

  public Duration window() {
    return window;
  }

  /** Requests per {@link #perKeyWindow()} for one key, when a per-key limit is set. */
  public OptionalInt perKeyRequests() {
    return perKeyRequests == 0 ? OptionalInt.empty() : OptionalInt.of(perKeyRequests);
  }

  /** The per-key window, when a per-key limit is set. */
  public Optional<Duration> perKeyWindow() {
    return Optional.ofNullable(perKeyWindow);
  }

  /** The longest wait in the queue, when set; else the retry policy's budget applies. */
  public Optional<Duration> maxWait() {
    return Optional.ofNullable(maxWait);
  }

  public int maxQueuedKeys() {
    return maxQueuedKeys;
  }

  public double spread() {
    return spread;
  }

  /**
   * How long after its answer a request stops counting: the window plus a guard of a hundredth of
   * it, at most a second.
   */
  public static Duration occupancy(Duration window) {
    return window.plus(Duration.ofMillis(Math.min(1000, window.toMillis() / 100)));
  }

  /** The rate as {@link #parse} reads it, e.g. {@code 5/60s}. */
  public String rate() {
    return rate(requests, window);
  }

  private static String rate(int requests, Duration window) {
    long millis = window.toMillis();
    return requests + "/" + (millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms");
  }

  /** The limits in words, for messages: {@code 5/60s for the endpoint, 2/60s per key}. */
  public String describe() {
    return rate() + " for the endpoint"
        + (perKeyRequests == 0 ? "" : ", " + rate(perKeyRequests, perKeyWindow) + " per key");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenBudget b && requests == b.requests && window.equals(b.window)
        && perKeyRequests == b.perKeyRequests && Objects.equals(perKeyWindow, b.perKeyWindow)
        && Objects.equals(maxWait, b.maxWait) && maxQueuedKeys == b.maxQueuedKeys
        && Double.compare(spread, b.spread) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(requests, window, perKeyRequests, perKeyWindow, maxWait, maxQueuedKeys,
        spread);
  }

  @Override
  public String toString() {
    return "TokenBudget[" + describe() + ", maxWait="
        + (maxWait == null ? "retry policy's" : maxWait.toString())
        + ", maxQueuedKeys=" + maxQueuedKeys + ", spread=" + Math.round(spread * 100) + "%]";
  }
}

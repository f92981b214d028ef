package dev.tokenkeeper.micrometer;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BudgetStatus;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.micrometer.internal.FailureKinds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Micrometer meters for one {@link TokenManager}: a {@link TokenListener} that counts what the
 * manager does, and a {@link MeterBinder} that registers the meters and the manager's gauges.
 *
 * <p>Thread-safe: the manager calls the listener methods from many threads at once, and
 * {@link #bindTo} may be called for several registries.
 *
 * <pre>{@code
 * TokenManagerMetrics metrics = TokenManagerMetrics.builder().tags("manager", "ringcentral").build();
 * TokenManager tokens = TokenManager.builder(endpoint)
 *     .primaryGrant(Grant.clientCredentials())
 *     .listener(metrics)                   // hears every event
 *     .build();
 * metrics.monitor(tokens).bindTo(registry); // and reads the gauges from the manager
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * <table>
 *   <caption>Meters, with their tags (Prometheus names in parentheses)</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code tokenkeeper.token.requests}<br>({@code tokenkeeper_token_requests_seconds_count},
 *       {@code _sum}, {@code _max})</td><td>timer</td><td>{@code grant}, {@code cause},
 *       {@code outcome}</td><td>every token request sent to the token endpoint, retries included,
 *       and its latency from sending to the outcome: its count is the counter of token requests.
 *       {@code grant} is the {@code grant_type} ({@code client_credentials},
 *       {@code refresh_token}, ...), {@code cause} the {@link RefreshCause} in lower case
 *       ({@code initial}, {@code ahead_of_expiry}, {@code expired}, {@code rejected},
 *       {@code reacquired}), {@code outcome} {@code success} or the failure kind below</td></tr>
 *   <tr><td>{@code tokenkeeper.token.failures}</td><td>counter</td><td>{@code kind},
 *       {@code serving}</td><td>token request sequences that failed after their retries:
 *       failed refreshes and acquisitions. {@code serving} is {@code true} when the current token
 *       stayed in service (a background refresh failed) and {@code false} when callers got the
 *       failure</td></tr>
 *   <tr><td>{@code tokenkeeper.token.rejections}</td><td>counter</td><td></td><td>tokens a
 *       resource server rejected with HTTP 401 ({@link TokenManager#rejected})</td></tr>
 *   <tr><td>{@code tokenkeeper.session.ending}</td><td>counter</td><td></td><td>provider
 *       sessions reported as ending soon</td></tr>
 *   <tr><td>{@code tokenkeeper.session.ended}</td><td>counter</td><td></td><td>provider
 *       sessions that ended and could not be renewed: those users must sign in again</td></tr>
 *   <tr><td>{@code tokenkeeper.keys}</td><td>gauge</td><td></td><td>keys held by the
 *       manager</td></tr>
 *   <tr><td>{@code tokenkeeper.token.requests.active}</td><td>gauge</td><td></td><td>token
 *       requests in flight now</td></tr>
 *   <tr><td>{@code tokenkeeper.token.expiry.min}<br>({@code tokenkeeper_token_expiry_min_seconds})
 *       </td><td>time gauge</td><td></td><td>the least time to expiry among the valid tokens held
 *       ({@link TokenManager#earliestExpiry()}); {@code NaN} when none is held. Falling towards
 *       zero means refreshes ahead of expiry are not succeeding</td></tr>
 *   <tr><td>{@code tokenkeeper.budget.deferred}</td><td>counter</td><td>{@code cause}</td><td>token
 *       requests the endpoint's {@code TokenBudget} had no slot for at once (queued, or a
 *       refresh put off)</td></tr>
 *   <tr><td>{@code tokenkeeper.budget.refused}</td><td>counter</td><td>{@code reason}</td><td>token
 *       requests the budget refused: the callers waited its maximum, or the queue was
 *       full</td></tr>
 *   <tr><td>{@code tokenkeeper.budget.used}, {@code tokenkeeper.budget.limit}</td><td>gauges</td>
 *       <td></td><td>requests counting against the budget's window now, and the window's limit
 *       ({@link TokenManager#budgetStatus()}); {@code NaN} without a budget</td></tr>
 *   <tr><td>{@code tokenkeeper.budget.queued}</td><td>gauge</td><td></td><td>requests waiting
 *       for a budget slot now</td></tr>
 *   <tr><td>{@code tokenkeeper.budget.paused}</td><td>gauge</td><td></td><td>1 while a 429 or
 *       503 with {@code Retry-After} pauses the budget, else 0</td></tr>
 * </table>
 *
 * <p>Failure kinds: {@code transient} (no answer, a timeout, 5xx or 429), an RFC 6749 error code
 * ({@code invalid_request}, {@code invalid_client}, {@code invalid_grant},
 * {@code unauthorized_client}, {@code unsupported_grant_type}, {@code invalid_scope}),
 * {@code refused} (any other OAuth error code), {@code unreadable} (an answer that was neither a
 * token nor an OAuth error), {@code reauthentication_required} (no way to a token without the user
 * signing in), {@code budget_exceeded} (the token budget refused the request), and {@code other}.
 *
 * <p><b>Cardinality.</b> No meter is tagged with the key: a manager may hold 10,000 keys, and a
 * time series per key and tag combination would swamp most monitoring systems. Where a bounded
 * grouping of keys is useful (a tenant, an environment), {@link Builder#keyGroup} adds it as the
 * {@code key_group} tag to the counters and the timer. Give each manager bound to the same
 * registry its own common tag ({@link Builder#tags}), or their meters would be one.
 *
 * <p>Meters count what happens after {@link #bindTo}; bind before the manager starts work.
 */
public final class TokenManagerMetrics implements TokenListener, MeterBinder {

  private final Tags commonTags;
  private final Function<String, String> keyGroup;
  private final Clock clock;
  private final CopyOnWriteArrayList<MeterRegistry> registries = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile TokenManager manager;

  private TokenManagerMetrics(Builder b) {
    this.commonTags = b.tags;
    this.keyGroup = b.keyGroup;
    this.clock = b.clock;
  }

  /** Meters with no common tags and no key group. */
  public static TokenManagerMetrics create() {
    return builder().build();
  }

  /** A builder for common tags and the optional key group. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The manager whose gauges (keys held, earliest expiry) to read; until it is set they read
   * {@code NaN}. Returns {@code this}, to chain {@link #bindTo}.
   */
  public TokenManagerMetrics monitor(TokenManager manager) {
    this.manager = Objects.requireNonNull(manager, "manager");
    return this;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    Gauge.builder("tokenkeeper.keys", this, m -> {
          TokenManager tm = m.manager;
          return tm == null ? Double.NaN : tm.stats().size();
        })
        .tags(commonTags)
        .description("Keys held by the token manager")
        .register(registry);
    Gauge.builder("tokenkeeper.token.requests.active", inFlight, AtomicInteger::get)
        .tags(commonTags)
        .description("Token requests in flight")
        .register(registry);
    budgetGauge(registry, "tokenkeeper.budget.used", "Token requests counting against the"
        + " budget's window now", s -> s.used());
    budgetGauge(registry, "tokenkeeper.budget.limit", "The budget's limit per window",
        s -> s.budget().requests());
    budgetGauge(registry, "tokenkeeper.budget.queued", "Token requests waiting for a budget"
        + " slot", s -> s.queued());
    budgetGauge(registry, "tokenkeeper.budget.paused", "1 while the provider's Retry-After"
        + " pauses the budget", s -> s.pausedUntil() != null
            && s.pausedUntil().isAfter(clock.instant()) ? 1 : 0);
    TimeGauge.builder("tokenkeeper.token.expiry.min", this, TimeUnit.MILLISECONDS,
            TokenManagerMetrics::leastMillisToExpiry)
        .tags(commonTags)
        .description("The least time to expiry among the valid access tokens held")
        .register(registry);
    // Counters without variable tags exist from the start, so that they read 0, not absent.
    for (String name : new String[] {"tokenkeeper.token.rejections", "tokenkeeper.session.ending",
        "tokenkeeper.session.ended"}) {
      // With a key group, the same tag keys as later increments (Prometheus requires it).
      counter(registry, name, keyGroup == null ? Tags.empty() : Tags.of("key_group", "none"));
    }
    // Bound twice to one registry, events still count once there.
    registries.addIfAbsent(registry);
  }

  private void budgetGauge(MeterRegistry registry, String name, String description,
      java.util.function.ToDoubleFunction<BudgetStatus> value) {
    Gauge.builder(name, this, m -> {
          TokenManager tm = m.manager;
          BudgetStatus status = tm == null ? null : tm.budgetStatus().orElse(null);
          return status == null ? Double.NaN : value.applyAsDouble(status);
        })
        .tags(commonTags)
        .description(description)
        .register(registry);
  }

  private double leastMillisToExpiry() {
    TokenManager tm = manager;
    if (tm == null) {
      return Double.NaN;
    }
    Instant earliest = tm.earliestExpiry().orElse(null);
    return earliest == null ? Double.NaN
        : Math.max(0, earliest.toEpochMilli() - clock.millis());
  }

  // ---- the listener ----------------------------------------------------------------------

  @Override
  public void onTokenRequestSent(String key, String grantType, RefreshCause cause) {
    inFlight.incrementAndGet();
  }

  @Override
  public void onTokenRequestCompleted(String key, String grantType, RefreshCause cause,
      Duration elapsed, Throwable failure) {
    inFlight.decrementAndGet();
    Tags tags = withGroup(key, Tags.of(
        Tag.of("grant", grantType),
        Tag.of("cause", cause.name().toLowerCase(Locale.ROOT)),
        Tag.of("outcome", failure == null ? "success" : FailureKinds.of(failure))));
    for (MeterRegistry registry : registries) {
      Timer.builder("tokenkeeper.token.requests")
          .tags(commonTags)
          .tags(tags)
          .description("Token requests sent to the token endpoint, and their latency")
          .register(registry)
          .record(elapsed);
    }
  }

  @Override
  public void onFailure(String key, Throwable failure, boolean stillServing) {
    increment("tokenkeeper.token.failures", key, Tags.of(
        Tag.of("kind", FailureKinds.of(failure)),
        Tag.of("serving", Boolean.toString(stillServing))));
  }

  @Override
  public void onRejected(String key, AccessToken token) {
    increment("tokenkeeper.token.rejections", key, Tags.empty());
  }

  @Override
  public void onBudgetDeferred(String key, RefreshCause cause, Instant nextSlot) {
    increment("tokenkeeper.budget.deferred", key,
        Tags.of("cause", cause.name().toLowerCase(Locale.ROOT)));
  }

  @Override
  public void onBudgetRefused(String key, TokenBudgetExceededException refusal) {
    increment("tokenkeeper.budget.refused", key,
        Tags.of("reason", refusal.reason().name().toLowerCase(Locale.ROOT)));
  }

  @Override
  public void onSessionEnding(String key, SessionTimeouts timeouts) {
    increment("tokenkeeper.session.ending", key, Tags.empty());
  }

  @Override
  public void onSessionEnded(String key, SessionTimeouts timeouts) {
    increment("tokenkeeper.session.ended", key, Tags.empty());
  }

  private void increment(String name, String key, Tags tags) {
    Tags all = withGroup(key, tags);
    for (MeterRegistry registry : registries) {
      counter(registry, name, all).increment();
    }
  }

  private Counter counter(MeterRegistry registry, String name, Tags tags) {
    return Counter.builder(name)
        .tags(commonTags)
        .tags(tags)
        .description(DESCRIPTIONS.getOrDefault(name, ""))
        .register(registry);
  }

  private Tags withGroup(String key, Tags tags) {
    if (keyGroup == null) {
      return tags;
    }
    String group;
    try {
      group = keyGroup.apply(key);
    } catch (RuntimeException e) {
      group = null;
    }
    return tags.and("key_group", group == null ? "none" : group);
  }

  private static final java.util.Map<String, String> DESCRIPTIONS = java.util.Map.of(
      "tokenkeeper.token.failures", "Token request sequences that failed after their retries",
      "tokenkeeper.token.rejections", "Tokens rejected by a resource server (HTTP 401)",
      "tokenkeeper.session.ending", "Provider sessions reported as ending soon",
      "tokenkeeper.session.ended", "Provider sessions that ended and could not be renewed",
      "tokenkeeper.budget.deferred", "Token requests the budget had no slot for at once",
      "tokenkeeper.budget.refused", "Token requests the budget refused");

  @Override
  public String toString() {
    return "TokenManagerMetrics" + commonTags.stream().map(t -> t.getKey() + "=" + t.getValue())
        .toList();
  }

  /** Builds {@link TokenManagerMetrics}; not thread-safe. */
  public static final class Builder {
    private Tags tags = Tags.empty();
    private Function<String, String> keyGroup;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Tags on every meter, as key-value pairs, e.g. {@code "manager", "billing"}. */
    public Builder tags(String... keyValues) {
      this.tags = this.tags.and(Tags.of(keyValues));
      return this;
    }

    /** Tags on every meter. */
    public Builder tags(Iterable<Tag> tags) {
      this.tags = this.tags.and(tags);
      return this;
    }

    /**
     * Adds the tag {@code key_group} to the counters and the timer: {@code group} maps a key to
     * one of a small, bounded set of values (a tenant, a region; {@code null} gives
     * {@code none}). Never map a key to itself or to anything per user: every distinct value is
     * a time series of every such meter. Off by default.
     */
    public Builder keyGroup(Function<String, String> group) {
      this.keyGroup = Objects.requireNonNull(group, "group");
      return this;
    }

    /**
     * The clock that {@code tokenkeeper.token.expiry.min} measures against; use the manager's
     * clock. Default: the system UTC clock.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The metrics; bind them with {@link TokenManagerMetrics#bindTo}. */
    public TokenManagerMetrics build() {
      return new TokenManagerMetrics(this);
    }
  }
}

package dev.tokenkeeper;

import dev.tokenkeeper.internal.DaemonScheduler;
import dev.tokenkeeper.internal.Events;
import dev.tokenkeeper.internal.Failures;
import dev.tokenkeeper.internal.KeyLifecycle;
import dev.tokenkeeper.internal.KeySlot;
import dev.tokenkeeper.internal.Keys;
import dev.tokenkeeper.internal.KeyTable;
import dev.tokenkeeper.internal.ManagerContext;
import dev.tokenkeeper.internal.SharedState;
import dev.tokenkeeper.internal.Times;
import dev.tokenkeeper.internal.TokenSender;
import dev.tokenkeeper.internal.TokenState;
import dev.tokenkeeper.internal.budget.BudgetQueue;
import dev.tokenkeeper.internal.budget.RateLimiter;
import dev.tokenkeeper.internal.budget.SharedLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Keeps one access token per key and hands it out, refreshing it ahead of expiry and after a 401,
 * with at most one token request in flight per key.
 *
 * <p>A key names whose token it is: a user, a device, a service account. It is any string of 1 to
 * {@value #MAX_KEY_LENGTH} characters without control characters ({@code alice@example.com},
 * {@code tenant-7/reporting}); other keys are refused with {@link IllegalArgumentException}.
 * Whether the key also reaches the provider, as RingCentral's {@code endpoint_id}, is the
 * endpoint's {@link Dialect}'s choice ({@link Dialect#endpointIdFor}): with
 * {@link Dialect#ringCentral()} it does, with the default {@link Dialect#standard()} nothing is
 * sent for it.
 *
 * <p>Thread-safe: build one per provider and share it. The cached-token path takes no lock, does
 * no I/O, and in {@link #token} allocates nothing; token requests are sent asynchronously through
 * {@link TokenEndpoint#requestAsync}, never inside a lock or a cache compute, and their results are
 * handled on the configured {@linkplain Builder#executor executor}. Different keys never wait for
 * each other.
 *
 * <pre>{@code
 * TokenManager tokens = TokenManager.builder(endpoint)
 *     .primaryGrant(Grant.clientCredentials())      // or none: put() tokens after a login
 *     .listener(new TokenListener() {
 *       public void onSessionEnding(String key, SessionTimeouts t) { warnUser(key, t.endsAt()); }
 *     })
 *     .build();
 * AccessToken token = tokens.token("device-7");      // endpoint_id as the key
 * HttpClient api = BearerHttpClient.builder(tokens, "device-7")
 *     .allowedOrigins(URI.create("https://platform.example.com"))
 *     .build();
 * }</pre>
 *
 * <h2>Lifecycle of a key</h2>
 *
 * <ul>
 *   <li><b>FRESH</b> — before the refresh window: {@link #token} returns the cached token at once.
 *   <li><b>STALE</b> — inside the {@linkplain Builder#refreshWindow refresh window}: the cached
 *       token is returned at once and one background refresh starts; callers never wait for it.
 *       If it fails, the token stays in service, {@link TokenListener#onFailure} hears
 *       {@code stillServing = true}, and the next background attempt waits a cool-down.
 *   <li><b>EXPIRED</b> (or no token yet) — callers wait for the one in-flight token request. When
 *       it fails, the key cools down: until {@code Retry-After} (else the
 *       {@linkplain Builder#failureCoolDown failure cool-down}) passes, every caller fails fast
 *       with the same exception and no request is sent.
 *   <li><b>DEAD</b> — the provider session is over (idle or absolute timeout), or the refresh token
 *       has expired or was refused ({@code invalid_grant}): the refresh token is never sent again.
 *       With a {@linkplain Builder#primaryGrant primary grant} a new token is acquired with it;
 *       without one the key is evicted and callers get {@link ReauthenticationRequiredException}.
 * </ul>
 *
 * <p>A refresh uses the refresh token (RFC 6749, section 6) while it and the session are alive,
 * sends again the {@code endpoint_id}, {@code scope} and TTLs of the request that acquired the
 * token, and stores the rotated refresh token together with the new access token in one atomic
 * step, so a single-use refresh token is never sent twice. Transient failures are retried as the
 * {@link RetryPolicy} says.
 *
 * <h2>Storage and time</h2>
 *
 * <p>Entries live in a bounded Caffeine cache ({@linkplain Builder#maximumSize maximum size}) whose
 * per-entry expiry is the moment nothing can revive the entry: the session's end, else the refresh
 * token's expiry, else (no refresh token) the access token's expiry. A plain concurrent map holds
 * each key's one slot (Caffeine's eviction listener retires it, except while its token request is
 * in flight), so that the hot path is one map read, two volatile reads and one ticker read. The
 * last use of a key, which the idle timeout runs from, is recorded at most once per a hundredth of
 * the idle timeout (and at least once a second) when there is one, once a second with only an
 * absolute session deadline, and every 30 seconds without session timeouts; that write also
 * touches the Caffeine entry so that size eviction sees the use.
 *
 * <p>Every duration ({@code expires_in}, the refresh window and expiry margin, idle timeouts,
 * cool-downs, retry delays) runs on a monotonic {@linkplain Builder#ticker ticker}; only the
 * absolute {@code session_expiration_time} is read on the wall {@linkplain Builder#clock clock}. A
 * wall-clock step therefore never serves an expired token nor ends a token early. Numbers too large
 * to add (a provider's "never": {@code expires_in} of 10^16 seconds, a session ending in the year
 * 9999) saturate to "never" instead of overflowing.
 *
 * <h2>Session events</h2>
 *
 * <p>When a token carries provider session timeouts ({@code session_idle_timeout},
 * {@code session_expires_in}, {@code session_expiration_time}), the manager checks the session
 * when the key is used (at most once a second) and on a timer run by the
 * {@linkplain Builder#scheduler scheduler} at the moment a warning or the end is due, so an idle
 * session is reported too: {@link TokenListener#onSessionEnding} a
 * {@linkplain Builder#sessionEndingWarning warning period} before the earlier deadline, and
 * {@link TokenListener#onSessionEnded} when it has passed and no primary grant can renew it.
 *
 * <h2>Token budget</h2>
 *
 * <p>When the endpoint has a {@link TokenBudget} ({@link TokenEndpoint#budget()}), every token
 * request, retry and revocation this manager sends takes a slot of it first (the slots are the
 * endpoint's, shared by every manager on it). Callers without a usable token wait for a slot in
 * arrival order, at most the budget's maximum wait, and then get a
 * {@link TokenBudgetExceededException}; a refresh ahead of expiry waits behind them, ordered by
 * its token's expiry margin, while the current token stays in service. A 429 or 503 with
 * {@code Retry-After} on any request pauses every key's requests until then.
 * {@link #budgetStatus()} and {@link Stats} show what the budget does;
 * {@link TokenListener#onBudgetDeferred} and {@link TokenListener#onBudgetRefused} tell it as it
 * happens.
 *
 * <h2>Threads</h2>
 *
 * <p>Without a scheduler of yours, delayed work runs on one daemon {@code tokenkeeper-scheduler-<n>}
 * thread of the manager's own (never the JDK's JVM-wide delay thread), which {@link #close()}
 * ends. In a servlet container, close the manager and then its {@link TokenEndpoint} when the
 * application stops (the servlet filter does both in {@code destroy()}), and no thread of
 * TokenKeeper's outlives the application.
 */
public final class TokenManager implements AutoCloseable {
  /**
   * The default refresh window, 5 minutes: Azure/MSAL's figure, between Google's 3 min 45 s and
   * Spring Security's 60 s clock skew, long enough that several attempts fit before expiry. It is
   * scaled down to half the lifetime of short-lived tokens.
   */
  public static final Duration DEFAULT_REFRESH_WINDOW = Duration.ofMinutes(5);

  /**
   * The default expiry margin, 30 seconds: a token this close to its expiry is treated as
   * expired, because it could expire in transit or on a resource server whose clock runs ahead.
   * Scaled down to a tenth of the lifetime of short-lived tokens.
   */
  public static final Duration DEFAULT_EXPIRY_MARGIN = Duration.ofSeconds(30);

  /**
   * The default cool-down after a token request sequence failed for a key without a usable token,
   * 10 seconds (a provider's {@code Retry-After} decides it when sent): during it every caller of
   * the key fails fast with the same exception.
   */
  public static final Duration DEFAULT_FAILURE_COOL_DOWN = Duration.ofSeconds(10);

  /**
   * The default rejection interval, 10 seconds: {@link #rejected} causes at most one refresh per
   * key per interval, so a resource server that rejects every token (a wrong audience, a clock
   * skew) cannot make the manager refresh on every call.
   */
  public static final Duration DEFAULT_REJECTION_INTERVAL = Duration.ofSeconds(10);

  /** The default warning period before a provider session ends, 2 minutes. */
  public static final Duration DEFAULT_SESSION_ENDING_WARNING = Duration.ofMinutes(2);

  /** The longest key, in characters (UTF-16 code units): 512. */
  public static final int MAX_KEY_LENGTH = Keys.MAX_LENGTH;

  private final ManagerContext ctx;
  private final TokenSender sender;
  private final KeyLifecycle life;
  /** The per-key slots. */
  private final KeyTable table;
  /** The same slots as a plain map, read by the hot path (never written through it). */
  private final ConcurrentHashMap<String, KeySlot> slots;
  /** The monotonic time source of every duration; the hot path reads it once. */
  private final Ticker ticker;
  private final boolean recordStats;
  /** The scheduler this manager started because none was given: {@link #close()} stops it. */
  private final DaemonScheduler ownScheduler;

  private TokenManager(Builder b) {
    this.ticker = b.ticker;
    this.ownScheduler = b.scheduler != null ? null : new DaemonScheduler("scheduler", b.executor);
    this.ctx = new ManagerContext(b.primaryRequest, Times.nanos(b.refreshWindow),
        Times.nanos(b.expiryMargin), Times.nanos(b.sessionEndingWarning),
        Times.nanos(b.failureCoolDown), Times.nanos(b.rejectionInterval), b.retryPolicy,
        b.clock, b.ticker, b.executor, b.scheduler != null ? b.scheduler : ownScheduler,
        new Events(b.listeners, b.ticker));
    TokenSender.Transport transport = b.transport != null ? b.transport
        : TokenSender.Transport.of(b.endpoint);
    TokenBudget budget = b.endpoint.budget().orElse(null);
    BudgetQueue queue = null;
    if (budget != null) {
      // The permits are the endpoint's, shared by every manager on it; the queue (who goes
      // first) is this manager's, driven by its ticker and scheduler.
      Ticker t = b.ticker;
      RateLimiter limiter = b.endpoint.limiter(t::read);
      if (b.store != null && b.store.sharesBudget()) {
        // Shared by every instance through the store; the endpoint's own limiter takes over
        // while the store cannot be reached.
        limiter = new SharedLimiter(b.store, b.endpoint.tokenUri().toString(), budget, limiter,
            t::read, e -> ctx.events.warn("store-budget", () -> "the shared token budget is"
                + " unreachable (" + Failures.unwrap(e) + "); this instance keeps its own budget"
                + " until it is back"));
      }
      queue = new BudgetQueue(budget, limiter, t::read, b.clock,
          (task, delay) -> ctx.schedule(task, delay), b.retryPolicy.maxElapsed());
    }
    this.sender = new TokenSender(transport, ctx, queue);
    this.life = new KeyLifecycle(ctx, sender, b.maximumSize,
        budget == null ? 0 : budget.spread(),
        b.store == null ? null : new SharedState(b.store, ctx));
    this.table = life.table();
    this.slots = table.hotPathView();
    this.recordStats = b.recordStats;
  }

  /** A builder for a manager that gets tokens from {@code endpoint}. */
  public static Builder builder(TokenEndpoint endpoint) {
    return new Builder(endpoint);
  }

  // ---- hand out tokens -------------------------------------------------------------------

  /**
   * The current token for {@code key}: at once when fresh, at once plus one background refresh
   * when inside the refresh window, else after the one in-flight token request (which may
   * include retries within the {@link RetryPolicy} budget).
   *
   * @throws ReauthenticationRequiredException no token can be had without the user signing in
   * @throws TokenEndpointException the token endpoint failed and the retry budget is used up, or
   *     refused the primary grant
   * @throws TokenKeeperException the thread was interrupted while waiting (the flag is restored)
   * @throws IllegalArgumentException {@code key} is not a valid key (see the class description)
   * @throws IllegalStateException the manager is closed
   */
  public AccessToken token(String key) {
    AccessToken cached = freshOrNull(key);
    if (cached != null) {
      return cached;
    }
    return await(key, life.resolve(key));
  }

  /**
   * The hot path: the cached token when it is fresh and its last use needs no recording, else
   * {@code null}. One map read, two volatile reads and one ticker read, no lock, no write and no
   * allocation; small enough to be inlined.
   */
  private AccessToken freshOrNull(String key) {
    KeySlot h = slots.get(key);
    if (h != null) {
      TokenState s = h.state;
      if (s != null) {
        long now = ticker.read();
        if (now < s.freshUntil && now - h.lastUsed < s.touchInterval) {
          if (recordStats) {
            ctx.hits.increment();
          }
          return s.token;
        }
      }
    }
    return null;
  }

  /**
   * {@link #token} without blocking: the future completes at once for a cached token, else when
   * the token request completes. It fails with the exceptions {@link #token} throws.
   */
  public CompletableFuture<AccessToken> tokenAsync(String key) {
    AccessToken cached = freshOrNull(key);
    if (cached != null) {
      return CompletableFuture.completedFuture(cached);
    }
    return life.tokenAsync(key);
  }

  /**
   * A resource server rejected {@code token} (HTTP 401; RFC 6750, section 3.1
   * {@code invalid_token}). Refreshes only if {@code token} is still the current token of
   * {@code key}, and then only once however many callers report it; if a newer token is already
   * current, returns it at once. A new token is requested even if {@code expires_in} has not
   * passed, as providers that revoke tokens early ask of their clients.
   *
   * <p>At most one refresh per key per {@linkplain Builder#rejectionInterval rejection interval}
   * (10 s by default) is caused here: a further 401 for the current token within it completes
   * with that same token, without a refresh, so a resource server that rejects every token costs
   * one refresh per interval, not one per call. Compare the result with the rejected token to
   * tell.
   *
   * <p>The future fails with {@link ReauthenticationRequiredException} when neither a live
   * refresh token nor a primary grant can replace the token (the key is then evicted), and with
   * {@link TokenEndpointException} when the refresh failed.
   */
  public CompletableFuture<AccessToken> rejected(String key, AccessToken token) {
    Objects.requireNonNull(key, "key is required");
    Objects.requireNonNull(token, "token is required: pass the token the resource server rejected");
    return life.rejected(key, token);
  }

  // ---- store, forget, revoke -------------------------------------------------------------

  /**
   * Stores a token obtained elsewhere, e.g. by a login callback, replacing any current one and
   * starting a new provider session for {@code key}. A later refresh sends the refresh token with
   * the request of the primary grant's parameters when one is configured, else with the
   * {@code endpoint_id} the {@link Dialect} chooses for the key; use
   * {@link #put(String, TokenResponse, TokenRequest)} to name the request whose {@code scope} and
   * TTLs a refresh must send again.
   */
  public void put(String key, TokenResponse response) {
    put(key, response, null);
  }

  /**
   * Stores a token obtained by {@code acquiredWith} (such as an {@code authorization_code}
   * request), whose {@code endpoint_id}, {@code scope} and TTLs a refresh sends again.
   *
   * @param acquiredWith the request that got the token, or {@code null}
   * @throws IllegalArgumentException {@code key} is not a valid key (see the class description)
   * @throws IllegalStateException the manager is closed
   */
  public void put(String key, TokenResponse response, TokenRequest acquiredWith) {
    Keys.check(key);
    Objects.requireNonNull(response, "response is required");
    life.put(key, response, acquiredWith);
  }

  /** Forgets the token of {@code key}; a token request in flight still completes its callers. */
  public void invalidate(String key) {
    Objects.requireNonNull(key, "key is required");
    life.invalidate(key);
  }

  /**
   * Forgets the tokens of {@code key} and revokes them at the provider (RFC 7009, section 2.1):
   * first the refresh token, so that no new access token can be minted from it, then the access
   * token (a server that revokes the grant with the refresh token accepts the second call too,
   * RFC 7009, section 2.2). Both are attempted even if the first fails; the future fails with the
   * first failure. Without a configured revocation URI the tokens are only forgotten.
   *
   * <p>A token request in flight for {@code key} cannot be recalled, so its answer is not stored:
   * the tokens it brings are revoked too, and its callers get
   * {@link ReauthenticationRequiredException}. The future then completes once those tokens are
   * revoked as well.
   *
   * <p>With a shared {@link TokenStore} the key's tokens are revoked in the whole cluster,
   * whether this instance holds a copy or not: it takes the key's lease as a refresh would (so no
   * other instance sends the refresh token meanwhile), reads the stored state, revokes its tokens
   * (and this instance's copy, if different), then removes the key by a fenced write; every
   * instance forgets it. An instance whose request ran while its own lease had lapsed has its
   * answer refused by the fence, revokes it, and does not serve it. While the store cannot be
   * reached, only this instance's copy is revoked (the outage is reported); other instances then
   * meet the provider's {@code invalid_grant} and do not send that refresh token again.
   */
  public CompletableFuture<Void> revoke(String key) {
    Objects.requireNonNull(key, "key is required");
    return life.revoke(key);
  }

  // ---- observe ---------------------------------------------------------------------------

  /**
   * The provider session's timeouts for {@code key} as known now; {@link SessionTimeouts#NONE}
   * when no token is held. The idle deadline runs from the last recorded use, which is at most a
   * second older than the true last use, so it errs early, never late.
   */
  public SessionTimeouts session(String key) {
    Objects.requireNonNull(key, "key is required");
    return life.session(key);
  }

  /**
   * The earliest expiry among the access tokens held now that have not expired yet, or empty
   * when none is held: how close the manager is to serving no valid token for some key (a metric
   * to alert on when refreshes keep failing). Walks every key, so call it for a metrics scrape,
   * not per request.
   */
  public Optional<Instant> earliestExpiry() {
    return table.earliestExpiry(ctx.clock.instant());
  }

  /** A snapshot of the counters; see {@link Stats}. */
  public Stats stats() {
    BudgetStatus b = sender.budgetStatus().orElse(null);
    return new Stats(ctx.hits.sum(), ctx.waits.sum(), ctx.requests.sum(), ctx.refreshes.sum(),
        ctx.acquisitions.sum(), ctx.failures.sum(), ctx.rejections.sum(), table.estimatedSize(),
        b == null ? 0 : b.deferred(), b == null ? 0 : b.queuedTotal(),
        b == null ? 0 : b.refused());
  }

  /**
   * The token budget's state (used and limit, pause, next slot, queue, counters), when the
   * endpoint has a {@link TokenBudget}; see {@link TokenEndpoint#budget()}.
   */
  public Optional<BudgetStatus> budgetStatus() {
    return sender.budgetStatus();
  }

  /**
   * Counters since the manager was built. Immutable.
   *
   * @param hits calls answered from the cache without waiting, counted only with
   *     {@link Builder#recordStats()} (counting costs the hot path a shared write), else 0
   * @param waits calls that waited for a token request
   * @param requests token requests sent, retries included
   * @param refreshes refresh-token grants that succeeded
   * @param acquisitions primary grants that succeeded
   * @param failures token request sequences that failed after their retries
   * @param rejections calls of {@link #rejected}
   * @param size keys held now (an estimate while evictions are pending)
   * @param budgetDeferred refreshes ahead of expiry the {@link TokenBudget} had no slot for at
   *     once (they queued, or were put off while the current token stayed in service); 0
   *     without a budget
   * @param budgetQueued requests that found no budget slot at once and queued for one
   * @param budgetRefused callers' requests the budget refused with
   *     {@link TokenBudgetExceededException} (maximum wait passed, or queue full)
   */
  public record Stats(long hits, long waits, long requests, long refreshes, long acquisitions,
      long failures, long rejections, long size, long budgetDeferred, long budgetQueued,
      long budgetRefused) {}

  /**
   * Stops: forgets every token and refuses new token requests with
   * {@link IllegalStateException}. Requests in flight complete their callers; a request waiting
   * for its next retry fails them at once with {@link IllegalStateException}. Does not revoke.
   *
   * <p>With a shared {@linkplain Builder#store store}, waits (at most 10 s) for the token
   * requests in flight to end and their answers to be stored: the provider may already have
   * rotated the refresh token such a request sent, and another instance must not send it again
   * (a rolling restart closes the manager and then its endpoint, which drops answers). A retry
   * waiting on the manager's own scheduler fails at once, as above; one waiting on a
   * {@linkplain Builder#scheduler scheduler of yours} fails when that scheduler runs it, and
   * this wait then lasts until then (at most the 10 s).
   *
   * <p>Without a {@linkplain Builder#scheduler scheduler} of yours, this also ends the manager's
   * {@code tokenkeeper-scheduler-<n>} thread, so that a web application that closes its manager
   * when it stops leaves no thread of ours behind. The {@link TokenEndpoint} is not closed: it is
   * yours, and may serve other managers; close it too when it was built for this one. Idempotent.
   */
  @Override
  public void close() {
    life.stopRequests();
    if (ownScheduler != null) {
      ownScheduler.close(); // runs pending retries now: they see the manager closed and fail
    }
    life.close();
  }

  // ---- waiting ---------------------------------------------------------------------------

  private AccessToken await(String key, Object resolved) {
    if (resolved instanceof AccessToken token) {
      return token;
    }
    ctx.waits.increment();
    try {
      return ((TokenState) ((CompletableFuture<?>) resolved).get()).token;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenKeeperException("interrupted while waiting for the token of key '" + key + "'",
          e);
    } catch (ExecutionException e) {
      Throwable cause = Failures.unwrap(e);
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new TokenKeeperException("token request for key '" + key + "' failed", cause);
    }
  }

  // ---- for tests in this package -----------------------------------------------------------

  /** Runs Caffeine's pending maintenance (evictions). */
  void cleanUp() {
    table.cleanUp();
  }

  /** The size of the key index. */
  int indexSize() {
    return table.size();
  }

  /** Pending session timers. */
  int sessionTimers() {
    return life.watch().pending();
  }

  // ---- configuration ---------------------------------------------------------------------

  /**
   * Runs a task once after a delay: how the manager waits between retries and times session
   * events. Implementations must not run the task on the calling thread before returning, and
   * must be thread-safe. Tests pass one driven by a fake clock.
   */
  @FunctionalInterface
  public interface Scheduler {

    /** Runs {@code task} once, {@code delay} from now. */
    void schedule(Runnable task, Duration delay);

    /**
     * A scheduler that runs tasks on {@code executor} after the delay (the JDK's delayed executor).
     * A task the executor refuses when it is due runs on the JDK's delay thread instead: the
     * delayed executor would drop it silently, and a dropped retry leaves its callers waiting.
     *
     * <p>Not the default, and not for code in a servlet container: the JDK's delay thread
     * ({@code CompletableFutureDelayScheduler}) is one per JVM, can never be stopped, and keeps
     * the context class loader of the thread that first used it, which pins a web application's
     * classes after it is undeployed.
     */
    static Scheduler of(Executor executor) {
      Objects.requireNonNull(executor, "executor");
      Executor orInline = command -> {
        try {
          executor.execute(command);
        } catch (RejectedExecutionException e) {
          command.run();
        }
      };
      return (task, delay) ->
          CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS, orInline)
              .execute(task);
    }
  }

  /** Builds a {@link TokenManager}; not thread-safe. */
  public static final class Builder {
    private final TokenEndpoint endpoint;
    private Function<String, TokenRequest> primaryRequest;
    private Duration refreshWindow = DEFAULT_REFRESH_WINDOW;
    private Duration expiryMargin = DEFAULT_EXPIRY_MARGIN;
    private Duration sessionEndingWarning = DEFAULT_SESSION_ENDING_WARNING;
    private Duration failureCoolDown = DEFAULT_FAILURE_COOL_DOWN;
    private Duration rejectionInterval = DEFAULT_REJECTION_INTERVAL;
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private long maximumSize = 10_000;
    private Clock clock;
    private Ticker ticker = Ticker.system();
    private Executor executor = ForkJoinPool.commonPool();
    private Scheduler scheduler;
    private boolean recordStats;
    private TokenSender.Transport transport;
    private final List<TokenListener> listeners = new ArrayList<>();
    private TokenStore store;

    private Builder(TokenEndpoint endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint is required");
      this.clock = endpoint.clock();
    }

    /**
     * Acquire tokens with this grant (such as {@code client_credentials}, jwt-bearer or
     * password), sending the {@code endpoint_id} the endpoint's {@link Dialect} chooses for the
     * key ({@link Dialect#endpointIdFor}; none with the default {@link Dialect#standard()}).
     * Without a primary grant, tokens arrive only through {@link TokenManager#put}.
     */
    public Builder primaryGrant(Grant grant) {
      Objects.requireNonNull(grant, "grant");
      Dialect dialect = endpoint.dialect();
      return primaryRequest(key -> TokenRequest.builder(grant)
          .endpointId(dialect.endpointIdFor(key).orElse(null))
          .build());
    }

    /**
     * Acquire tokens with the request this function builds for a key (called once per
     * acquisition, so it may create a fresh assertion each time). {@code null} means no primary
     * grant.
     */
    public Builder primaryRequest(Function<String, TokenRequest> requestForKey) {
      this.primaryRequest = requestForKey;
      return this;
    }

    /**
     * How long before expiry a token becomes STALE and one background refresh starts.
     * Default {@link #DEFAULT_REFRESH_WINDOW} (5 minutes). Whatever the setting, the window is at
     * most half the token's lifetime, and a provider's {@code refresh_in} takes precedence.
     */
    public Builder refreshWindow(Duration refreshWindow) {
      this.refreshWindow = nonNegative("refreshWindow", refreshWindow);
      return this;
    }

    /**
     * How long before expiry a token is no longer handed out (callers wait for a new one).
     * Default {@link #DEFAULT_EXPIRY_MARGIN} (30 s), at most a tenth of the token's lifetime.
     */
    public Builder expiryMargin(Duration expiryMargin) {
      this.expiryMargin = nonNegative("expiryMargin", expiryMargin);
      return this;
    }

    /**
     * How long before the earlier session deadline {@link TokenListener#onSessionEnding} fires.
     * Default {@link #DEFAULT_SESSION_ENDING_WARNING} (2 minutes); against the idle deadline at
     * most half the idle timeout.
     */
    public Builder sessionEndingWarning(Duration warning) {
      this.sessionEndingWarning = nonNegative("sessionEndingWarning", warning);
      return this;
    }

    /**
     * How long a key without a usable token fails fast after its token request sequence failed
     * (the provider refused the grant or the client, as with {@code invalid_client}, or could not
     * be reached within the retry budget): every caller gets the same exception meanwhile, and no
     * request is sent. A provider's {@code Retry-After} takes precedence (at most an hour).
     * Default {@link #DEFAULT_FAILURE_COOL_DOWN} (10 s); zero turns it off. A {@code put()} ends
     * it at once.
     */
    public Builder failureCoolDown(Duration coolDown) {
      this.failureCoolDown = nonNegative("failureCoolDown", coolDown);
      return this;
    }

    /**
     * At most one refresh per key per this interval is caused by {@link TokenManager#rejected}:
     * within it, a 401 for the current token passes through ({@code rejected} completes with that
     * same token, and {@link BearerHttpClient} returns the 401 without retrying). Default
     * {@link #DEFAULT_REJECTION_INTERVAL} (10 s); zero refreshes on every 401.
     */
    public Builder rejectionInterval(Duration interval) {
      this.rejectionInterval = nonNegative("rejectionInterval", interval);
      return this;
    }

    /** How transient failures are retried. Default {@link RetryPolicy#DEFAULT}. */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * The most keys held; the least useful are evicted beyond it. Default 10,000. Keys without a
     * primary grant (user sessions) that are evicted need a new sign-in, so size it above the
     * number of live sessions.
     */
    public Builder maximumSize(long maximumSize) {
      if (maximumSize < 1) {
        throw new IllegalArgumentException("maximumSize must be at least 1; got " + maximumSize);
      }
      this.maximumSize = maximumSize;
      return this;
    }

    /**
     * The wall clock, read only for absolute instants the provider names
     * ({@code session_expiration_time}) and to show deadlines as instants. Default: the
     * endpoint's clock. Durations run on the {@linkplain #ticker ticker}.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The monotonic time source for every duration: token lifetimes ({@code expires_in}), refresh
     * windows, expiry margins, idle timeouts, cool-downs and retry delays, and the cache's expiry.
     * Default {@link Ticker#system()}. A wall-clock step never changes these.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Where token answers are handled and listeners called, and where callers' dependent stages
     * of {@link TokenManager#tokenAsync} run. Default {@link ForkJoinPool#commonPool()}. The work
     * is short and never blocks.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Runs delayed work: retries and session timers. Default: one daemon thread of the manager's
     * own, {@code tokenkeeper-scheduler-<n>}, started on the first delayed task, ended after a
     * minute with nothing scheduled and at once by {@link TokenManager#close()}; due tasks are
     * handed to the {@linkplain #executor executor}. Its context class loader is the system
     * class loader, never the (web) application's that happened to start it. A scheduler given
     * here is yours: {@code close()} does not stop it.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Sends token requests and revocations here instead of to the endpoint: for interleaving
     * tests in this package, which drive the manager against a synchronous fake.
     */
    Builder transport(TokenSender.Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /** Count {@link Stats#hits()} too. Off by default: it adds a shared write to the hot path. */
    public Builder recordStats() {
      this.recordStats = true;
      return this;
    }

    /**
     * Shares the keys' state with the other instances of the application through {@code store}
     * (such as {@code RedisTokenStore} from {@code tokenkeeper-redis}): one token request per key
     * across the cluster, a rotated refresh token never used twice, a sign-in or sign-out on one
     * instance seen by all. This manager's cache becomes the near-cache: the hot path still
     * reads only memory. Default: none, every state is this instance's own. The store is yours:
     * {@link TokenManager#close()} does not close it.
     */
    public Builder store(TokenStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** Adds a listener; listeners are called in the order added. */
    public Builder listener(TokenListener listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public TokenManager build() {
      return new TokenManager(this);
    }

    private static Duration nonNegative(String name, Duration value) {
      Objects.requireNonNull(value, name + " is required");
      if (value.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative; got " + value);
      }
      return value;
    }
  }
}

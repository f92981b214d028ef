package dev.tokenkeeper;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.tokenkeeper.internal.DaemonScheduler;
import dev.tokenkeeper.internal.Keys;
import dev.tokenkeeper.internal.TokenState;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 *   <li><b>EXPIRED</b> (or no token yet) — callers wait for the one in-flight token request.
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
 * <h2>Storage</h2>
 *
 * <p>Entries live in a bounded Caffeine cache ({@linkplain Builder#maximumSize maximum size}) whose
 * per-entry expiry is the moment nothing can revive the entry: the session's end, else the refresh
 * token's expiry, else (no refresh token) the access token's expiry. A plain concurrent map mirrors
 * the cache (Caffeine's eviction listener removes from it) so that the hot path is one map read,
 * one volatile read and one clock read. The last use of a key, which the idle timeout runs from,
 * is recorded at most once per a hundredth of the idle timeout (and at least once a second) when
 * there is one, once a second with only an absolute session deadline, and every 30 seconds
 * without session timeouts; that write also touches the Caffeine entry so that size eviction sees
 * the use.
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
 * <h2>Threads</h2>
 *
 * <p>Without a scheduler of yours, delayed work runs on one daemon {@code tokenkeeper-scheduler-<n>}
 * thread of the manager's own (never the JDK's JVM-wide delay thread), which {@link #close()}
 * ends. In a servlet container, close the manager and then its {@link TokenEndpoint} when the
 * application stops (the servlet filter does both in {@code destroy()}), and no thread of
 * TokenKeeper's outlives the application.
 */
public final class TokenManager implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TokenManager.class.getName());

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

  /** The default warning period before a provider session ends, 2 minutes. */
  public static final Duration DEFAULT_SESSION_ENDING_WARNING = Duration.ofMinutes(2);

  /** The longest key, in characters (UTF-16 code units): 512. */
  public static final int MAX_KEY_LENGTH = Keys.MAX_LENGTH;

  private static final long MINIMUM_COOL_DOWN_MILLIS = 1000;

  private final TokenEndpoint endpoint;
  private final Function<String, TokenRequest> primaryRequest;
  private final long refreshWindow;
  private final long expiryMargin;
  private final long sessionWarning;
  private final RetryPolicy retryPolicy;
  private final Clock clock;
  private final Executor executor;
  private final Scheduler scheduler;
  /** The scheduler this manager started because none was given: {@link #close()} stops it. */
  private final DaemonScheduler ownScheduler;
  private final List<TokenListener> listeners;
  private final boolean recordStats;

  private final ConcurrentHashMap<String, Holder> index = new ConcurrentHashMap<>();
  private final Cache<String, Holder> cache;

  private final LongAdder hits = new LongAdder();
  private final LongAdder waits = new LongAdder();
  private final LongAdder requests = new LongAdder();
  private final LongAdder refreshes = new LongAdder();
  private final LongAdder acquisitions = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder rejections = new LongAdder();

  private volatile boolean closed;

  private TokenManager(Builder b) {
    this.endpoint = b.endpoint;
    this.primaryRequest = b.primaryRequest;
    this.refreshWindow = b.refreshWindow.toMillis();
    this.expiryMargin = b.expiryMargin.toMillis();
    this.sessionWarning = b.sessionEndingWarning.toMillis();
    this.retryPolicy = b.retryPolicy;
    this.clock = b.clock;
    this.executor = b.executor;
    this.ownScheduler = b.scheduler != null ? null : new DaemonScheduler("scheduler", b.executor);
    this.scheduler = b.scheduler != null ? b.scheduler : ownScheduler;
    this.listeners = List.copyOf(b.listeners);
    this.recordStats = b.recordStats;
    // A synchronous Cache of holders rather than an AsyncCache of tokens: the value computed in
    // the cache is an empty holder (no I/O, so nothing blocks other writers), and the token
    // request lives in the holder's own in-flight future. This lets a STALE key keep serving its
    // current token while the refresh runs, which a future-valued AsyncCache entry cannot do.
    this.cache = Caffeine.newBuilder()
        .maximumSize(b.maximumSize)
        .expireAfter(new HolderExpiry())
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        // Maintenance (and so eviction) on the writing thread: the mirror index shrinks as soon as
        // the cache does, and no pool thread is needed.
        .executor(Runnable::run)
        .evictionListener(this::onEvicted)
        .build();
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
    return await(key, resolve(key));
  }

  /**
   * The hot path: the cached token when it is fresh and its last use needs no recording, else
   * {@code null}. One map read, one volatile read and one clock read; small enough to be inlined.
   */
  private AccessToken freshOrNull(String key) {
    Holder h = index.get(key);
    if (h != null) {
      TokenState s = h.state;
      if (s != null) {
        long now = clock.millis();
        if (now < s.freshUntil && now - h.lastUsed < s.touchInterval) {
          if (recordStats) {
            hits.increment();
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
    try {
      return toTokenFuture(resolve(key));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * A resource server rejected {@code token} (HTTP 401; RFC 6750, section 3.1
   * {@code invalid_token}). Refreshes only if {@code token} is still the current token of
   * {@code key}, and then only once however many callers report it; if a newer token is already
   * current, returns it at once. As the PBX provider's documentation asks, a new token is requested
   * even if {@code expires_in} has not passed.
   *
   * <p>The future fails with {@link ReauthenticationRequiredException} when neither a live
   * refresh token nor a primary grant can replace the token (the key is then evicted), and with
   * {@link TokenEndpointException} when the refresh failed.
   */
  public CompletableFuture<AccessToken> rejected(String key, AccessToken token) {
    Objects.requireNonNull(key, "key is required");
    Objects.requireNonNull(token, "token is required: pass the token the resource server rejected");
    rejections.increment();
    for (TokenListener l : listeners) {
      try {
        l.onRejected(key, token);
      } catch (RuntimeException e) {
        listenerFailed(e);
      }
    }
    try {
      ensureOpen();
      Holder h = index.get(key);
      TokenState s = h == null || h.retired ? null : h.state;
      if (s == null || !s.token.value().equals(token.value())) {
        // Unknown key, first token still loading, or a newer token is current: no refresh.
        return tokenAsync(key);
      }
      long now = clock.millis();
      if (s.sessionOver(now, h.lastUsed)) {
        return tokenAsync(key);
      }
      if (!s.refreshTokenAlive(now) && primaryRequest == null) {
        end(h, s, false);
        throw reauthentication(key, "the resource server rejected the token of key '" + key
            + "' and there is neither a live refresh token nor a primary grant to get another;"
            + " sign the user in again and put() the new token", null);
      }
      return toTokenFuture(startOrJoin(h, s, RefreshCause.REJECTED));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
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
    ensureOpen();
    install(key, newState(response, baseRequest(acquiredWith, response), null));
  }

  /**
   * Stores {@code next} as the state of {@code key}. It wins over a token request in flight (that
   * request sees a changed state and does not overwrite it), and over a concurrent eviction: if
   * the holder is retired meanwhile, the state moves to a new holder, here or in {@link #end}.
   */
  private void install(String key, TokenState next) {
    for (;;) {
      Holder h = cache.get(key, this::newHolder);
      if (h.retired) {
        cache.asMap().remove(key, h);
        index.remove(key, h);
        continue;
      }
      h.state = next;
      long now = clock.millis();
      installed(h, now);
      if (!h.retired || next.sessionOver(now, now)) {
        return; // in place, or a session already over that installed() itself ended
      }
    }
  }

  /** Forgets the token of {@code key}; a token request in flight still completes its callers. */
  public void invalidate(String key) {
    Objects.requireNonNull(key, "key is required");
    Holder h = index.get(key);
    if (h != null) {
      forget(h);
    }
    Holder cached = cache.getIfPresent(key);
    if (cached != null) {
      forget(cached);
    }
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
   */
  public CompletableFuture<Void> revoke(String key) {
    Objects.requireNonNull(key, "key is required");
    if (!endpoint.supportsRevocation()) {
      invalidate(key);
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<Throwable>> parts = new ArrayList<>(2);
    Holder h = index.get(key);
    if (h != null) {
      revoke(h, parts);
    }
    Holder cached = cache.getIfPresent(key);
    if (cached != null && cached != h) {
      revoke(cached, parts);
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      for (CompletableFuture<Throwable> part : parts) {
        Throwable e = part.join();
        if (e != null) {
          throw e instanceof CompletionException ce ? ce : new CompletionException(e);
        }
      }
      return null;
    });
  }

  /**
   * Retires {@code h} and revokes its state, and the answer of its request in flight. The flag is
   * set before the state is taken, and an answer is stored before the flag is read (see
   * {@link Exchange#succeed}), so each state is revoked exactly once: here if it was stored in
   * time, else by the exchange that brought it.
   */
  private void revoke(Holder h, List<CompletableFuture<Throwable>> parts) {
    h.revoked = true;
    forget(h);
    TokenState s = (TokenState) Holder.STATE.getAndSet(h, null);
    if (s != null) {
      parts.add(revokeQuietly(s));
    }
    CompletableFuture<TokenState> running = h.inFlight;
    if (running != null) {
      parts.add(running.handle((v, e) -> null).thenCompose(v -> {
        CompletableFuture<Throwable> late = h.lateRevocation;
        return late != null ? late : CompletableFuture.completedFuture(null);
      }));
    }
  }

  /** Revokes the refresh token, then the access token; the first failure, or {@code null}. */
  private CompletableFuture<Throwable> revokeQuietly(TokenState s) {
    CompletableFuture<Throwable> first = s.refreshToken == null
        ? CompletableFuture.completedFuture(null)
        : revokeQuietly(s.refreshToken, "refresh_token");
    return first.thenCompose(e1 -> revokeQuietly(s.token.value(), "access_token")
        .thenApply(e2 -> e1 != null ? e1 : e2));
  }

  private CompletableFuture<Throwable> revokeQuietly(String token, String hint) {
    try {
      return endpoint.revokeAsync(token, hint).handle((v, e) -> e == null ? null : unwrap(e));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(e);
    }
  }

  // ---- observe ---------------------------------------------------------------------------

  /**
   * The provider session's timeouts for {@code key} as known now; {@link SessionTimeouts#NONE}
   * when no token is held. The idle deadline runs from the last recorded use, which is at most a
   * second older than the true last use, so it errs early, never late.
   */
  public SessionTimeouts session(String key) {
    Objects.requireNonNull(key, "key is required");
    Holder h = index.get(key);
    TokenState s = h == null || h.retired ? null : h.state;
    return s == null ? SessionTimeouts.NONE : timeouts(s, h.lastUsed);
  }

  /**
   * The earliest expiry among the access tokens held now that have not expired yet, or empty
   * when none is held: how close the manager is to serving no valid token for some key (a metric
   * to alert on when refreshes keep failing). Walks every key, so call it for a metrics scrape,
   * not per request.
   */
  public Optional<Instant> earliestExpiry() {
    long now = clock.millis();
    long earliest = Long.MAX_VALUE;
    for (Holder h : index.values()) {
      TokenState s = h.retired ? null : h.state;
      if (s != null) {
        long expiresAt = s.token.expiresAt().toEpochMilli();
        if (expiresAt > now && expiresAt < earliest) {
          earliest = expiresAt;
        }
      }
    }
    return earliest == Long.MAX_VALUE ? Optional.empty()
        : Optional.of(Instant.ofEpochMilli(earliest));
  }

  /** A snapshot of the counters; see {@link Stats}. */
  public Stats stats() {
    return new Stats(hits.sum(), waits.sum(), requests.sum(), refreshes.sum(), acquisitions.sum(),
        failures.sum(), rejections.sum(), cache.estimatedSize());
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
   */
  public record Stats(long hits, long waits, long requests, long refreshes, long acquisitions,
      long failures, long rejections, long size) {}

  /**
   * Stops: forgets every token and refuses new token requests with
   * {@link IllegalStateException}. Requests in flight complete their callers; a request waiting
   * for its next retry fails them at once with {@link IllegalStateException}. Does not revoke.
   *
   * <p>Without a {@linkplain Builder#scheduler scheduler} of yours, this also ends the manager's
   * {@code tokenkeeper-scheduler-<n>} thread, so that a web application that closes its manager
   * when it stops leaves no thread of ours behind. The {@link TokenEndpoint} is not closed: it is
   * yours, and may serve other managers; close it too when it was built for this one. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    cache.invalidateAll();
    index.clear();
    if (ownScheduler != null) {
      ownScheduler.close();
    }
  }

  // ---- the slow path ---------------------------------------------------------------------

  /** The token to serve now (an {@link AccessToken}), or the future to wait for. */
  private Object resolve(String key) {
    Keys.check(key);
    ensureOpen();
    RefreshCause firstCause = RefreshCause.INITIAL;
    for (;;) {
      Holder h = index.get(key);
      if (h == null || h.retired) {
        if (primaryRequest == null) {
          throw reauthentication(key, "no token is held for key '" + key + "' and no primary grant"
              + " is configured: put() a token after the user signs in, or set"
              + " TokenManager.Builder.primaryGrant", null);
        }
        h = cache.get(key, this::newHolder);
        if (h.retired) {
          cache.asMap().remove(key, h);
          continue;
        }
      }
      TokenState s = h.state;
      if (s == null) {
        return startOrJoin(h, null, firstCause);
      }
      long now = clock.millis();
      long lastUsed = h.lastUsed;
      if (s.sessionOver(now, lastUsed)) {
        // DEAD: the refresh token must not be sent; start a new session or give up.
        if (!end(h, s, true)) {
          continue; // another thread ended it, or a put() or refresh has just replaced the state
        }
        if (primaryRequest == null) {
          throw reauthentication(key, "the provider session of key '" + key + "' ended at "
              + timeouts(s, lastUsed).endsAt().orElse(null) + " and no primary grant is"
              + " configured; sign the user in again and put() the new token", null);
        }
        firstCause = RefreshCause.REACQUIRED;
        continue;
      }
      if (now - lastUsed >= s.touchInterval) {
        touch(h, s, now);
        if (h.retired) {
          continue; // the touch found the entry expired and evicted it: start from a new holder
        }
      }
      if (now < s.refreshAt) {
        return s.token;
      }
      boolean renewable = s.refreshTokenAlive(now) || primaryRequest != null;
      if (now < s.usableUntil) {
        if (renewable && h.inFlight == null && now >= h.retryNotBefore) {
          startOrJoin(h, s, RefreshCause.AHEAD_OF_EXPIRY);
        }
        return s.token;
      }
      if (!renewable) {
        if (!end(h, s, true)) {
          continue;
        }
        throw reauthentication(key, "the access token of key '" + key + "' expired at "
            + s.token.expiresAt() + " and there is neither a live refresh token nor a primary"
            + " grant; sign the user in again and put() the new token", null);
      }
      return startOrJoin(h, s, RefreshCause.EXPIRED);
    }
  }

  /**
   * Joins the request in flight for {@code h}, or starts one from {@code basis} (the state the
   * caller judged, {@code null} for none). The compare-and-set on the in-flight slot is the one
   * place that decides who sends: everyone else joins.
   */
  private CompletableFuture<TokenState> startOrJoin(Holder h, TokenState basis, RefreshCause cause) {
    for (;;) {
      CompletableFuture<TokenState> running = h.inFlight;
      if (running != null) {
        return running;
      }
      CompletableFuture<TokenState> promise = new CompletableFuture<>();
      if (!Holder.IN_FLIGHT.compareAndSet(h, null, promise)) {
        continue;
      }
      TokenState current = h.state;
      if (current != basis) {
        // A request completed (or put() stored a token) after the caller looked: that is the
        // answer. This is what keeps a late 401 for a replaced token from refreshing again.
        clearInFlight(h);
        promise.complete(current);
        return promise;
      }
      updateExpiry(h); // no expiry while the request is open: see HolderExpiry
      new Exchange(h, basis, cause, promise).start();
      return promise;
    }
  }

  /** One token request sequence for one key: the first attempt, retries, and the fallback. */
  private final class Exchange {
    private final Holder h;
    private final TokenState basis;
    private final CompletableFuture<TokenState> promise;
    private final long started;
    private RefreshCause cause;
    private TokenRequest request;
    private boolean refresh;
    private int attempts;

    Exchange(Holder h, TokenState basis, RefreshCause cause, CompletableFuture<TokenState> promise) {
      this.h = h;
      this.basis = basis;
      this.cause = cause;
      this.promise = promise;
      this.started = clock.millis();
    }

    void start() {
      try {
        if (basis != null && basis.refreshTokenAlive(started)) {
          refresh = true;
          request = refreshRequest(h.key, basis);
        } else if (primaryRequest != null) {
          if (basis != null && basis.refreshToken != null) {
            cause = RefreshCause.REACQUIRED;
          }
          request = primaryRequestFor(h.key);
        } else {
          throw reauthentication(h.key, "the refresh token of key '" + h.key + "' has expired and"
              + " no primary grant is configured; sign the user in again", null);
        }
        send();
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    private void send() {
      attempts++;
      requests.increment();
      RefreshCause sentFor = cause;
      String grantType = request.grant().grantType();
      int attempt = attempts;
      LOG.log(System.Logger.Level.DEBUG, () -> "token request for key '" + h.key + "': grant_type "
          + grantType + ", cause " + sentFor + ", attempt " + attempt);
      for (TokenListener l : listeners) {
        try {
          l.onTokenRequestSent(h.key, grantType, sentFor);
        } catch (RuntimeException e) {
          listenerFailed(e);
        }
      }
      long sent = clock.millis();
      CompletableFuture<TokenResponse> answer;
      try {
        answer = endpoint.requestAsync(request);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete((response, failure) -> {
        Runnable task = () -> {
          completed(grantType, sentFor, sent, failure);
          handle(response, failure);
        };
        try {
          executor.execute(task);
        } catch (RejectedExecutionException e) {
          task.run();
        }
      });
    }

    private void completed(String grantType, RefreshCause sentFor, long sent, Throwable failure) {
      Duration elapsed = Duration.ofMillis(Math.max(0, clock.millis() - sent));
      Throwable why = failure == null ? null : unwrap(failure);
      LOG.log(System.Logger.Level.DEBUG, () -> "token request for key '" + h.key + "' ("
          + grantType + ") " + (why == null ? "answered with a token" : "failed: " + why)
          + " after " + elapsed.toMillis() + " ms");
      for (TokenListener l : listeners) {
        try {
          l.onTokenRequestCompleted(h.key, grantType, sentFor, elapsed, why);
        } catch (RuntimeException e) {
          listenerFailed(e);
        }
      }
    }

    /** The next attempt, when its delay is over (or at once when the manager is closed). */
    private void retry() {
      if (closed) {
        fail(new IllegalStateException("this TokenManager was closed while the token request for"
            + " key '" + h.key + "' waited to be retried; build a new one"));
        return;
      }
      send();
    }

    private void handle(TokenResponse response, Throwable failure) {
      try {
        if (failure == null) {
          succeed(response);
        } else {
          retryOrFail(unwrap(failure));
        }
      } catch (Throwable t) {
        // Never leave the in-flight slot taken: the key would be stuck for good.
        fail(t);
        if (t instanceof Error e) {
          throw e;
        }
      }
    }

    private void succeed(TokenResponse response) {
      long now = clock.millis();
      TokenRequest base = refresh ? basis.request : baseRequest(request, response);
      TokenState next = newState(response, base, refresh ? basis : null);
      if (Holder.STATE.compareAndSet(h, basis, next)) {
        if (h.revoked) {
          // revoke(key) ran meanwhile: whoever takes the state out revokes it (see revoke(h)).
          revokedMeanwhile(next, Holder.STATE.compareAndSet(h, next, null));
          return;
        }
        installed(h, now);
      } else {
        TokenState current = h.state;
        if (current == null) {
          revokedMeanwhile(next, true); // revoke(key) took the basis: this answer is ours
          return;
        }
        // put() stored a token meanwhile; it wins, and the callers get it.
        next = current;
      }
      (refresh ? refreshes : acquisitions).increment();
      // The slot is free before the listeners run, so a listener calling token(key) sees the new
      // state (or starts a new request), never this promise; the callers are released after the
      // listeners, so what a listener recorded is visible to them (see TokenListener).
      clearInFlight(h);
      try {
        for (TokenListener l : listeners) {
          try {
            l.onToken(h.key, response, cause);
          } catch (RuntimeException e) {
            listenerFailed(e);
          }
        }
      } finally {
        promise.complete(next); // even if a listener threw an Error
      }
    }

    /** The key was revoked while this request was in flight: its answer must not be served. */
    private void revokedMeanwhile(TokenState answer, boolean revokeIt) {
      if (revokeIt) {
        h.lateRevocation = revokeQuietly(answer);
      }
      ReauthenticationRequiredException reauth = reauthentication(h.key, "the tokens of key '"
          + h.key + "' were revoked while a token request was in flight; the tokens it brought"
          + " were revoked too. Sign the user in again and put() the new token, or call token()"
          + " again to acquire one with the primary grant", null);
      completeFailed(reauth, false);
    }

    private void retryOrFail(Throwable failure) {
      if (failure instanceof TokenEndpointException tee) {
        if (refresh && tee.isInvalidGrant()) {
          refusedRefreshToken(tee);
          return;
        }
        if (tee.isTransient()) {
          long elapsed = clock.millis() - started;
          if (attempts >= retryPolicy.maxAttempts()) {
            fail(budgetUsedUp(tee, elapsed, null));
            return;
          }
          Duration delay = tee.retryAfter()
              .orElseGet(() -> retryPolicy.backoff(attempts, ThreadLocalRandom.current().nextDouble()));
          if (elapsed + delay.toMillis() > retryPolicy.maxElapsed().toMillis()) {
            fail(budgetUsedUp(tee, elapsed, delay));
            return;
          }
          LOG.log(System.Logger.Level.DEBUG, () -> "token request for key '" + h.key + "' failed"
              + " transiently (status " + tee.statusCode() + "); attempt " + (attempts + 1)
              + " in " + delay);
          schedule(this::retry, delay);
          return;
        }
      }
      fail(failure);
    }

    /** {@code invalid_grant} on a refresh: the refresh token is dead. Never send it again. */
    private void refusedRefreshToken(TokenEndpointException tee) {
      if (primaryRequest != null) {
        refresh = false;
        cause = RefreshCause.REACQUIRED;
        attempts = 0;
        try {
          request = primaryRequestFor(h.key);
          send();
        } catch (RuntimeException e) {
          fail(e);
        }
        return;
      }
      long now = clock.millis();
      ReauthenticationRequiredException reauth = reauthentication(h.key, "the provider refused"
          + " the refresh token of key '" + h.key + "' (invalid_grant) and no primary grant is"
          + " configured; sign the user in again and put() the new token", tee);
      boolean keepServing = cause != RefreshCause.REJECTED && now < basis.usableUntil
          && Holder.STATE.compareAndSet(h, basis, basis.withoutRefreshToken());
      if (keepServing) {
        // The access token is still valid: serve it until it expires, without a refresh token.
        updateExpiry(h);
      } else {
        end(h, basis, true);
      }
      completeFailed(reauth, keepServing);
    }

    private void fail(Throwable failure) {
      if (promise.isDone()) {
        return;
      }
      long now = clock.millis();
      TokenState current = h.state;
      if (current == null) {
        end(h, null, false); // an empty holder is not kept
      }
      boolean stillServing = current != null && now < current.usableUntil
          && !current.sessionOver(now, h.lastUsed);
      if (stillServing) {
        long coolDown = Math.max(MINIMUM_COOL_DOWN_MILLIS, retryPolicy.maxDelay().toMillis());
        if (failure instanceof TokenEndpointException tee && tee.retryAfter().isPresent()) {
          coolDown = Math.max(coolDown, tee.retryAfter().get().toMillis());
        }
        h.retryNotBefore = now + coolDown;
      }
      completeFailed(failure, stillServing);
    }

    /**
     * Frees the in-flight slot, lets the listeners hear the failure, then releases the waiting
     * callers (even if a listener throws an Error).
     */
    private void completeFailed(Throwable failure, boolean stillServing) {
      failures.increment();
      clearInFlight(h);
      try {
        notifyFailure(failure, stillServing);
      } finally {
        promise.completeExceptionally(failure);
      }
    }

    private void notifyFailure(Throwable failure, boolean stillServing) {
      LOG.log(System.Logger.Level.DEBUG, () -> "token request for key '" + h.key + "' failed"
          + (stillServing ? "; the current token stays in service" : "") + ": " + failure);
      for (TokenListener l : listeners) {
        try {
          l.onFailure(h.key, failure, stillServing);
        } catch (RuntimeException e) {
          listenerFailed(e);
        }
      }
    }

    private TokenEndpointException budgetUsedUp(TokenEndpointException last, long elapsed,
        Duration retryAfter) {
      String why = retryAfter == null
          ? "after " + attempts + " attempts in " + elapsed + " ms"
          : "after " + attempts + " attempts in " + elapsed + " ms; the next delay of "
              + retryAfter.toMillis() + " ms (Retry-After or backoff) would pass the budget";
      return new TokenEndpointException("token request for key '" + h.key + "' failed " + why
          + ": the retry budget is used up (" + retryPolicy + "; change it with"
          + " TokenManager.Builder.retryPolicy). Last failure: " + last.getMessage(),
          last.statusCode(), last.error().orElse(null), last.errorDescription().orElse(null),
          last.errorUri().orElse(null), last.retryAfter().orElse(null), last);
    }
  }

  // ---- holder bookkeeping ----------------------------------------------------------------

  /** The per-key slot: an immutable state swapped atomically, and the one request in flight. */
  static final class Holder {
    static final VarHandle STATE;
    static final VarHandle IN_FLIGHT;
    static final VarHandle RETIRED;
    static final VarHandle WARNED_FOR;
    static final VarHandle TIMER_DUE;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        STATE = lookup.findVarHandle(Holder.class, "state", TokenState.class);
        IN_FLIGHT = lookup.findVarHandle(Holder.class, "inFlight", CompletableFuture.class);
        RETIRED = lookup.findVarHandle(Holder.class, "retired", boolean.class);
        WARNED_FOR = lookup.findVarHandle(Holder.class, "warnedFor", long.class);
        TIMER_DUE = lookup.findVarHandle(Holder.class, "timerDue", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final String key;
    volatile TokenState state;
    volatile long lastUsed;
    volatile CompletableFuture<TokenState> inFlight;
    /** No background refresh before this, after one failed. */
    volatile long retryNotBefore;
    /** The session end that onSessionEnding was last fired for. */
    volatile long warnedFor;
    volatile boolean retired;
    /** revoke(key) retired this holder: an answer arriving now is revoked, not served. */
    volatile boolean revoked;
    /** The revocation of such an answer, for revoke(key) to wait on. */
    volatile CompletableFuture<Throwable> lateRevocation;
    /** When the pending session timer fires, or 0 for none. */
    volatile long timerDue;

    Holder(String key, long now) {
      this.key = key;
      this.lastUsed = now;
    }

    boolean retire() {
      return RETIRED.compareAndSet(this, false, true);
    }
  }

  private Holder newHolder(String key) {
    // Runs inside Caffeine's compute for this key, so the index entry exists before the cache
    // entry can be evicted (whose listener removes it again).
    Holder h = new Holder(key, clock.millis());
    index.put(key, h);
    return h;
  }

  /**
   * Removes {@code h}, judged dead on state {@code judged}, from both structures; the first caller
   * wins and reports the session end. If the state changed after the judgment (a put() or a
   * refresh landed), the newer state is kept, in a new holder, and nothing is reported.
   *
   * @return whether {@code h} was removed with the judged state
   */
  private boolean end(Holder h, TokenState judged, boolean sessionEnded) {
    if (!h.retire()) {
      return false;
    }
    cache.asMap().remove(h.key, h);
    index.remove(h.key, h);
    TokenState s = h.state;
    if (s != judged) {
      if (s != null && !closed) {
        install(h.key, s);
      }
      return false;
    }
    if (sessionEnded && primaryRequest == null && s != null) {
      SessionTimeouts t = timeouts(s, h.lastUsed);
      for (TokenListener l : listeners) {
        try {
          l.onSessionEnded(h.key, t);
        } catch (RuntimeException e) {
          listenerFailed(e);
        }
      }
    }
    return true;
  }

  /** Removes {@code h} whatever its state: {@link #invalidate}. */
  private void forget(Holder h) {
    if (h.retire()) {
      cache.asMap().remove(h.key, h);
      index.remove(h.key, h);
    }
  }

  /** Caffeine evicted {@code h} (size or expiry); called inside the eviction, so keep it short. */
  private void onEvicted(String key, Holder h, RemovalCause cause) {
    if (key == null || h == null || !h.retire()) {
      return;
    }
    index.remove(key, h);
    TokenState s = h.state;
    if (cause == RemovalCause.EXPIRED && primaryRequest == null && s != null
        && s.hasSessionDeadline() && s.sessionOver(clock.millis(), h.lastUsed)) {
      SessionTimeouts t = timeouts(s, h.lastUsed);
      runQuietly(() -> {
        if (index.containsKey(key)) {
          return; // signed in again meanwhile: "ended" would log the new session out
        }
        for (TokenListener l : listeners) {
          try {
            l.onSessionEnded(key, t);
          } catch (RuntimeException e) {
            listenerFailed(e);
          }
        }
      });
    }
  }

  /** A new state is in {@code h}: record the use, re-time the cache entry, watch the session. */
  private void installed(Holder h, long now) {
    h.lastUsed = now;
    h.retryNotBefore = 0;
    updateExpiry(h);
    TokenState s = h.state;
    if (s != null && s.hasSessionDeadline()) {
      checkSession(h, now);
      armSessionTimer(h);
    }
  }

  private void updateExpiry(Holder h) {
    // replace(k, v, v) makes Caffeine ask the Expiry again (expireAfterUpdate).
    cache.asMap().replace(h.key, h, h);
  }

  /** Frees the in-flight slot, and lets the entry expire again. */
  private void clearInFlight(Holder h) {
    h.inFlight = null;
    updateExpiry(h);
  }

  /** The rare write of the hot path: at most once per touch interval per key. */
  private void touch(Holder h, TokenState s, long now) {
    h.lastUsed = now;
    cache.getIfPresent(h.key);
    if (s.hasSessionDeadline()) {
      checkSession(h, now);
    }
  }

  private final class HolderExpiry implements Expiry<String, Holder> {
    @Override
    public long expireAfterCreate(String key, Holder h, long currentTime) {
      return nanosToLive(h, currentTime);
    }

    @Override
    public long expireAfterUpdate(String key, Holder h, long currentTime, long currentDuration) {
      return nanosToLive(h, currentTime);
    }

    @Override
    public long expireAfterRead(String key, Holder h, long currentTime, long currentDuration) {
      return nanosToLive(h, currentTime);
    }

    private long nanosToLive(Holder h, long currentTime) {
      TokenState s = h.state;
      if (s == null || h.inFlight != null) {
        // Loading (the failure path removes the holder), or a request in flight: evicting now
        // would let the next caller send a second request, and lose this one's answer.
        return Long.MAX_VALUE;
      }
      long deadline = s.reviveDeadline(h.lastUsed);
      if (deadline == TokenState.NEVER) {
        return Long.MAX_VALUE;
      }
      long millis = deadline - TimeUnit.NANOSECONDS.toMillis(currentTime);
      return millis <= 0 ? 0 : TimeUnit.MILLISECONDS.toNanos(millis);
    }
  }

  // ---- sessions --------------------------------------------------------------------------

  private SessionTimeouts timeouts(TokenState s, long lastUsed) {
    return new SessionTimeouts(
        s.sessionId,
        s.idleTimeout == TokenState.NEVER ? null : Duration.ofMillis(s.idleTimeout),
        s.idleTimeout == TokenState.NEVER ? null : Instant.ofEpochMilli(s.idleDeadline(lastUsed)),
        s.absoluteDeadline == TokenState.NEVER ? null : Instant.ofEpochMilli(s.absoluteDeadline));
  }

  private long sessionEnd(TokenState s, long lastUsed) {
    return Math.min(s.absoluteDeadline, s.idleDeadline(lastUsed));
  }

  private long warningFrom(TokenState s, long end) {
    // Against the idle deadline, warn at most half the idle timeout ahead: otherwise a key used
    // steadily would be "ending" after every use.
    long warning = end == s.absoluteDeadline
        ? sessionWarning : Math.min(sessionWarning, s.idleTimeout / 2);
    return end - warning;
  }

  /** Fires the session events that are due for {@code h}. */
  private void checkSession(Holder h, long now) {
    TokenState s = h.state;
    if (s == null || h.retired) {
      return;
    }
    long lastUsed = h.lastUsed;
    if (s.sessionOver(now, lastUsed)) {
      end(h, s, true);
      return;
    }
    long end = sessionEnd(s, lastUsed);
    long warned = h.warnedFor;
    if (now >= warningFrom(s, end) && warned != end
        && Holder.WARNED_FOR.compareAndSet(h, warned, end)) {
      SessionTimeouts t = timeouts(s, lastUsed);
      for (TokenListener l : listeners) {
        try {
          l.onSessionEnding(h.key, t);
        } catch (RuntimeException e) {
          listenerFailed(e);
        }
      }
    }
  }

  /**
   * Makes sure a timer fires when the next session event of {@code h} is due. At most one timer
   * per key counts: a new one replaces a later one (a new state may end sooner), and one that
   * fires after being replaced does nothing.
   */
  private void armSessionTimer(Holder h) {
    TokenState s = h.state;
    if (closed || s == null || h.retired || !s.hasSessionDeadline()) {
      return;
    }
    long now = clock.millis();
    long end = sessionEnd(s, h.lastUsed);
    long warnFrom = warningFrom(s, end);
    long due = Math.max(now, h.warnedFor != end && now < warnFrom ? warnFrom : end);
    long armed = h.timerDue;
    if ((armed != 0 && armed <= due) || !Holder.TIMER_DUE.compareAndSet(h, armed, due)) {
      return;
    }
    schedule(new SessionTimer(this, h, due), Duration.ofMillis(due - now));
  }

  /** Holds its key weakly, so that a pending timer never keeps an evicted key in memory. */
  private static final class SessionTimer implements Runnable {
    private final TokenManager manager;
    private final WeakReference<Holder> holder;
    private final long due;

    SessionTimer(TokenManager manager, Holder h, long due) {
      this.manager = manager;
      this.holder = new WeakReference<>(h);
      this.due = due;
    }

    @Override
    public void run() {
      Holder h = holder.get();
      if (h == null || !Holder.TIMER_DUE.compareAndSet(h, due, 0L)) {
        return; // evicted and collected, or replaced by an earlier timer
      }
      if (manager.closed || h.retired) {
        return;
      }
      manager.checkSession(h, manager.clock.millis());
      manager.armSessionTimer(h);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  private TokenState newState(TokenResponse response, TokenRequest base, TokenState session) {
    boolean renewable = primaryRequest != null || response.refreshToken().isPresent()
        || (session != null && session.refreshToken != null);
    return TokenState.of(response, base, session, refreshWindow, expiryMargin, renewable);
  }

  /** The request a refresh repeats: {@code acquiredWith}, given the server's endpoint_id. */
  private static TokenRequest baseRequest(TokenRequest acquiredWith, TokenResponse response) {
    if (acquiredWith != null && acquiredWith.endpointId() == null) {
      // The provider generated an endpoint_id (RingCentral does): keep the client instance on refresh.
      String generated = response.endpointId().orElse(null);
      if (generated != null && TokenRequest.ENDPOINT_ID.matcher(generated).matches()) {
        return acquiredWith.withEndpointId(generated);
      }
    }
    return acquiredWith;
  }

  private TokenRequest refreshRequest(String key, TokenState s) {
    Grant grant = Grant.refreshToken(s.refreshToken);
    if (s.request != null) {
      return s.request.withGrant(grant);
    }
    if (primaryRequest != null) {
      return primaryRequestFor(key).withGrant(grant);
    }
    return TokenRequest.builder(grant)
        .endpointId(endpoint.dialect().endpointIdFor(key).orElse(null))
        .build();
  }

  private TokenRequest primaryRequestFor(String key) {
    TokenRequest request = primaryRequest.apply(key);
    if (request == null) {
      throw new IllegalStateException("the primary request function returned null for key '"
          + key + "'; it must return a TokenRequest (TokenManager.Builder.primaryRequest)");
    }
    return request;
  }

  private void schedule(Runnable task, Duration delay) {
    try {
      scheduler.schedule(task, delay);
    } catch (RuntimeException e) {
      // A scheduler that refuses would leave a request or a timer hanging: run it now instead.
      LOG.log(System.Logger.Level.WARNING, "scheduler refused a task; running it at once", e);
      task.run();
    }
  }

  private void runQuietly(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  private AccessToken await(String key, Object resolved) {
    if (resolved instanceof AccessToken token) {
      return token;
    }
    waits.increment();
    try {
      return ((TokenState) ((CompletableFuture<?>) resolved).get()).token;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenKeeperException("interrupted while waiting for the token of key '" + key + "'",
          e);
    } catch (ExecutionException e) {
      Throwable cause = unwrap(e);
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new TokenKeeperException("token request for key '" + key + "' failed", cause);
    }
  }

  private CompletableFuture<AccessToken> toTokenFuture(Object resolved) {
    if (resolved instanceof AccessToken token) {
      return CompletableFuture.completedFuture(token);
    }
    waits.increment();
    return ((CompletableFuture<?>) resolved).thenApply(s -> ((TokenState) s).token);
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static ReauthenticationRequiredException reauthentication(String key, String message,
      Throwable cause) {
    return new ReauthenticationRequiredException(key, message, cause);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("this TokenManager is closed; build a new one");
    }
  }

  private static void listenerFailed(RuntimeException e) {
    LOG.log(System.Logger.Level.WARNING, "a TokenListener threw; ignored", e);
  }

  // ---- for tests in this package -----------------------------------------------------------

  /** Runs Caffeine's pending maintenance (evictions). */
  void cleanUp() {
    cache.cleanUp();
  }

  /** The size of the mirror index. */
  int indexSize() {
    return index.size();
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
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private long maximumSize = 10_000;
    private Clock clock;
    private Executor executor = ForkJoinPool.commonPool();
    private Scheduler scheduler;
    private boolean recordStats;
    private final List<TokenListener> listeners = new ArrayList<>();

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

    /** The clock for every deadline. Default: the endpoint's clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
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

    /** Count {@link Stats#hits()} too. Off by default: it adds a shared write to the hot path. */
    public Builder recordStats() {
      this.recordStats = true;
      return this;
    }

    /** Adds a listener; listeners are called in the order added. */
    public Builder listener(TokenListener listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The manager; it holds no token until the first {@code token(key)} or {@code put}. */
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

package dev.tokenkeeper;

import dev.tokenkeeper.internal.ClientAuthenticator;
import dev.tokenkeeper.internal.DaemonScheduler;
import dev.tokenkeeper.internal.Daemons;
import dev.tokenkeeper.internal.Failures;
import dev.tokenkeeper.internal.FormEncoder;
import dev.tokenkeeper.internal.LimitedBodyHandler;
import dev.tokenkeeper.internal.Loopback;
import dev.tokenkeeper.internal.Redactor;
import dev.tokenkeeper.internal.TokenResponseParser;
import dev.tokenkeeper.internal.budget.RateLimiter;
import dev.tokenkeeper.internal.budget.SlidingWindowLimiter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;

/**
 * A provider's token endpoint (RFC 6749, section 3.2) and, optionally, its revocation endpoint
 * (RFC 7009), with the client authentication to use on both.
 *
 * <p>Thread-safe, with an immutable configuration: build one per provider and share it, and
 * {@link #close()} it when the application stops. Every call is one HTTP
 * {@code POST} of an {@code application/x-www-form-urlencoded; charset=UTF-8} body over
 * {@link java.net.http.HttpClient}, with no retries: retrying is the caller's decision, guided by
 * {@link TokenEndpointException#isTransient()} and {@link TokenEndpointException#retryAfter()}.
 *
 * <p>Safety rules, all enforced here: the token and revocation URIs must use {@code https}
 * unless they are on a loopback address or {@link Builder#allowInsecureHttp(boolean)} is set;
 * redirects are never followed; a response body larger than {@link Builder#maxResponseBytes} is
 * not read; a request that gets no answer within {@link Builder#requestTimeout} fails; and no
 * secret of the request (client secret, password, code, refresh token, assertion, ...) appears in
 * any exception message, even when the provider echoes it back.
 *
 * <p>Threads: the request timeout is kept by one daemon thread of the endpoint's own,
 * {@code tokenkeeper-timeout-<n>}, and the {@code HttpClient} built here (when none is given)
 * runs on daemon {@code tokenkeeper-http-<n>} threads; all of them start when needed, end after
 * a minute without work, and end at once on {@link #close()}. Their context class loader is the
 * system class loader, never that of the (web) application that happened to start them.
 *
 * <pre>{@code
 * TokenEndpoint endpoint = TokenEndpoint.builder(
 *         URI.create("https://platform.example.com/restapi/oauth/token"),
 *         ClientAuthentication.basic(clientId, clientSecret))
 *     .revocationUri(URI.create("https://platform.example.com/restapi/oauth/revoke"))
 *     .build();
 * TokenResponse token = endpoint.request(
 *     TokenRequest.builder(Grant.password(username, password)).endpointId("web-1").build());
 * }</pre>
 */
public final class TokenEndpoint implements AutoCloseable {
  private static final String TOKEN_ENDPOINT = "token endpoint";
  private static final String REVOCATION_ENDPOINT = "revocation endpoint";

  /** Form fields whose values are not secrets; every other value is masked in messages. */
  private static final Set<String> PUBLIC_FIELDS = Set.of(
      "grant_type", "scope", "client_id", "endpoint_id", "access_token_ttl", "refresh_token_ttl",
      "username", "redirect_uri", "account_id", "brand_id", "partner_account_id",
      "resource_type", "resource", "extension", "client_assertion_type", "token_type_hint");

  private final URI tokenUri;
  private final URI revocationUri;
  private final ClientAuthentication clientAuthentication;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final int maxResponseBytes;
  private final Duration defaultExpiresIn;
  private final boolean allowInsecureHttp;
  private final Dialect dialect;
  private final TokenBudget budget;
  /** The budget's permits, shared by every manager on this endpoint; made by the first one. */
  private RateLimiter limiter;
  private final Clock clock;
  private final HttpClient httpClient;
  private final ClientAuthenticator authenticator;
  private final TokenResponseParser parser;
  /** Keeps {@link #requestTimeout} for whole answers; see {@link #exchange}. */
  private final DaemonScheduler timer = new DaemonScheduler("timeout", Runnable::run);
  /** The executor of the client built here, {@code null} when the client was given. */
  private final ExecutorService ownExecutor;
  private volatile boolean closed;

  private TokenEndpoint(Builder b) {
    this.allowInsecureHttp = b.allowInsecureHttp;
    this.tokenUri = checkUri("token endpoint URI", "tokenUri",
        Objects.requireNonNull(b.tokenUri, "tokenUri is required"), allowInsecureHttp);
    this.revocationUri = b.revocationUri == null ? null
        : checkUri("revocation endpoint URI", "revocationUri", b.revocationUri, allowInsecureHttp);
    this.clientAuthentication =
        Objects.requireNonNull(b.clientAuthentication, "clientAuthentication is required");
    this.connectTimeout = positive("connectTimeout", b.connectTimeout);
    this.requestTimeout = positive("requestTimeout", b.requestTimeout);
    if (b.maxResponseBytes <= 0) {
      throw new IllegalArgumentException(
          "maxResponseBytes must be positive; got " + b.maxResponseBytes);
    }
    this.maxResponseBytes = b.maxResponseBytes;
    Objects.requireNonNull(b.defaultExpiresIn, "defaultExpiresIn is required");
    if (b.defaultExpiresIn.isNegative()) {
      throw new IllegalArgumentException(
          "defaultExpiresIn must be zero or positive; got " + b.defaultExpiresIn);
    }
    this.defaultExpiresIn = b.defaultExpiresIn;
    this.clock = Objects.requireNonNull(b.clock, "clock is required");
    this.dialect = Objects.requireNonNull(b.dialect, "dialect is required");
    this.budget = b.budgetSet ? b.budget : dialect.budget().orElse(null);
    this.authenticator = new ClientAuthenticator(clientAuthentication, clock);
    this.parser = new TokenResponseParser(clock, defaultExpiresIn);
    if (b.httpClient != null && b.httpClient.followRedirects() != HttpClient.Redirect.NEVER) {
      throw new IllegalArgumentException("the HttpClient given to TokenEndpoint.Builder.httpClient"
          + " follows redirects (" + b.httpClient.followRedirects() + "); token requests carry"
          + " secrets and must not be redirected: build it with"
          + " followRedirects(HttpClient.Redirect.NEVER)");
    }
    this.ownExecutor = b.httpClient != null ? null : Daemons.httpExecutor();
    this.httpClient = b.httpClient != null
        ? b.httpClient
        : Daemons.build(HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(ownExecutor));
  }

  /**
   * A builder for the token endpoint at {@code tokenUri} that authenticates the client with
   * {@code clientAuthentication}.
   */
  public static Builder builder(URI tokenUri, ClientAuthentication clientAuthentication) {
    return new Builder(tokenUri, clientAuthentication);
  }

  /**
   * Sends the request and parses the answer, blocking the calling thread until the answer or
   * {@link Builder#requestTimeout} arrives.
   *
   * @throws TokenEndpointException the provider refused ({@link TokenEndpointException#error()}),
   *     answered something that is not a usable token response (the message names the problem),
   *     or could not be reached ({@code statusCode() == 0}); if the thread is interrupted while
   *     waiting, the exchange is cancelled, the interrupt flag is restored and this is thrown
   *     with {@code statusCode() == 0}
   * @throws IllegalArgumentException the request breaks a rule of the endpoint's
   *     {@link Dialect}, or it and the client authentication disagree, such as two different
   *     {@code client_id}s
   */
  public TokenResponse request(TokenRequest request) {
    return await(requestAsync(request));
  }

  /**
   * Sends the request without blocking the caller: the HTTP exchange and the parsing run on the
   * {@code HttpClient}'s executor (a JWT client assertion is signed on the calling thread, which
   * is CPU work only).
   *
   * <p>What callers get on failure: the returned future completes exceptionally with the
   * {@link TokenEndpointException} itself, not wrapped, so {@code exceptionally}, {@code handle}
   * and {@code whenComplete} attached to <em>this</em> future receive it directly. As with every
   * {@code CompletableFuture}, {@code join()} throws it wrapped in a
   * {@code CompletionException}, {@code get()} in an {@code ExecutionException}, and stages
   * derived with {@code thenApply} and friends see a {@code CompletionException} whose cause it
   * is. Cancelling the returned future cancels the HTTP exchange.
   *
   * <p>The endpoint's {@link Dialect} is applied to {@code request} first.
   *
   * @throws IllegalArgumentException (directly, not through the future) the request breaks a
   *     rule of the endpoint's {@link Dialect}, or it and the client authentication disagree,
   *     such as two different {@code client_id}s
   * @throws IllegalStateException (directly) the endpoint is {@linkplain #close() closed}
   */
  public CompletableFuture<TokenResponse> requestAsync(TokenRequest request) {
    Objects.requireNonNull(request, "request is required");
    TokenRequest effective = Objects.requireNonNull(dialect.apply(request),
        "the dialect returned no request");
    Map<String, String> form = new LinkedHashMap<>(effective.form());
    addClientAuthentication(form, tokenUri);
    Redactor redactor = redactorFor(form);
    return exchange(tokenUri, TOKEN_ENDPOINT, form, redactor, (response, body) -> parser.parseTokenResponse(
        response.statusCode(), response.headers(), body, clock.instant(), redactor));
  }

  /**
   * Revokes a token (RFC 7009, section 2.1) at the configured revocation URI: a form with
   * {@code token} and, when given, {@code token_type_hint}, authenticated like token requests
   * (a JWT assertion's {@code aud} is then the revocation URI). Any 2xx answer is success; the
   * server also answers 200 for a token it does not know (RFC 7009, section 2.2). Failures reach
   * the future as {@link TokenEndpointException}, as for {@link #requestAsync}.
   *
   * @param token the access or refresh token to revoke
   * @param tokenTypeHint {@code access_token}, {@code refresh_token} or {@code null}
   * @throws IllegalStateException no revocation URI is configured, or the endpoint is
   *     {@linkplain #close() closed}
   */
  public CompletableFuture<Void> revokeAsync(String token, String tokenTypeHint) {
    if (revocationUri == null) {
      throw new IllegalStateException(
          "no revocation endpoint is configured: set TokenEndpoint.Builder.revocationUri");
    }
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("token is required for revocation and must not be blank");
    }
    if (tokenTypeHint != null && tokenTypeHint.isBlank()) {
      throw new IllegalArgumentException(
          "token_type_hint must not be blank: leave it out (null) or give access_token or"
              + " refresh_token");
    }
    Map<String, String> form = new LinkedHashMap<>();
    form.put("token", token);
    if (tokenTypeHint != null) {
      form.put("token_type_hint", tokenTypeHint);
    }
    addClientAuthentication(form, revocationUri);
    Redactor redactor = redactorFor(form);
    return exchange(revocationUri, REVOCATION_ENDPOINT, form, redactor, (response, body) -> {
      parser.checkRevocationResponse(response.statusCode(), response.headers(), body, redactor);
      return null;
    });
  }

  /**
   * Blocking {@link #revokeAsync}.
   *
   * @throws TokenEndpointException the revocation failed
   * @throws IllegalStateException no revocation URI is configured
   */
  public void revoke(String token, String tokenTypeHint) {
    await(revokeAsync(token, tokenTypeHint));
  }

/** The token endpoint URI. */
  public URI tokenUri() {
    return tokenUri;
  }

  /** The RFC 7009 revocation URI, when configured. */
  public Optional<URI> revocationUri() {
    return Optional.ofNullable(revocationUri);
  }

  /** Whether a revocation URI is configured. */
  public boolean supportsRevocation() {
    return revocationUri != null;
  }

/** How the client authenticates on the token and revocation endpoints. */
  public ClientAuthentication clientAuthentication() {
    return clientAuthentication;
  }

/** The clock that stamps each response's arrival and each client assertion. */
  public Clock clock() {
    return clock;
  }

  /** The provider dialect applied to every request. */
  public Dialect dialect() {
    return dialect;
  }

  /**
   * The budget that {@link TokenManager}s on this endpoint spend: the one set with
   * {@link Builder#budget}, else the {@linkplain Dialect#budget() dialect's}, else none.
   */
  public Optional<TokenBudget> budget() {
    return Optional.ofNullable(budget);
  }

  /**
   * The budget's permits, one set per endpoint however many managers use it, so that the budget
   * holds for everything they send. Made by the first manager that asks, on its monotonic
   * {@code ticker}; {@code null} without a budget.
   */
  synchronized RateLimiter limiter(LongSupplier ticker) {
    if (budget != null && limiter == null) {
      limiter = new SlidingWindowLimiter(budget, ticker);
    }
    return limiter;
  }

  /** The lifetime assumed for a token whose response has no {@code expires_in} and no JWT {@code exp}. */
  public Duration defaultExpiresIn() {
    return defaultExpiresIn;
  }

  /**
   * Releases the endpoint's threads: requests in flight fail at once with
   * {@link IllegalStateException} (their HTTP exchanges are cancelled), later calls are refused
   * with it, and the {@code tokenkeeper-*} threads end. An {@code HttpClient} given to
   * {@link Builder#httpClient} is yours and left alone; the one built here is shut down: on
   * Java 21 and later completely, on Java 17 to 20 its executor is, while the JDK's own
   * {@code HttpClient-<n>-SelectorManager} thread ends only once the client is garbage collected
   * (Java 17's {@code HttpClient} cannot be closed). Idempotent; a {@link TokenManager} does
   * not close its endpoint.
   */
  @Override
  public void close() {
    closed = true;
    timer.close();
    if (ownExecutor != null) {
      Daemons.shutdownNow(httpClient, ownExecutor);
    }
  }

  @Override
  public String toString() {
    return "TokenEndpoint[tokenUri=" + tokenUri + ", revocationUri=" + revocationUri
        + ", clientAuthentication=" + clientAuthentication + "]";
  }

  // ---- the exchange ----------------------------------------------------------------------

  @FunctionalInterface
  private interface Reader<T> {
    T read(HttpResponse<byte[]> response, byte[] body) throws TokenEndpointException;
  }

  private void addClientAuthentication(Map<String, String> form, URI audience) {
    for (Map.Entry<String, String> field : authenticator.formParameters(audience).entrySet()) {
      String existing = form.putIfAbsent(field.getKey(), field.getValue());
      if (existing != null && !existing.equals(field.getValue())) {
        String shown = PUBLIC_FIELDS.contains(field.getKey())
            ? " (\"" + existing + "\" in the request, \"" + field.getValue()
                + "\" in the client authentication)"
            : "";
        throw new IllegalArgumentException("the request sets " + field.getKey()
            + " differently from the client authentication" + shown
            + ": leave it out of the request, the client authentication adds it");
      }
    }
  }

  private Redactor redactorFor(Map<String, String> form) {
    Set<String> secrets = new LinkedHashSet<>(authenticator.secrets());
    form.forEach((name, value) -> {
      if (!PUBLIC_FIELDS.contains(name)) {
        secrets.add(value);
        secrets.add(FormEncoder.encode(value));
      }
    });
    return new Redactor(secrets);
  }

  private <T> CompletableFuture<T> exchange(
      URI uri, String endpoint, Map<String, String> form, Redactor redactor, Reader<T> reader) {
    if (closed) {
      throw new IllegalStateException("this TokenEndpoint is closed; build a new one");
    }
    HttpRequest.Builder http = HttpRequest.newBuilder(uri)
        .timeout(requestTimeout)
        .header("Content-Type", FormEncoder.CONTENT_TYPE)
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(FormEncoder.encode(form)));
    authenticator.authorizationHeader().ifPresent(value -> http.header("Authorization", value));

    CompletableFuture<T> result = new CompletableFuture<>();
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = httpClient.sendAsync(http.build(), new LimitedBodyHandler(maxResponseBytes));
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return result;
    }
    sent.whenComplete((response, failure) -> {
      if (failure != null) {
        TokenEndpointException mapped = Failures.exchangeFailed(
            failure, endpoint, uri, connectTimeout, requestTimeout, redactor);
        result.completeExceptionally(mapped != null ? mapped
            : Failures.redacted(Failures.unwrap(failure), redactor));
        return;
      }
      try {
        result.complete(reader.read(response, response.body()));
      } catch (TokenEndpointException e) {
        result.completeExceptionally(e);
      } catch (RuntimeException e) {
        result.completeExceptionally(new TokenEndpointException("the " + endpoint + " answered"
            + " HTTP " + response.statusCode() + " with a response TokenKeeper could not read ("
            + e.getClass().getSimpleName() + ")", response.statusCode(),
            Failures.redacted(e, redactor)));
      }
    });
    result.whenComplete((value, failure) -> {
      if (result.isCancelled()) {
        sent.cancel(true);
      }
    });
    // The JDK's request timeout ends when the headers arrive: a body that stalls after them
    // would leave this future, and every caller waiting for the token, pending for ever. The
    // deadline's timer task is cancelled (and dropped from the timer queue) as soon as the
    // answer is in, so a finished exchange is not kept reachable for requestTimeout. close()
    // fires every pending deadline at once: that is how it fails the requests in flight.
    Runnable cancelDeadline;
    try {
      cancelDeadline = timer.scheduleCancellable(() -> {
        Throwable why = closed
            ? new IllegalStateException("the TokenEndpoint was closed while a request to the " + endpoint
                + " was in flight")
            : Failures.exchangeFailed(new HttpTimeoutException("no complete answer"), endpoint,
                uri, connectTimeout, requestTimeout, redactor);
        if (result.completeExceptionally(why)) {
          sent.cancel(true);
        }
      }, requestTimeout);
    } catch (RejectedExecutionException e) {
      // close() ran since the check above.
      if (result.completeExceptionally(new IllegalStateException("the TokenEndpoint was closed while a"
          + " request to the " + endpoint + " was being sent"))) {
        sent.cancel(true);
      }
      return result;
    }
    result.whenComplete((value, failure) -> cancelDeadline.run());
    return result;
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new TokenEndpointException(
          "interrupted while waiting for the token endpoint; the request was cancelled", 0, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TokenEndpointException tee) {
        // A fresh exception, so the caller's stack is in the trace; the original is the cause.
        throw new TokenEndpointException(tee.getMessage(), tee.statusCode(),
            tee.error().orElse(null), tee.errorDescription().orElse(null),
            tee.errorUri().orElse(null), tee.retryAfter().orElse(null), tee);
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new TokenEndpointException("the request failed: " + cause, 0, cause);
    }
  }

  // ---- configuration checks ----------------------------------------------------------------

  private static URI checkUri(String what, String setting, URI uri, boolean allowInsecureHttp) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.getHost() == null
        || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new IllegalArgumentException(what + " must be an absolute https URL such as"
          + " https://login.example.com/oauth/token; got " + Failures.describeUnchecked(uri));
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(what + " must not contain user info (user:password@);"
          + " configure credentials with ClientAuthentication instead");
    }
    if (scheme.equals("http") && !allowInsecureHttp && !isLoopback(uri.getHost())) {
      throw new IllegalArgumentException(what + " " + Failures.describe(uri) + " uses http:"
          + " tokens and client secrets would travel in clear text. Use https, or, only on a"
          + " network you trust, TokenEndpoint.Builder.allowInsecureHttp(true). (" + Loopback.RULE
          + ")");
    }
    return uri;
  }

  static boolean isLoopback(String host) {
    return Loopback.isLoopback(host);
  }

  private static Duration positive(String name, Duration value) {
    Objects.requireNonNull(value, name + " is required");
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive; got " + value);
    }
    return value;
  }

  /**
   * Builds a {@link TokenEndpoint}; not thread-safe. Defaults: connect timeout 10 s, request
   * timeout 30 s, response cap 256 KiB, default lifetime 1 hour, {@link Dialect#standard()},
   * system UTC clock, https only (except loopback).
   */
  public static final class Builder {
    private final URI tokenUri;
    private final ClientAuthentication clientAuthentication;
    private URI revocationUri;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int maxResponseBytes = 256 * 1024;
    private Duration defaultExpiresIn = Duration.ofHours(1);
    private boolean allowInsecureHttp;
    private Dialect dialect = Dialect.standard();
    private TokenBudget budget;
    private boolean budgetSet;
    private Clock clock = Clock.systemUTC();
    private HttpClient httpClient;

    private Builder(URI tokenUri, ClientAuthentication clientAuthentication) {
      this.tokenUri = tokenUri;
      this.clientAuthentication = clientAuthentication;
    }

    /** The RFC 7009 revocation endpoint; without it {@link TokenEndpoint#revoke} is refused. */
    public Builder revocationUri(URI revocationUri) {
      this.revocationUri = revocationUri;
      return this;
    }

    /**
     * How long to wait for the TCP/TLS connection. Applies to the {@code HttpClient} built here;
     * a client passed to {@link #httpClient} keeps its own connect timeout.
     */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    /** How long to wait for the answer to one request, once sent. Default 30 s. */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    /** The largest response body read; a larger one fails the request. Default 256 KiB. */
    public Builder maxResponseBytes(int maxResponseBytes) {
      this.maxResponseBytes = maxResponseBytes;
      return this;
    }

    /** The lifetime assumed when a response has no {@code expires_in} and no JWT {@code exp}. */
    public Builder defaultExpiresIn(Duration defaultExpiresIn) {
      this.defaultExpiresIn = defaultExpiresIn;
      return this;
    }

    /**
     * Allows plain {@code http} token and revocation URIs on non-loopback hosts. Off by
     * default: over http the client secret, the user's password and every token travel in
     * clear text. Loopback is always allowed, for tests and local sidecars: {@code localhost}
     * (when it resolves only to loopback addresses), {@code 127.0.0.0/8} and {@code [::1]};
     * names under {@code .localhost} are not, since the HTTP client resolves them again when it
     * connects, where no check can follow.
     */
    public Builder allowInsecureHttp(boolean allowInsecureHttp) {
      this.allowInsecureHttp = allowInsecureHttp;
      return this;
    }

    /** The provider's rules applied to every token request; default {@link Dialect#standard()}. */
    public Builder dialect(Dialect dialect) {
      this.dialect = dialect;
      return this;
    }

    /**
     * The budget for what {@link TokenManager}s send to this provider (token requests,
     * refreshes, retries and revocations): see {@link TokenBudget}. {@code null} means no budget,
     * even if the {@linkplain #dialect dialect} brings one. Default: the dialect's
     * ({@link Dialect#ringCentral()} brings {@link TokenBudget#RINGCENTRAL_AUTH}), else none.
     * Requests sent by calling {@link TokenEndpoint#request} yourself are not budgeted.
     */
    public Builder budget(TokenBudget budget) {
      this.budget = budget;
      this.budgetSet = true;
      return this;
    }

    /** The clock that stamps each response's arrival and each client assertion. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * The HTTP client to use, e.g. with a custom {@code SSLContext} or executor. It must not
     * follow redirects ({@link #build()} refuses one that does), and its own connect timeout
     * applies instead of {@link #connectTimeout}. It stays yours: {@link TokenEndpoint#close()}
     * does not shut it down. Default: a client built for this endpoint, on
     * {@code tokenkeeper-http-<n>} threads, which {@code close()} releases.
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /**
     * @throws IllegalArgumentException a setting is invalid; the message names it
     * @throws NullPointerException a required setting is missing
     */
    public TokenEndpoint build() {
      return new TokenEndpoint(this);
    }
  }
}

package dev.tokenkeeper;

import dev.tokenkeeper.internal.Daemons;
import dev.tokenkeeper.internal.Failures;
import dev.tokenkeeper.internal.Origin;
import dev.tokenkeeper.internal.PendingBody;
import dev.tokenkeeper.internal.Redactor;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.function.BiPredicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A {@link HttpClient} that sends the access token of one key of a {@link TokenManager} as
 * {@code Authorization: Bearer} (RFC 6750, section 2.1), usable wherever an {@code HttpClient} is
 * expected.
 *
 * <p>Thread-safe and immutable: share one instance per key, or derive one per key with the cheap
 * {@link #withKey}, which shares the delegate client and the configuration.
 *
 * <ul>
 *   <li><b>Allowed origins only.</b> The token is attached only to requests whose origin
 *       (scheme, host and port) is one of the {@linkplain Builder#allowedOrigins allowed
 *       origins}; other requests pass through unchanged. For an allowed origin, an
 *       {@code Authorization} header the caller set is replaced.
 *   <li><b>One retry after a rejection.</b> When a response is 401, or carries
 *       {@code WWW-Authenticate: Bearer error="invalid_token"} whatever its status, the client
 *       reports the token through {@link TokenManager#rejected} (which refreshes only if that token
 *       is still current, once for any number of concurrent rejections) and sends the request once
 *       more with the new token. A second rejection is returned to the caller: there is no loop;
 *       so is a rejection the manager answers with the same token (within its rejection interval,
 *       or when a refresh brought the same token back), with its whole body (while the manager
 *       decides, at most 64 KiB of it is read ahead; the rest waits on the connection). A 401
 *       whose Bearer challenge names another error ({@code invalid_request},
 *       {@code insufficient_scope}) is returned as is, since a new token would not help. The
 *       request body is sent again when its length is known and at most
 *       {@link Builder#maxReplayBytes} (all of {@link HttpRequest.BodyPublishers}' with a known
 *       length can be subscribed to twice). A body of unknown length, such as
 *       {@code ofInputStream}'s, is a stream that may not be readable twice: the rejection is then
 *       returned to the caller, and the token is still reported, so that the next request carries
 *       a new one.
 *   <li><b>Redirects are followed here, not by the delegate</b>, which must be built with
 *       {@link HttpClient.Redirect#NEVER} (the JDK would copy the {@code Authorization} header to
 *       any origin). With {@link Builder#followRedirects} {@code NORMAL} or {@code ALWAYS},
 *       301/302/303/307/308 are followed (at most 5 in a row; 303, and 301/302 after a POST, become
 *       a GET) and the token is attached again only while the redirects stay on the origin of the
 *       original request. After the first cross-origin redirect no {@code Authorization} header is
 *       sent at all, neither ours nor the caller's, even to another allowed origin.
 * </ul>
 *
 * <p>When no token can be had, {@code send} throws, and {@code sendAsync}'s future fails with, the
 * manager's exception unchanged ({@link ReauthenticationRequiredException},
 * {@link TokenEndpointException}), so that callers can tell "sign in again" from an I/O error.
 *
 * <p>Without a {@linkplain Builder#delegate delegate} of yours, the client built as the delegate
 * runs on daemon {@code tokenkeeper-http-<n>} threads (system class loader as their context class
 * loader), which end after a minute without work and at once on {@link #close()}.
 */
public final class BearerHttpClient extends HttpClient implements AutoCloseable {
  private static final int MAX_REDIRECTS = 5;

  private final Shared shared;
  private final String key;

  private BearerHttpClient(Shared shared, String key) {
    this.shared = shared;
    this.key = requireKey(key);
  }

  /**
   * A builder for a client that sends the token of {@code key} from {@code manager}.
   *
   * @param key the endpoint id whose token to send
   */
  public static Builder builder(TokenManager manager, String key) {
    return new Builder(manager, key);
  }

  /** A client for another key, sharing this one's delegate and configuration. */
  public BearerHttpClient withKey(String key) {
    return new BearerHttpClient(shared, key);
  }

  /** The key whose token this client sends. */
  public String key() {
    return key;
  }

  /** The manager the tokens come from. */
  public TokenManager manager() {
    return shared.manager;
  }

  /**
   * Releases the delegate this client built (when no {@linkplain Builder#delegate delegate} was
   * given): its threads end and later requests fail. The delegate is shared with every
   * {@link #withKey} sibling, so close once, when the application stops. A delegate you gave is
   * yours and left alone, and the {@link TokenManager} is not closed. On Java 17 to 20 the JDK's
   * {@code HttpClient-<n>-SelectorManager} thread of the built delegate ends only once it is
   * garbage collected (Java 17's {@code HttpClient} cannot be closed). Idempotent.
   */
  @Override
  public void close() {
    if (shared.ownExecutor != null) {
      Daemons.shutdownNow(shared.delegate, shared.ownExecutor);
    }
  }

  // ---- sending ---------------------------------------------------------------------------

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> responseBodyHandler)
      throws IOException, InterruptedException {
    Call<T> call = new Call<>(request, responseBodyHandler);
    AccessToken renewed = null;
    for (;;) {
      AccessToken token = null;
      if (call.wantsToken()) {
        token = renewed != null ? renewed : shared.manager.token(key);
      }
      renewed = null;
      HttpResponse<T> response;
      try {
        response = shared.delegate.send(call.authorized(token), call.handler());
      } catch (IOException e) {
        throw redacted(e, token);
      }
      switch (call.next(response.statusCode(), response.headers())) {
        case RETRY -> {
          call.retried = true;
          renewed = await(call.rejection());
          if (sameToken(renewed, call.token)) {
            return response; // a 401 storm: the manager passed the 401 on without a refresh
          }
        }
        case REDIRECT -> call.follow(response.statusCode(), response.headers());
        case REPORT -> {
          report(call.token);
          return response;
        }
        default -> {
          return response;
        }
      }
    }
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      BodyHandler<T> responseBodyHandler) {
    return sendAsync(request, responseBodyHandler, null);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      BodyHandler<T> responseBodyHandler, PushPromiseHandler<T> pushPromiseHandler) {
    Call<T> call;
    try {
      call = new Call<>(request, responseBodyHandler);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return attempt(call, null, pushPromiseHandler);
  }

  private <T> CompletableFuture<HttpResponse<T>> attempt(Call<T> call, AccessToken renewed,
      PushPromiseHandler<T> pushPromiseHandler) {
    CompletableFuture<AccessToken> token;
    if (!call.wantsToken()) {
      token = CompletableFuture.completedFuture(null);
    } else if (renewed != null) {
      token = CompletableFuture.completedFuture(renewed);
    } else {
      token = shared.manager.tokenAsync(key);
    }
    return token
        .thenCompose(t ->
            shared.delegate.sendAsync(call.authorized(t), call.handler(), pushPromiseHandler)
                .handle((response, failure) -> failure == null
                    ? CompletableFuture.completedFuture(response)
                    : CompletableFuture.<HttpResponse<T>>failedFuture(redactedFailure(failure, t)))
                .thenCompose(f -> f))
        .thenCompose(response -> {
          switch (call.next(response.statusCode(), response.headers())) {
            case RETRY:
              call.retried = true;
              return call.rejection()
                  .thenCompose(t -> sameToken(t, call.token)
                      ? CompletableFuture.completedFuture(response)
                      : attempt(call, t, pushPromiseHandler));
            case REDIRECT:
              call.follow(response.statusCode(), response.headers());
              return attempt(call, null, pushPromiseHandler);
            case REPORT:
              report(call.token);
              return CompletableFuture.completedFuture(response);
            default:
              return CompletableFuture.completedFuture(response);
          }
        });
  }

  /**
   * {@code failure}, or a copy without the token when its message (or a cause's) shows it: a
   * server may echo the {@code Authorization} header in a malformed status or header line, and
   * the JDK quotes that line in the exception. The copy is an {@link IOException} whose
   * {@code toString()} names the original type.
   */
  private static Throwable redactedFailure(Throwable failure, AccessToken token) {
    if (token == null) {
      return failure;
    }
    Throwable unwrapped = Failures.unwrap(failure);
    Throwable clean = Failures.redacted(unwrapped, new Redactor(List.of(token.value(),
        token.authorizationHeader())));
    return clean == unwrapped ? failure : clean;
  }

  private static IOException redacted(IOException failure, AccessToken token) {
    Throwable clean = redactedFailure(failure, token);
    return clean instanceof IOException io ? io : failure;
  }

  private static boolean sameToken(AccessToken renewed, AccessToken rejected) {
    return renewed != null && rejected != null && renewed.value().equals(rejected.value());
  }

  private static AccessToken await(CompletableFuture<AccessToken> future)
      throws IOException, InterruptedException {
    try {
      return future.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException("token refresh failed", cause);
    }
  }

  /** A rejected token whose request is not sent again: the next request gets a new token. */
  private void report(AccessToken token) {
    shared.manager.rejected(key, token);
  }

  /** RETURN and REPORT give the response to the caller; REPORT also reports the token. */
  private enum Next { RETURN, RETRY, REPORT, REDIRECT }

  /** The state of one logical exchange: the retry after a 401 and the redirect chain. */
  private final class Call<T> {
    private final BodyHandler<T> userHandler;
    private final Origin firstOrigin;
    private HttpRequest request;
    private boolean crossedOrigin;
    private AccessToken token;
    private boolean retried;
    private int redirects;
    /** The manager's answer to the 401 being read, asked as its headers arrive. */
    private CompletableFuture<AccessToken> rejection;

    Call(HttpRequest request, BodyHandler<T> userHandler) {
      this.request = Objects.requireNonNull(request, "request");
      this.userHandler = Objects.requireNonNull(userHandler, "responseBodyHandler");
      this.firstOrigin = Origin.of(request.uri());
    }

    boolean wantsToken() {
      return !crossedOrigin && firstOrigin != null
          && shared.policy.allows(request.uri());
    }

    HttpRequest authorized(AccessToken t) {
      token = t;
      if (t == null) {
        return request;
      }
      return HttpRequest.newBuilder(request, (name, value) -> !isAuthorization(name))
          .header("Authorization", t.authorizationHeader())
          .build();
    }

    /**
     * Reads the body only of the response the caller gets; discards the others. Whether a 401
     * is retried is the manager's call, asked as its headers arrive: when it keeps the rejected
     * token (a 401 storm within its rejection interval, or a refresh that brought the same token
     * back) the caller gets this 401, with its body, at once or replayed from a
     * {@link PendingBody} once the answer comes.
     */
    BodyHandler<T> handler() {
      return info -> {
        Next next = next(info.statusCode(), info.headers());
        if (next == Next.RETURN || next == Next.REPORT) {
          return userHandler.apply(info);
        }
        if (next != Next.RETRY) {
          return BodySubscribers.replacing(null);
        }
        AccessToken rejected = token;
        CompletableFuture<AccessToken> answer = rejection();
        if (!answer.isDone()) {
          return new PendingBody<>(answer.handle((t, e) -> e == null && sameToken(t, rejected)),
              info, userHandler);
        }
        return !answer.isCompletedExceptionally() && sameToken(answer.join(), rejected)
            ? userHandler.apply(info)
            : BodySubscribers.replacing(null);
      };
    }

    /** Reports the token just rejected to the manager, once per response. */
    CompletableFuture<AccessToken> rejection() {
      if (rejection == null) {
        try {
          rejection = shared.manager.rejected(key, token);
        } catch (RuntimeException e) {
          rejection = CompletableFuture.failedFuture(e);
        }
      }
      return rejection;
    }

    /** A pure function of the response and this call's state, so the handler and the caller agree. */
    Next next(int status, HttpHeaders headers) {
      if (token != null && !retried
          && BearerPolicy.rejectsToken(status, headers.allValues("WWW-Authenticate"))) {
        return replayable() ? Next.RETRY : Next.REPORT;
      }
      if (redirectTarget(status, headers) != null) {
        return Next.REDIRECT;
      }
      return Next.RETURN;
    }

    private boolean replayable() {
      long length = request.bodyPublisher()
          .map(HttpRequest.BodyPublisher::contentLength).orElse(0L);
      return shared.policy.replayable(length);
    }

    private URI redirectTarget(int status, HttpHeaders headers) {
      if (shared.redirect == Redirect.NEVER || redirects >= MAX_REDIRECTS
          || !(status == 301 || status == 302 || status == 303 || status == 307 || status == 308)) {
        return null;
      }
      Optional<String> location = headers.firstValue("Location");
      if (location.isEmpty()) {
        return null;
      }
      URI target;
      try {
        target = request.uri().resolve(location.get().trim());
      } catch (IllegalArgumentException e) {
        return null;
      }
      Origin to = Origin.of(target);
      if (to == null) {
        return null;
      }
      if (shared.redirect == Redirect.NORMAL && "https".equals(currentScheme())
          && "http".equals(to.scheme())) {
        return null; // no downgrade, as the JDK's NORMAL
      }
      return target;
    }

    private String currentScheme() {
      Origin current = Origin.of(request.uri());
      return current == null ? null : current.scheme();
    }

    void follow(int status, HttpHeaders headers) {
      URI target = redirectTarget(status, headers);
      redirects++;
      if (!Objects.equals(Origin.of(target), firstOrigin)) {
        crossedOrigin = true;
      }
      String method = request.method();
      boolean toGet = (status == 303 && !method.equals("HEAD"))
          || ((status == 301 || status == 302) && method.equals("POST"));
      BiPredicate<String, String> keep = (name, value) -> {
        if (crossedOrigin && isCredential(name)) {
          return false;
        }
        return !(toGet && name.equalsIgnoreCase("Content-Type"));
      };
      HttpRequest.Builder next = HttpRequest.newBuilder(request, keep).uri(target);
      if (toGet) {
        next.GET();
      }
      request = next.build();
      token = null;
    }
  }

  private static boolean isAuthorization(String headerName) {
    return headerName.equalsIgnoreCase("Authorization");
  }

  /**
   * Headers that carry credentials and must not follow a cross-origin redirect (as browsers and
   * curl drop them; RFC 9110, section 15.4): the caller's own as well as ours.
   */
  private static boolean isCredential(String headerName) {
    return isAuthorization(headerName)
        || headerName.equalsIgnoreCase("Cookie")
        || headerName.equalsIgnoreCase("Proxy-Authorization");
  }

  // ---- the rest of HttpClient, from the delegate --------------------------------------------

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return shared.delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return shared.delegate.connectTimeout();
  }

  /** The redirect policy this client applies itself; the delegate's is always {@code NEVER}. */
  @Override
  public Redirect followRedirects() {
    return shared.redirect;
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return shared.delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return shared.delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return shared.delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return shared.delegate.authenticator();
  }

  @Override
  public Version version() {
    return shared.delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return shared.delegate.executor();
  }

  @Override
  public String toString() {
    return "BearerHttpClient[key=" + key + ", policy=" + shared.policy
        + ", followRedirects=" + shared.redirect + "]";
  }

  private static String requireKey(String key) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("key (the endpoint id whose token to send) is required");
    }
    return key;
  }

  /** What every {@link #withKey} sibling shares. */
  private static final class Shared {
    final TokenManager manager;
    final HttpClient delegate;
    final BearerPolicy policy;
    final Redirect redirect;
    /** The executor of the delegate built by the builder, {@code null} for a given one. */
    final ExecutorService ownExecutor;

    Shared(TokenManager manager, HttpClient delegate, BearerPolicy policy,
        Redirect redirect, ExecutorService ownExecutor) {
      this.manager = manager;
      this.delegate = delegate;
      this.policy = policy;
      this.redirect = redirect;
      this.ownExecutor = ownExecutor;
    }
  }

  /** Builds a {@link BearerHttpClient}; not thread-safe. */
  public static final class Builder {
    private final TokenManager manager;
    private final String key;
    private HttpClient delegate;
    private final Set<URI> allowedOrigins = new LinkedHashSet<>();
    private long maxReplayBytes = BearerPolicy.DEFAULT_MAX_REPLAY_BYTES;
    private Redirect redirect = Redirect.NEVER;

    private Builder(TokenManager manager, String key) {
      this.manager = Objects.requireNonNull(manager, "manager is required");
      this.key = requireKey(key);
    }

    /**
     * The client that does the HTTP work; it must not follow redirects
     * ({@link HttpClient.Redirect#NEVER}). Default: a new {@code HttpClient} with default
     * settings on {@code tokenkeeper-http-<n>} threads, released by
     * {@link BearerHttpClient#close()}; pass your own to share its connection pool, TLS and proxy
     * settings (it stays yours: {@code close()} leaves it alone).
     */
    public Builder delegate(HttpClient delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
      return this;
    }

    /**
     * The origins that may receive the token: each URI's scheme, host and port count (the
     * scheme's default port when absent); its path is ignored. At least one is required.
     *
     * @throws IllegalArgumentException a URI is not an absolute http or https URI with a host
     */
    public Builder allowedOrigins(URI... origins) {
      return allowedOrigins(Arrays.asList(origins));
    }

    /** As {@link #allowedOrigins(URI...)}. */
    public Builder allowedOrigins(Collection<URI> origins) {
      List<URI> list = List.copyOf(origins);
      if (!list.isEmpty()) {
        BearerPolicy.allowedOrigins(list); // validates each
      }
      allowedOrigins.addAll(list);
      return this;
    }

    /**
     * The largest request body sent again after a rejection (default
     * {@link BearerPolicy#DEFAULT_MAX_REPLAY_BYTES}); see {@link BearerPolicy#withMaxReplayBytes}.
     */
    public Builder maxReplayBytes(long maxReplayBytes) {
      if (maxReplayBytes < 0) {
        throw new IllegalArgumentException(
            "maxReplayBytes must be 0 or more, not " + maxReplayBytes);
      }
      this.maxReplayBytes = maxReplayBytes;
      return this;
    }

    /**
     * Which redirects to follow: {@code NEVER} (default, as the JDK's client: 3xx is returned),
     * {@code NORMAL} (all but https to http) or {@code ALWAYS}. The token crosses no origin.
     */
    public Builder followRedirects(Redirect policy) {
      this.redirect = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * @throws IllegalStateException no allowed origin is configured
     * @throws IllegalArgumentException the delegate follows redirects itself
     */
    public BearerHttpClient build() {
      if (allowedOrigins.isEmpty()) {
        throw new IllegalStateException("allowedOrigins is empty: name the origins"
            + " (scheme://host:port) that may receive the token, e.g."
            + " allowedOrigins(URI.create(\"https://api.example.com\"))");
      }
      if (delegate != null && delegate.followRedirects() != Redirect.NEVER) {
        throw new IllegalArgumentException("the delegate HttpClient follows redirects ("
            + delegate.followRedirects() + ") and would send the token to any origin; build it"
            + " with followRedirects(HttpClient.Redirect.NEVER) and set"
            + " BearerHttpClient.Builder.followRedirects(" + delegate.followRedirects()
            + ") instead");
      }
      ExecutorService ownExecutor = delegate != null ? null : Daemons.httpExecutor();
      HttpClient client = delegate != null ? delegate
          : Daemons.build(HttpClient.newBuilder().followRedirects(Redirect.NEVER)
              .executor(ownExecutor));
      BearerPolicy policy =
          BearerPolicy.allowedOrigins(allowedOrigins).withMaxReplayBytes(maxReplayBytes);
      return new BearerHttpClient(new Shared(manager, client, policy, redirect, ownExecutor), key);
    }
  }
}

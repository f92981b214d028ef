package dev.tokenkeeper.spring;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.spring.internal.RecordedBody;
import java.net.URI;
import java.util.Objects;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * Sends the access token of one key of a {@link TokenManager} with Spring's {@code WebClient} as
 * {@code Authorization: Bearer} (RFC 6750, section 2.1), with the same contract as core's
 * {@code BearerHttpClient}, without blocking:
 *
 * <pre>{@code
 * WebClient client = WebClient.builder()
 *     .filter(BearerExchangeFilterFunction.of(manager, "alice", BearerPolicy.allowedOrigins(api)))
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>One key per filter, or per request.</b> A request with a {@link #KEY_ATTRIBUTE}
 *       carries the token of that key instead.
 *   <li><b>Allowed origins only.</b> The token goes only to requests whose origin the
 *       {@link BearerPolicy} allows, replacing an {@code Authorization} header of the caller's.
 *   <li><b>One retry after a rejection.</b> When the response {@linkplain
 *       BearerPolicy#rejectsToken rejects the token}, its body is released, the token reported
 *       through {@link TokenManager#rejected} (one refresh however many requests report the same
 *       token), and the request sent once more. The filter keeps a copy of the body as it is
 *       written, up to {@link BearerPolicy#maxReplayBytes()}, and sends that copy again, so any
 *       body within the limit (a value or a {@code Flux}) is retried; a larger one is not (the
 *       rejection is returned, and the token still reported).
 *   <li><b>Redirects are followed here</b> (at most 5 in a row; 303, and 301/302 after a POST,
 *       become a GET): Reactor Netty's connector does not follow them by default, and must not be
 *       configured to ({@code followRedirect}), since a filter does not see the hops the
 *       connector follows. From the first hop to another origin on, no {@code Authorization},
 *       {@code Proxy-Authorization} or {@code Cookie} header and no request cookie is sent.
 *       {@link #withoutFollowingRedirects()} returns 3xx responses instead.
 * </ul>
 *
 * <p>A token failure fails the response {@code Mono} with the manager's exception
 * ({@code ReauthenticationRequiredException}, {@code TokenEndpointException}).
 *
 * <p>Immutable and thread-safe: one instance serves any number of clients and requests.
 */
public final class BearerExchangeFilterFunction implements ExchangeFilterFunction {
  /**
   * The request attribute that names the key whose token to send with one request, in place of
   * the filter's: {@code webClient.get().uri(...).attribute(KEY_ATTRIBUTE, "alice@example.com")}.
   */
  public static final String KEY_ATTRIBUTE = "dev.tokenkeeper.key";

  private final TokenManager manager;
  private final String key;
  private final BearerPolicy policy;
  private final boolean followRedirects;

  private BearerExchangeFilterFunction(TokenManager manager, String key, BearerPolicy policy,
      boolean followRedirects) {
    this.manager = Objects.requireNonNull(manager, "manager is required");
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key (the key whose token to send) is required");
    }
    this.key = key;
    this.policy = Objects.requireNonNull(policy, "policy is required: BearerPolicy.allowedOrigins("
        + "URI.create(\"https://api.example.com\"))");
    this.followRedirects = followRedirects;
  }

  /** A filter that sends the token of {@code key} to the origins {@code policy} allows. */
  public static BearerExchangeFilterFunction of(TokenManager manager, String key,
      BearerPolicy policy) {
    return new BearerExchangeFilterFunction(manager, key, policy, true);
  }

  /** This filter, returning redirects to the caller instead of following them. */
  public BearerExchangeFilterFunction withoutFollowingRedirects() {
    return new BearerExchangeFilterFunction(manager, key, policy, false);
  }

  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    return hop(request, next, request.url(), false, 0);
  }

  private Mono<ClientResponse> hop(ClientRequest request, ExchangeFunction next, URI first,
      boolean crossed, int redirects) {
    Mono<ClientResponse> response;
    if (crossed) {
      response = next.exchange(ClientRequest.from(request)
          .headers(h -> h.keySet().removeIf(BearerPolicy::isCredentialHeader))
          .cookies(c -> c.clear())
          .build());
    } else if (!policy.allows(request.url())) {
      response = next.exchange(request);
    } else {
      response = withToken(request, next);
    }
    if (!followRedirects) {
      return response;
    }
    return response.flatMap(r -> {
      BearerPolicy.Redirect n = redirects >= BearerPolicy.MAX_REDIRECTS ? null
          : BearerPolicy.redirect(request.method().name(), request.url(), r.statusCode().value(),
              r.headers().asHttpHeaders().getLocation());
      if (n == null) {
        return Mono.just(r);
      }
      ClientRequest.Builder b = ClientRequest.from(request)
          .url(n.uri())
          .method(HttpMethod.valueOf(n.method()));
      if (n.dropsBody()) {
        b.body(BodyInserters.empty()).headers(h -> {
          h.remove(HttpHeaders.CONTENT_TYPE);
          h.remove(HttpHeaders.CONTENT_LENGTH);
        });
      }
      boolean nowCrossed = crossed || !BearerPolicy.sameOrigin(first, n.uri());
      return r.releaseBody().then(Mono.defer(() ->
          hop(b.build(), next, first, nowCrossed, redirects + 1)));
    });
  }

  /**
   * A cancelled exchange leaves the manager's futures alone ({@code suppressCancel}): the token
   * request behind them may serve other callers too.
   */
  private Mono<ClientResponse> withToken(ClientRequest request, ExchangeFunction next) {
    String key = request.attribute(KEY_ATTRIBUTE)
        .filter(named -> named instanceof String s && !s.isEmpty())
        .map(String.class::cast)
        .orElse(this.key);
    RecordedBody body = new RecordedBody(policy.maxReplayBytes());
    ClientRequest recorded = ClientRequest.from(request).body(body.recording(request.body()))
        .build();
    return Mono.fromFuture(() -> manager.tokenAsync(key), true).flatMap(token ->
        next.exchange(authorized(recorded, token)).flatMap(response -> {
          if (!BearerPolicy.rejectsToken(response.statusCode().value(),
              response.headers().header(HttpHeaders.WWW_AUTHENTICATE))) {
            return Mono.just(response);
          }
          if (!body.replayable()) {
            manager.rejected(key, token); // not sent again: the next request gets a new token
            return Mono.just(response);
          }
          return Mono.fromFuture(() -> manager.rejected(key, token), true)
              .onErrorResume(e -> response.releaseBody().then(Mono.error(e)))
              .flatMap(renewed -> renewed.value().equals(token.value())
                  // the manager kept the token (no refresh now): sending it again won't help
                  ? Mono.just(response)
                  : response.releaseBody().then(next.exchange(authorized(
                      ClientRequest.from(request).body(body.replay()).build(), renewed))));
        }));
  }

  private static ClientRequest authorized(ClientRequest request, AccessToken token) {
    return ClientRequest.from(request)
        .headers(h -> h.set(HttpHeaders.AUTHORIZATION, token.authorizationHeader()))
        .build();
  }

  @Override
  public String toString() {
    return "BearerExchangeFilterFunction[key=" + key + ", " + policy
        + ", followRedirects=" + followRedirects + "]";
  }
}

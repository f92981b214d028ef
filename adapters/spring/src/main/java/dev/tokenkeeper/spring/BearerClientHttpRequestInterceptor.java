package dev.tokenkeeper.spring;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.TokenManager;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Sends the access token of one key of a {@link TokenManager} with Spring's {@code RestClient}
 * and {@code RestTemplate} as {@code Authorization: Bearer} (RFC 6750, section 2.1), with the
 * same contract as core's {@code BearerHttpClient}:
 *
 * <pre>{@code
 * RestClient client = RestClient.builder()
 *     .requestFactory(new JdkClientHttpRequestFactory())
 *     .requestInterceptor(BearerClientHttpRequestInterceptor
 *         .of(manager, "alice", BearerPolicy.allowedOrigins(api)))
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>One key per interceptor, or per request.</b> A request with a {@link #KEY_ATTRIBUTE}
 *       carries the token of that key instead.
 *   <li><b>Allowed origins only.</b> The token goes only to requests whose origin the
 *       {@link BearerPolicy} allows, replacing an {@code Authorization} header of the caller's.
 *   <li><b>One retry after a rejection.</b> When the response {@linkplain
 *       BearerPolicy#rejectsToken rejects the token}, the interceptor reports it through
 *       {@link TokenManager#rejected} (one refresh however many requests report the same token)
 *       and executes the request once more. Spring hands interceptors the body as bytes it has
 *       already buffered, so a body up to {@link BearerPolicy#maxReplayBytes()} is sent again, a
 *       larger one is not (the rejection is returned, and the token still reported).
 *   <li><b>Redirects are followed here</b> (at most 5 in a row; 303, and 301/302 after a POST,
 *       become a GET), since an interceptor does not see the redirects a request factory follows.
 *       Use a request factory that does not follow them itself: {@code JdkClientHttpRequestFactory}
 *       with its default {@code HttpClient}, {@code ReactorClientHttpRequestFactory}, or
 *       {@code HttpComponentsClientHttpRequestFactory} on a client with redirects disabled
 *       (Spring's {@code SimpleClientHttpRequestFactory} follows GET redirects itself). From the
 *       first hop to another origin on, no {@code Authorization}, {@code Proxy-Authorization} or
 *       {@code Cookie} header is sent. {@link #withoutFollowingRedirects()} returns 3xx responses
 *       instead.
 * </ul>
 *
 * <p>Add it as the last interceptor: a retry re-runs only the interceptors after it. Token
 * failures ({@code ReauthenticationRequiredException}, {@code TokenEndpointException}) reach the
 * caller unchanged.
 *
 * <p>Immutable and thread-safe: one instance serves any number of clients and requests.
 */
public final class BearerClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {
  /**
   * The request attribute that names the key whose token to send with one request, in place of
   * the interceptor's: {@code restClient.get().uri(...).attribute(KEY_ATTRIBUTE,
   * "alice@example.com")}.
   */
  public static final String KEY_ATTRIBUTE = "dev.tokenkeeper.key";

  private final TokenManager manager;
  private final String key;
  private final BearerPolicy policy;
  private final boolean followRedirects;

  private BearerClientHttpRequestInterceptor(TokenManager manager, String key,
      BearerPolicy policy, boolean followRedirects) {
    this.manager = Objects.requireNonNull(manager, "manager is required");
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key (the key whose token to send) is required");
    }
    this.key = key;
    this.policy = Objects.requireNonNull(policy, "policy is required: BearerPolicy.allowedOrigins("
        + "URI.create(\"https://api.example.com\"))");
    this.followRedirects = followRedirects;
  }

  /** An interceptor that sends the token of {@code key} to the origins {@code policy} allows. */
  public static BearerClientHttpRequestInterceptor of(TokenManager manager, String key,
      BearerPolicy policy) {
    return new BearerClientHttpRequestInterceptor(manager, key, policy, true);
  }

  /** This interceptor, returning redirects to the caller instead of following them. */
  public BearerClientHttpRequestInterceptor withoutFollowingRedirects() {
    return new BearerClientHttpRequestInterceptor(manager, key, policy, false);
  }

  @Override
  public ClientHttpResponse intercept(HttpRequest request, byte[] body,
      ClientHttpRequestExecution execution) throws IOException {
    URI first = request.getURI();
    Hop hop = new Hop(request.getMethod(), first, request.getHeaders(), request.getAttributes());
    byte[] hopBody = body;
    boolean crossed = false;
    for (int redirects = 0; ; redirects++) {
      ClientHttpResponse response = exchange(hop, hopBody, execution, crossed);
      BearerPolicy.Redirect next = !followRedirects || redirects >= BearerPolicy.MAX_REDIRECTS ? null
          : BearerPolicy.redirect(hop.getMethod().name(), hop.getURI(),
              response.getStatusCode().value(), response.getHeaders().getLocation());
      if (next == null) {
        return response;
      }
      response.close();
      crossed |= !BearerPolicy.sameOrigin(first, next.uri());
      HttpHeaders headers = new HttpHeaders();
      headers.putAll(hop.getHeaders());
      if (next.dropsBody()) {
        headers.remove(HttpHeaders.CONTENT_TYPE);
        headers.remove(HttpHeaders.CONTENT_LENGTH);
        hopBody = new byte[0];
      }
      hop = new Hop(HttpMethod.valueOf(next.method()), next.uri(), headers, hop.getAttributes());
    }
  }

  private ClientHttpResponse exchange(Hop hop, byte[] body, ClientHttpRequestExecution execution,
      boolean crossed) throws IOException {
    if (crossed) {
      hop.getHeaders().keySet().removeIf(BearerPolicy::isCredentialHeader);
      return execution.execute(hop, body);
    }
    if (!policy.allows(hop.getURI())) {
      return execution.execute(hop, body);
    }
    Object named = hop.getAttributes().get(KEY_ATTRIBUTE);
    String key = named instanceof String s && !s.isEmpty() ? s : this.key;
    AccessToken token = manager.token(key);
    hop.getHeaders().set(HttpHeaders.AUTHORIZATION, token.authorizationHeader());
    ClientHttpResponse response = execution.execute(hop, body);
    if (!BearerPolicy.rejectsToken(response.getStatusCode().value(),
        response.getHeaders().getOrEmpty(HttpHeaders.WWW_AUTHENTICATE))) {
      return response;
    }
    if (!policy.replayable(body.length)) {
      manager.rejected(key, token); // not sent again: the next request gets a new token
      return response;
    }
    AccessToken renewed;
    try {
      renewed = BearerPolicy.awaitRenewal(manager.rejected(key, token));
    } catch (IOException | RuntimeException | Error e) {
      response.close();
      throw e;
    }
    if (renewed.value().equals(token.value())) {
      return response; // the manager kept the token (no refresh now): sending it again won't help
    }
    response.close();
    hop.getHeaders().set(HttpHeaders.AUTHORIZATION, renewed.authorizationHeader());
    return execution.execute(hop, body);
  }

  /** One hop: the caller's request, or where a redirect led; headers of its own. */
  private static final class Hop implements HttpRequest {
    private final HttpMethod method;
    private final URI uri;
    private final HttpHeaders headers;
    private final Map<String, Object> attributes;

    Hop(HttpMethod method, URI uri, HttpHeaders headers, Map<String, Object> attributes) {
      this.method = method;
      this.uri = uri;
      this.headers = new HttpHeaders();
      this.headers.putAll(headers);
      this.attributes = attributes;
    }

    @Override
    public HttpMethod getMethod() {
      return method;
    }

    @Override
    public URI getURI() {
      return uri;
    }

    @Override
    public HttpHeaders getHeaders() {
      return headers;
    }

    @Override
    public Map<String, Object> getAttributes() {
      return attributes;
    }
  }

  @Override
  public String toString() {
    return "BearerClientHttpRequestInterceptor[key=" + key + ", " + policy
        + ", followRedirects=" + followRedirects + "]";
  }
}

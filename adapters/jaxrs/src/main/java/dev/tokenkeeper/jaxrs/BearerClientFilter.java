package dev.tokenkeeper.jaxrs;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.jaxrs.internal.Exchange;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Sends the access token of one key of a {@link TokenManager} with a Jakarta REST (JAX-RS 3.1)
 * client as {@code Authorization: Bearer} (RFC 6750, section 2.1), with the same contract as
 * core's {@code BearerHttpClient}. Register it on the client:
 *
 * <pre>{@code
 * Client client = ClientBuilder.newClient()
 *     .register(BearerClientFilter.of(manager, "alice", BearerPolicy.allowedOrigins(api)),
 *         Priorities.AUTHENTICATION);
 * }</pre>
 *
 * <ul>
 *   <li><b>One key per filter, or per request.</b> A request with a {@link #KEY_PROPERTY}
 *       carries the token of that key instead.
 *   <li><b>Allowed origins only.</b> The request filter sets the token only on requests whose
 *       origin the {@link BearerPolicy} allows, replacing an {@code Authorization} header of the
 *       caller's.
 *   <li><b>One retry after a rejection.</b> When the response {@linkplain
 *       BearerPolicy#rejectsToken rejects the token}, the response filter reports it through
 *       {@link TokenManager#rejected} (one refresh however many requests report the same token),
 *       sends the request once more through the same client, and hands the caller that response
 *       in place of the rejection (as Jersey's own HTTP authentication filter does). The entity is
 *       sent again unless it is a stream ({@code InputStream}, {@code Reader},
 *       {@code StreamingOutput}) or a {@code byte[]}, {@code String} or {@code File} longer than
 *       {@link BearerPolicy#maxReplayBytes()}; another object is written again by its message body
 *       writer. Otherwise the rejection is returned (and the token still reported).
 *   <li><b>Redirects are followed here</b> (at most 5 in a row; 303, and 301/302 after a POST,
 *       become a GET), so that each hop passes this filter: it turns the implementation's own
 *       redirect following off per request (Jersey's {@code jersey.config.client.followRedirects};
 *       with another implementation, turn it off in its configuration). From the first hop to
 *       another origin on, no {@code Authorization}, {@code Proxy-Authorization} or
 *       {@code Cookie} header is sent. {@link #withoutFollowingRedirects()} returns 3xx responses
 *       instead.
 * </ul>
 *
 * <p>The filters run on the thread that sends the request and wait for the token there, for
 * synchronous and {@code async()} invocations alike. Token failures surface as the
 * implementation reports a filter's exception (Jersey: a {@code ProcessingException} whose cause
 * is the manager's {@code ReauthenticationRequiredException} or {@code TokenEndpointException}).
 *
 * <p>Immutable and thread-safe: one instance serves any number of clients and requests.
 */
public final class BearerClientFilter implements ClientRequestFilter, ClientResponseFilter {
  /**
   * The request property that names the key whose token to send with one request, in place of
   * the filter's: {@code target.request().property(KEY_PROPERTY, "alice@example.com")}.
   */
  public static final String KEY_PROPERTY = "dev.tokenkeeper.key";

  /** Jersey's per-request switch for its own redirect following. */
  private static final String JERSEY_FOLLOW_REDIRECTS = "jersey.config.client.followRedirects";
  private static final Set<String> NOT_COPIED = Set.of("authorization", "content-length", "host",
      "content-type");

  private final TokenManager manager;
  private final String key;
  private final BearerPolicy policy;
  private final boolean followRedirects;

  private BearerClientFilter(TokenManager manager, String key, BearerPolicy policy,
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

  /** Filters that send the token of {@code key} to the origins {@code policy} allows. */
  public static BearerClientFilter of(TokenManager manager, String key, BearerPolicy policy) {
    return new BearerClientFilter(manager, key, policy, true);
  }

  /** These filters, returning redirects to the caller instead of following them. */
  public BearerClientFilter withoutFollowingRedirects() {
    return new BearerClientFilter(manager, key, policy, false);
  }

  @Override
  public void filter(ClientRequestContext request) {
    Exchange exchange = (Exchange) request.getProperty(Exchange.PROPERTY);
    if (exchange == null) {
      Object named = request.getProperty(KEY_PROPERTY);
      exchange = Exchange.start(named instanceof String s && !s.isEmpty() ? s : key,
          request.getUri());
      request.setProperty(Exchange.PROPERTY, exchange);
    }
    request.setProperty(JERSEY_FOLLOW_REDIRECTS, Boolean.FALSE);
    request.removeProperty(Exchange.SENT);
    MultivaluedMap<String, Object> headers = request.getHeaders();
    if (exchange.crossed()) {
      headers.keySet().removeIf(BearerPolicy::isCredentialHeader);
      return;
    }
    if (!policy.allows(request.getUri())) {
      return;
    }
    AccessToken token = exchange.renewed() != null
        ? exchange.renewed()
        : manager.token(exchange.key());
    headers.keySet().removeIf(name -> name.equalsIgnoreCase(HttpHeaders.AUTHORIZATION));
    headers.putSingle(HttpHeaders.AUTHORIZATION, token.authorizationHeader());
    request.setProperty(Exchange.SENT, token);
  }

  @Override
  public void filter(ClientRequestContext request, ClientResponseContext response)
      throws IOException {
    Exchange exchange = (Exchange) request.getProperty(Exchange.PROPERTY);
    if (exchange == null) {
      return;
    }
    AccessToken sent = (AccessToken) request.getProperty(Exchange.SENT);
    if (sent != null && !exchange.retried() && BearerPolicy.rejectsToken(response.getStatus(),
        response.getHeaders().getOrDefault(HttpHeaders.WWW_AUTHENTICATE, List.of()))) {
      if (!replayable(request.getEntity())) {
        manager.rejected(exchange.key(), sent); // not sent again: the next request gets a new one
        return;
      }
      AccessToken renewed = BearerPolicy.awaitRenewal(manager.rejected(exchange.key(), sent));
      if (renewed.value().equals(sent.value())) {
        return; // the manager kept the token (no refresh now): sending it again won't help
      }
      replace(response, send(request, request.getUri(), request.getMethod(), true,
          exchange.retry(renewed)));
      return;
    }
    if (!followRedirects || exchange.redirects() >= BearerPolicy.MAX_REDIRECTS) {
      return;
    }
    BearerPolicy.Redirect next = BearerPolicy.redirect(request.getMethod(), request.getUri(),
        response.getStatus(), response.getLocation());
    if (next != null) {
      boolean crossed = !BearerPolicy.sameOrigin(exchange.first(), next.uri());
      replace(response, send(request, next.uri(), next.method(), !next.dropsBody(),
          exchange.redirect(crossed)));
    }
  }

  /** Sends a copy of the request through the same client, so that these filters see it too. */
  private static Response send(ClientRequestContext request, URI uri, String method,
      boolean withEntity, Exchange exchange) {
    Invocation.Builder builder = request.getClient().target(uri).request()
        .property(Exchange.PROPERTY, exchange);
    for (Map.Entry<String, List<String>> h : request.getStringHeaders().entrySet()) {
      if (!NOT_COPIED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        for (String value : h.getValue()) {
          builder.header(h.getKey(), value);
        }
      }
    }
    if (withEntity && request.hasEntity()) {
      return builder.method(method, Entity.entity(request.getEntity(), request.getMediaType()));
    }
    return builder.method(method);
  }

  /** Hands the caller {@code next} in place of the response being filtered. */
  private static void replace(ClientResponseContext response, Response next) throws IOException {
    InputStream old = response.getEntityStream();
    if (old != null) {
      old.transferTo(java.io.OutputStream.nullOutputStream());
      old.close();
    }
    response.setStatusInfo(next.getStatusInfo());
    response.getHeaders().clear();
    for (Map.Entry<String, List<String>> h : next.getStringHeaders().entrySet()) {
      response.getHeaders().put(h.getKey(), new ArrayList<>(h.getValue()));
    }
    response.setEntityStream(next.hasEntity()
        ? next.readEntity(InputStream.class)
        : InputStream.nullInputStream());
  }

  private boolean replayable(Object entity) {
    if (entity == null) {
      return true;
    }
    if (entity instanceof InputStream || entity instanceof Reader
        || entity instanceof StreamingOutput) {
      return false;
    }
    if (entity instanceof byte[] bytes) {
      return policy.replayable(bytes.length);
    }
    if (entity instanceof String s) {
      return policy.replayable(s.getBytes(StandardCharsets.UTF_8).length);
    }
    if (entity instanceof File f) {
      return policy.replayable(f.length());
    }
    return true;
  }

  @Override
  public String toString() {
    return "BearerClientFilter[key=" + key + ", " + policy + ", followRedirects="
        + followRedirects + "]";
  }
}

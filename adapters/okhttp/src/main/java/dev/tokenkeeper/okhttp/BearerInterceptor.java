package dev.tokenkeeper.okhttp;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.okhttp.internal.Attempt;
import dev.tokenkeeper.okhttp.internal.CrossOriginCredentials;
import java.io.IOException;
import java.util.Objects;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Sends the access token of one key of a {@link TokenManager} with OkHttp 5 as
 * {@code Authorization: Bearer} (RFC 6750, section 2.1), with the same contract as core's
 * {@code BearerHttpClient}. Install it with {@link #install}:
 *
 * <pre>{@code
 * OkHttpClient client = BearerInterceptor.of(manager, "alice", BearerPolicy.allowedOrigins(api))
 *     .install(new OkHttpClient.Builder())
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>One key per interceptor, or per request.</b> A request tagged with a {@link Key}
 *       carries the token of that key instead.
 *   <li><b>Allowed origins only.</b> The token goes only to requests whose origin is allowed by
 *       the {@link BearerPolicy}; there it replaces an {@code Authorization} header of the
 *       caller's, elsewhere the request passes unchanged.
 *   <li><b>One retry after a rejection.</b> When the response {@linkplain
 *       BearerPolicy#rejectsToken rejects the token}, it reports the token through
 *       {@link TokenManager#rejected} (one refresh however many calls report the same token) and
 *       sends the request once more with the new token; a second rejection is returned. The body
 *       is sent again when it is not {@linkplain RequestBody#isOneShot() one-shot} and its length
 *       is known and at most {@link BearerPolicy#maxReplayBytes()}; otherwise the rejection is
 *       returned to the caller (the token is still reported, so the next call carries a new one).
 *   <li><b>Redirects</b> are followed by OkHttp as configured. From the first hop to another
 *       origin on, a network interceptor removes {@code Authorization},
 *       {@code Proxy-Authorization} and the caller's own {@code Cookie} header (cookies from the
 *       client's {@code CookieJar} for the new host are the jar's business and stay).
 * </ul>
 *
 * <p>{@link #install} adds this application interceptor and the network interceptor; an
 * interceptor added with {@code addInterceptor} alone fails its first call with an
 * {@link IllegalStateException} rather than send credentials across origins.
 *
 * <p>Token failures reach the caller of {@code Call.execute()} unchanged
 * ({@link ReauthenticationRequiredException}, {@link TokenEndpointException}); with
 * {@code enqueue}, OkHttp hands them to {@code Callback.onFailure} wrapped in an
 * {@code IOException}. The thread that runs the call waits for the token (as with an OkHttp
 * {@code Authenticator}).
 *
 * <p>Immutable and thread-safe: one instance serves any number of clients and calls.
 */
public final class BearerInterceptor implements Interceptor {
  private final TokenManager manager;
  private final String key;
  private final BearerPolicy policy;
  private final Interceptor network = new CrossOriginCredentials();

  private BearerInterceptor(TokenManager manager, String key, BearerPolicy policy) {
    this.manager = Objects.requireNonNull(manager, "manager is required");
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key (the key whose token to send) is required");
    }
    this.key = key;
    this.policy = Objects.requireNonNull(policy, "policy is required: BearerPolicy.allowedOrigins("
        + "URI.create(\"https://api.example.com\"))");
  }

  /**
   * A request tag that names the key whose token to send with that request, in place of the
   * interceptor's: {@code new Request.Builder().tag(BearerInterceptor.Key.class, new
   * BearerInterceptor.Key("alice@example.com"))}. Immutable.
   *
   * @param value the key
   */
  public record Key(String value) {
    /** @throws IllegalArgumentException the key is null or empty */
    public Key {
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException("BearerInterceptor.Key: the key must not be empty");
      }
    }
  }

  /** An interceptor that sends the token of {@code key} to the origins {@code policy} allows. */
  public static BearerInterceptor of(TokenManager manager, String key, BearerPolicy policy) {
    return new BearerInterceptor(manager, key, policy);
  }

  /**
   * Adds this interceptor as an application interceptor and its companion network interceptor,
   * which drops credentials on cross-origin redirects.
   *
   * @return {@code builder}
   */
  public OkHttpClient.Builder install(OkHttpClient.Builder builder) {
    return builder.addInterceptor(this).addNetworkInterceptor(network);
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (!policy.allows(request.url().uri())) {
      return proceed(chain, request, new Attempt(false));
    }
    Key tagged = request.tag(Key.class);
    String key = tagged != null ? tagged.value() : this.key;
    AccessToken token = manager.token(key);
    Attempt first = new Attempt(true);
    Response response = proceed(chain, authorized(request, token), first);
    if (first.crossedOrigin()
        || !BearerPolicy.rejectsToken(response.code(), response.headers("WWW-Authenticate"))) {
      return response;
    }
    if (!replayable(request.body())) {
      manager.rejected(key, token); // not sent again: the next call gets a new token
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
    return proceed(chain, authorized(request, renewed), new Attempt(true));
  }

  private Response proceed(Chain chain, Request request, Attempt attempt) throws IOException {
    Response response = chain.proceed(request.newBuilder().tag(Attempt.class, attempt).build());
    if (!attempt.sawNetwork() && response.networkResponse() != null) {
      response.close();
      throw new IllegalStateException("BearerInterceptor was added without its network"
          + " interceptor, so credentials could follow a redirect to another origin; install it"
          + " with bearerInterceptor.install(okHttpClientBuilder) instead of addInterceptor");
    }
    return response;
  }

  private static Request authorized(Request request, AccessToken token) {
    return request.newBuilder().header("Authorization", token.authorizationHeader()).build();
  }

  private boolean replayable(RequestBody body) throws IOException {
    if (body == null) {
      return true;
    }
    return !body.isOneShot() && policy.replayable(body.contentLength());
  }

  @Override
  public String toString() {
    return "BearerInterceptor[key=" + key + ", " + policy + "]";
  }
}

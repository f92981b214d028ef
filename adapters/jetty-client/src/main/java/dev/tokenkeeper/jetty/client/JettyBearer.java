package dev.tokenkeeper.jetty.client;

import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.jetty.client.internal.JettyKey;
import dev.tokenkeeper.jetty.client.internal.RetryingProtocolHandler;
import dev.tokenkeeper.jetty.client.internal.TokenAttacher;
import java.util.Objects;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProtocolHandler;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Sends the access token of one key of a {@link TokenManager} with Jetty 12's {@code HttpClient}
 * as {@code Authorization: Bearer} (RFC 6750, section 2.1), with the same contract as core's
 * {@code BearerHttpClient}. {@link #install} adds a request listener and a protocol handler to
 * the client, Jetty's own ways to change requests and to answer a 401:
 *
 * <pre>{@code
 * HttpClient client = new HttpClient();
 * JettyBearer.of(manager, "alice", BearerPolicy.allowedOrigins(api)).install(client);
 * client.start();
 * }</pre>
 *
 * <ul>
 *   <li><b>One key per client, or per request.</b> A request with a {@link #KEY_ATTRIBUTE}
 *       carries the token of that key instead.
 *   <li><b>Allowed origins only.</b> As each request, redirect hop or retry begins, the token is
 *       set if its origin is allowed by the {@link BearerPolicy}, replacing an
 *       {@code Authorization} header of the caller's.
 *   <li><b>One retry after a rejection.</b> When the response {@linkplain
 *       BearerPolicy#rejectsToken rejects the token}, the protocol handler discards it, reports
 *       the token through {@link TokenManager#rejected} (one refresh however many requests report
 *       the same token; the I/O thread does not wait for it) and sends the request once more in
 *       the same conversation, so the caller's listeners get the second response. The body is
 *       sent again when its length is known and at most {@link BearerPolicy#maxReplayBytes()}
 *       and it can be rewound ({@code BytesRequestContent}, {@code StringRequestContent}, ...);
 *       a stream ({@code InputStreamRequestContent}) gets the rejection (and the token is still
 *       reported, so the next request carries a new one).
 *   <li><b>Redirects</b> are followed by Jetty as configured; Jetty drops {@code Authorization}
 *       and {@code Cookie} from every redirect hop, and the token is set again only while the
 *       hops stay on the origin of the caller's request. From the first hop to another origin on,
 *       no {@code Authorization}, {@code Proxy-Authorization} or {@code Cookie} header is sent
 *       (not even the cookie store's).
 * </ul>
 *
 * <p>The protocol handler takes the place of Jetty's {@code WWWAuthenticationProtocolHandler}
 * and hands it every response to a request without our token, so Basic and Digest
 * authentication configured in the client's {@code AuthenticationStore} keep working for other
 * requests. Getting a token that is not cached blocks the thread that begins the request. A
 * token failure fails the request with the manager's exception ({@code ReauthenticationRequiredException},
 * {@code TokenEndpointException}) as its cause.
 *
 * <p>Immutable and thread-safe.
 */
public final class JettyBearer {
  /**
   * The request attribute that names the key whose token to send with one request (and its
   * redirects and retry), in place of the client's:
   * {@code client.newRequest(uri).attribute(KEY_ATTRIBUTE, "alice@example.com")}.
   */
  public static final String KEY_ATTRIBUTE = JettyKey.ATTRIBUTE;

  private final TokenManager manager;
  private final String key;
  private final BearerPolicy policy;

  private JettyBearer(TokenManager manager, String key, BearerPolicy policy) {
    this.manager = Objects.requireNonNull(manager, "manager is required");
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key (the key whose token to send) is required");
    }
    this.key = key;
    this.policy = Objects.requireNonNull(policy, "policy is required: BearerPolicy.allowedOrigins("
        + "URI.create(\"https://api.example.com\"))");
  }

  /** Sends the token of {@code key} to the origins {@code policy} allows. */
  public static JettyBearer of(TokenManager manager, String key, BearerPolicy policy) {
    return new JettyBearer(manager, key, policy);
  }

  /**
   * Installs the request listener and the protocol handler on {@code client}, before or after it
   * is started (Jetty adds its own protocol handlers as it starts; the handler takes its place
   * among them then). Install once per client.
   */
  public void install(HttpClient client) {
    client.getRequestListeners().addBeginListener(new TokenAttacher(manager, key, policy));
    if (client.isStarted()) {
      replaceWwwAuthentication(client);
    } else {
      client.addEventListener(new LifeCycle.Listener() {
        @Override
        public void lifeCycleStarted(LifeCycle event) {
          replaceWwwAuthentication(client);
        }
      });
    }
  }

  private void replaceWwwAuthentication(HttpClient client) {
    ProtocolHandler jettys = client.getProtocolHandlers()
        .remove(WWWAuthenticationProtocolHandler.NAME);
    if (jettys == null) {
      jettys = new WWWAuthenticationProtocolHandler(client);
    }
    client.getProtocolHandlers().put(new RetryingProtocolHandler(jettys, manager, key, policy));
  }

  @Override
  public String toString() {
    return "JettyBearer[key=" + key + ", " + policy + "]";
  }
}

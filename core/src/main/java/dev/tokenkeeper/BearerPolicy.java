package dev.tokenkeeper;

import dev.tokenkeeper.internal.BearerChallenges;
import dev.tokenkeeper.internal.Origin;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The rules that {@link BearerHttpClient} and every TokenKeeper adapter for another HTTP client
 * (OkHttp, Apache HttpClient 5, Spring's web clients, Jakarta REST, Jetty) follow when they send a
 * token, so that each of them keeps the same contract:
 *
 * <ul>
 *   <li>the token goes only to the {@linkplain #allows allowed origins} (scheme, host and port);
 *   <li>a response {@linkplain #rejectsToken rejects the token} when it is a 401 without a Bearer
 *       error other than {@code invalid_token}, or carries
 *       {@code WWW-Authenticate: Bearer error="invalid_token"} whatever its status (RFC 6750,
 *       section 3.1); the request is then sent once more after
 *       {@link TokenManager#rejected}, if its body {@linkplain #replayable can be sent again};
 *   <li>after the first redirect to another origin no {@linkplain #isCredentialHeader credential
 *       header} is sent any more (RFC 9110, section 15.4).
 * </ul>
 *
 * <p>Immutable and thread-safe. Users configure it through an adapter's builder; writers of a new
 * adapter use its methods so that the rules stay in one place.
 */
public final class BearerPolicy {
  /** The default largest request body that is sent again after a rejection: 1 MiB. */
  public static final long DEFAULT_MAX_REPLAY_BYTES = 1024 * 1024;

  private final Set<Origin> allowedOrigins;
  private final long maxReplayBytes;

  private BearerPolicy(Set<Origin> allowedOrigins, long maxReplayBytes) {
    this.allowedOrigins = allowedOrigins;
    this.maxReplayBytes = maxReplayBytes;
  }

  /**
   * A policy that sends the token to these origins: each URI's scheme, host and port count (the
   * scheme's default port when absent), its path is ignored. Bodies up to
   * {@link #DEFAULT_MAX_REPLAY_BYTES} are sent again after a rejection.
   *
   * @throws IllegalArgumentException no origin is given, or one is not an absolute http or https
   *     URI with a host
   */
  public static BearerPolicy allowedOrigins(URI... origins) {
    return allowedOrigins(Arrays.asList(origins));
  }

  /** As {@link #allowedOrigins(URI...)}. */
  public static BearerPolicy allowedOrigins(Collection<URI> origins) {
    Set<Origin> set = new LinkedHashSet<>();
    for (URI uri : origins) {
      Origin origin = Origin.of(uri);
      if (origin == null || !(origin.scheme().equals("http") || origin.scheme().equals("https"))) {
        throw new IllegalArgumentException("allowedOrigins: " + uri + " is not an absolute http"
            + " or https URI with a host, such as https://api.example.com");
      }
      set.add(origin);
    }
    if (set.isEmpty()) {
      throw new IllegalArgumentException("allowedOrigins is empty: name the origins"
          + " (scheme://host:port) that may receive the token, e.g."
          + " allowedOrigins(URI.create(\"https://api.example.com\"))");
    }
    return new BearerPolicy(Set.copyOf(set), DEFAULT_MAX_REPLAY_BYTES);
  }

  /**
   * This policy with another largest body that is sent again after a rejection. A larger body,
   * or one whose length is unknown before it is sent (a stream), is not sent again: the caller
   * gets the rejection. {@code 0} retries only requests without a body.
   *
   * @throws IllegalArgumentException {@code maxReplayBytes} is negative
   */
  public BearerPolicy withMaxReplayBytes(long maxReplayBytes) {
    if (maxReplayBytes < 0) {
      throw new IllegalArgumentException("maxReplayBytes must be 0 or more, not " + maxReplayBytes);
    }
    return new BearerPolicy(allowedOrigins, maxReplayBytes);
  }

  /** The largest request body that is sent again after a rejection. */
  public long maxReplayBytes() {
    return maxReplayBytes;
  }

  /** Whether the token may be sent to {@code uri}: its origin is one of the allowed origins. */
  public boolean allows(URI uri) {
    Origin origin = Origin.of(uri);
    return origin != null && allowedOrigins.contains(origin);
  }

  /**
   * Whether a body of {@code contentLength} bytes ({@code -1} or less: unknown, as for a stream)
   * may be sent again after a rejection. A request without a body has length {@code 0}. The
   * caller must also know that the client can send the body twice (OkHttp: not one-shot; Apache
   * HttpClient: a repeatable entity; Jetty: reproducible content).
   */
  public boolean replayable(long contentLength) {
    return contentLength >= 0 && contentLength <= maxReplayBytes;
  }

  /** Whether {@code a} and {@code b} are absolute http(s) URIs of the same origin. */
  public static boolean sameOrigin(URI a, URI b) {
    Origin oa = Origin.of(a);
    return oa != null && oa.equals(Origin.of(b));
  }

  /**
   * Whether a response rejects the token it answered: a 401 with no Bearer challenge, or one
   * without an {@code error}, or any status whose Bearer challenge says
   * {@code error="invalid_token"}. A 401 whose Bearer challenge names another error
   * ({@code invalid_request}, {@code insufficient_scope}) does not: a new token would not help.
   *
   * @param wwwAuthenticate the values of the response's {@code WWW-Authenticate} headers
   */
  public static boolean rejectsToken(int status, List<String> wwwAuthenticate) {
    String error = BearerChallenges.bearerError(wwwAuthenticate);
    if ("invalid_token".equals(error)) {
      return true;
    }
    return status == 401 && (error == null || error.isEmpty());
  }

  /**
   * Whether a request header carries credentials and so must not follow a redirect to another
   * origin: {@code Authorization}, {@code Cookie} and {@code Proxy-Authorization}, the caller's
   * as well as the token.
   */
  public static boolean isCredentialHeader(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.equals("authorization") || n.equals("cookie") || n.equals("proxy-authorization");
  }

  /**
   * Waits, in a blocking client, for the token {@link TokenManager#rejected} hands back, and
   * rethrows its failure unchanged ({@link ReauthenticationRequiredException},
   * {@link TokenEndpointException}, an {@link IOException}); an interrupt becomes an
   * {@link InterruptedIOException} with the thread's interrupt flag restored.
   */
  public static AccessToken awaitRenewal(CompletableFuture<AccessToken> renewal)
      throws IOException {
    try {
      return renewal.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a new token");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("token refresh failed", cause);
    }
  }

  /** At most this many redirects in a row are followed by a client that follows them itself. */
  public static final int MAX_REDIRECTS = 5;

  /**
   * A redirect to follow. Immutable.
   *
   * @param uri the absolute target
   * @param method the method to use there
   * @param dropsBody whether the body (and its {@code Content-Type}) is left behind
   */
  public record Redirect(URI uri, String method, boolean dropsBody) {}

  /**
   * The redirect a response asks for, or {@code null} if it is none to follow, by the rules of
   * RFC 9110, section 15.4 as browsers and the JDK's client apply them: 301/302 after a POST and
   * 303 (but after HEAD) become a GET without a body; 307/308 keep method and body. Only absolute
   * http(s) targets are followed. Whether the token and credentials go along is
   * {@link #sameOrigin} and {@link #isCredentialHeader}'s business.
   */
  public static Redirect redirect(String method, URI current, int status, URI location) {
    if (location == null
        || !(status == 301 || status == 302 || status == 303 || status == 307 || status == 308)) {
      return null;
    }
    URI target;
    try {
      target = current.resolve(location);
    } catch (IllegalArgumentException e) {
      return null;
    }
    String scheme = target.getScheme();
    if (target.getHost() == null
        || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
      return null;
    }
    boolean toGet = (status == 303 && !method.equals("HEAD"))
        || ((status == 301 || status == 302) && method.equals("POST"));
    return new Redirect(target, toGet ? "GET" : method, toGet);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BearerPolicy p && p.allowedOrigins.equals(allowedOrigins)
        && p.maxReplayBytes == maxReplayBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(allowedOrigins, maxReplayBytes);
  }

  @Override
  public String toString() {
    return "BearerPolicy[allowedOrigins=" + allowedOrigins + ", maxReplayBytes=" + maxReplayBytes
        + "]";
  }
}

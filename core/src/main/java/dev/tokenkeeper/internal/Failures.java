package dev.tokenkeeper.internal;

import dev.tokenkeeper.TokenEndpointException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Maps failures of an HTTP exchange to {@link TokenEndpointException}s. Not part of the API. */
public final class Failures {
  private Failures() {}

  /** The first cause that is not a {@link CompletionException} or {@link ExecutionException}. */
  public static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * The exception for an exchange that produced no usable response, or {@code null} when the
   * failure is not an I/O problem (a bug, or a misconfigured {@code HttpClient}) and should
   * reach the caller as it is.
   *
   * @param endpoint "token endpoint" or "revocation endpoint", for the message
   */
  public static TokenEndpointException exchangeFailed(
      Throwable failure, String endpoint, URI uri, Duration connectTimeout,
      Duration requestTimeout) {
    Throwable cause = unwrap(failure);
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof LimitedBodyHandler.BodyTooLargeException tooLarge) {
        // Status known: the provider did answer, with something we refuse to read.
        return new TokenEndpointException("the " + endpoint + " answered HTTP "
            + tooLarge.statusCode() + " with a body larger than the limit of "
            + tooLarge.maxBytes() + " bytes; the body was not read (raise"
            + " TokenEndpoint.Builder.maxResponseBytes if the provider really sends that much)",
            tooLarge.statusCode(), cause);
      }
    }
    String where = " at " + describe(uri);
    if (cause instanceof HttpConnectTimeoutException) {
      return new TokenEndpointException("could not connect to the " + endpoint + where
          + " within " + seconds(connectTimeout) + " (TokenEndpoint.Builder.connectTimeout)", 0,
          cause);
    }
    if (cause instanceof HttpTimeoutException) {
      return new TokenEndpointException("the " + endpoint + where + " did not answer within "
          + seconds(requestTimeout) + " (TokenEndpoint.Builder.requestTimeout)", 0, cause);
    }
    if (cause instanceof ConnectException) {
      return new TokenEndpointException("could not connect to the " + endpoint + where
          + ": connection refused or unreachable", 0, cause);
    }
    if (cause instanceof IOException) {
      return new TokenEndpointException("I/O error talking to the " + endpoint + where + ": "
          + cause.getClass().getSimpleName()
          + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), 0, cause);
    }
    return null;
  }

  /** Scheme, host, port and path: never user-info or a query. */
  public static String describe(URI uri) {
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  /** {@link #describe} for a URI that may not even be absolute. */
  public static String describeUnchecked(URI uri) {
    if (uri.getHost() == null) {
      String s = uri.getRawPath() == null ? "(no path)" : uri.getRawPath();
      return "\"" + (uri.getScheme() == null ? "" : uri.getScheme() + ":") + s + "\"";
    }
    return describe(uri);
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}

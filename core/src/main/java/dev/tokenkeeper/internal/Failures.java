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
   * <p>The JDK's messages may quote what the server sent (a malformed status or header line),
   * and a server may echo the request in it: the message and the causes attached are redacted.
   *
   * @param endpoint "token endpoint" or "revocation endpoint", for the message
   * @param redactor the request's secrets
   */
  public static TokenEndpointException exchangeFailed(
      Throwable failure, String endpoint, URI uri, Duration connectTimeout,
      Duration requestTimeout, Redactor redactor) {
    Throwable cause = redacted(unwrap(failure), redactor);
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
    // The JDK raises HttpConnectTimeoutException for whichever of its timers runs out first while
    // connecting: the connect timeout, or the request timeout (which counts from the send). Our
    // own deadline of requestTimeout races the JDK's request timer, so when that timer is the
    // shorter one, both must read the same: the endpoint did not answer within requestTimeout.
    if (cause instanceof HttpConnectTimeoutException
        && connectTimeout.compareTo(requestTimeout) < 0) {
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
      String type = cause instanceof Redacted r ? r.type.getSimpleName()
          : cause.getClass().getSimpleName();
      String message = cause instanceof Redacted r ? r.message : redactor.redact(cause.getMessage());
      return new TokenEndpointException("I/O error talking to the " + endpoint + where + ": "
          + type + (message == null ? "" : " (" + message + ")"), 0, cause);
    }
    return null;
  }

  /**
   * {@code failure} itself when no message in its cause chain shows a secret; else a copy of the
   * chain, each link a {@link Redacted} with the original type's name, its redacted message and
   * its stack trace.
   */
  public static Throwable redacted(Throwable failure, Redactor redactor) {
    if (failure == null || !reveals(failure, redactor, 0)) {
      return failure;
    }
    return copy(failure, redactor, 0);
  }

  private static final int MAX_CAUSES = 16;

  private static boolean reveals(Throwable t, Redactor redactor, int depth) {
    if (t == null || depth > MAX_CAUSES) {
      return false;
    }
    return redactor.revealsSecret(t.getMessage())
        || (t.getCause() != t && reveals(t.getCause(), redactor, depth + 1));
  }

  private static Throwable copy(Throwable t, Redactor redactor, int depth) {
    if (t == null || depth > MAX_CAUSES) {
      return null;
    }
    Class<?> type = t instanceof Redacted r ? r.type : t.getClass();
    Redacted copy = new Redacted(type, redactor.redact(t.getMessage()),
        t.getCause() == t ? null : copy(t.getCause(), redactor, depth + 1));
    copy.setStackTrace(t.getStackTrace());
    return copy;
  }

  /**
   * Stands in for an exception whose message showed a secret: {@code toString()} reads
   * {@code java.net.ProtocolException: <redacted message>}, and the stack trace is the original's.
   */
  public static final class Redacted extends IOException {
    private static final long serialVersionUID = 1L;

    /** The type of the exception this stands in for. */
    public final transient Class<?> type;
    /** Its message, redacted; may be null. */
    public final String message;

    Redacted(Class<?> type, String message, Throwable cause) {
      super(message, cause);
      this.type = type;
      this.message = message;
    }

    @Override
    public String toString() {
      return type.getName() + (message == null ? "" : ": " + message) + " (redacted)";
    }
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

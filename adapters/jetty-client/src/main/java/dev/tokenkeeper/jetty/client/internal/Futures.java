package dev.tokenkeeper.jetty.client.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Unwraps the failure of a token future. Stateless.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class Futures {
  private Futures() {}

  /** The failure of a future, without the wrapping of the future. */
  public static Throwable cause(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}

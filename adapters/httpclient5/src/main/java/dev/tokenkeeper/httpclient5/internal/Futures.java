package dev.tokenkeeper.httpclient5.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The failure inside a completed future, unwrapped for an async callback. Stateless.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class Futures {
  private Futures() {}

  public static Exception cause(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof Exception e ? e : new ExecutionException(cause);
  }
}

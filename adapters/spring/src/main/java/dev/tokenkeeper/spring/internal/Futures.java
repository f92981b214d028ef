package dev.tokenkeeper.spring.internal;

import dev.tokenkeeper.AccessToken;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Waits for a token future and rethrows its failure unchanged. Stateless.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class Futures {
  private Futures() {}

  public static AccessToken await(CompletableFuture<AccessToken> future) throws IOException {
    try {
      return future.get();
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
}

package dev.tokenkeeper.internal;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The body of a response whose fate is not known while it arrives: a 401 that is either retried
 * with a new token (the body is dropped) or handed to the caller after all (the manager kept the
 * rejected token). Keeps up to {@link #LIMIT} bytes, and once the body has ended and the fate is
 * known, replays them into the caller's own {@link BodyHandler} or completes with {@code null}.
 * A body over the limit is handed on cut at the limit. One instance per response; the JDK calls
 * {@code onNext} in order, never concurrently.
 */
public final class PendingBody<T> implements BodySubscriber<T> {
  /** What is kept of a body: a 401's explanation, not a download. */
  public static final int LIMIT = 64 * 1024;

  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private final CompletableFuture<byte[]> ended = new CompletableFuture<>();
  private final CompletionStage<T> body;

  /**
   * @param handedOn completes with whether the caller gets this response; must not fail
   * @param info the response the caller's handler is applied to
   * @param callersHandler the handler the caller passed to {@code send}
   */
  public PendingBody(CompletionStage<Boolean> handedOn, ResponseInfo info,
      BodyHandler<T> callersHandler) {
    this.body = ended.thenCombine(handedOn, (bytes, toCaller) -> toCaller ? bytes : null)
        .thenCompose(bytes -> bytes == null
            ? CompletableFuture.<T>completedFuture(null)
            : replay(callersHandler, info, bytes));
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    for (ByteBuffer item : items) {
      int room = LIMIT - kept.size();
      int n = Math.min(room, item.remaining());
      if (n > 0) {
        byte[] chunk = new byte[n];
        item.get(chunk);
        kept.write(chunk, 0, n);
      }
    }
  }

  @Override
  public void onError(Throwable failure) {
    ended.completeExceptionally(failure);
  }

  @Override
  public void onComplete() {
    ended.complete(kept.toByteArray());
  }

  @Override
  public CompletionStage<T> getBody() {
    return body;
  }

  /** Feeds {@code bytes} to the subscriber {@code handler} makes, as one item, then ends. */
  private static <T> CompletionStage<T> replay(BodyHandler<T> handler, ResponseInfo info,
      byte[] bytes) {
    BodySubscriber<T> subscriber;
    try {
      subscriber = handler.apply(info);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    subscriber.onSubscribe(new Flow.Subscription() {
      private boolean done;

      @Override
      public synchronized void request(long n) {
        if (done) {
          return;
        }
        done = true;
        if (n <= 0) {
          subscriber.onError(new IllegalArgumentException(
              "non-positive subscription request: " + n));
          return;
        }
        if (bytes.length > 0) {
          subscriber.onNext(List.of(ByteBuffer.wrap(bytes)));
        }
        subscriber.onComplete();
      }

      @Override
      public synchronized void cancel() {
        done = true;
      }
    });
    return subscriber.getBody();
  }
}

package dev.tokenkeeper.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads a response body into memory, up to a limit: a body declared or found larger fails with
 * {@link BodyTooLargeException} as soon as the limit is passed, and the rest is not read. A token
 * endpoint has no reason to send more than a few kilobytes; a huge body is a misrouted request
 * or an attack on memory.
 *
 * <p>Thread-safe: each response gets its own subscriber. Not part of the API.
 */
public final class LimitedBodyHandler implements HttpResponse.BodyHandler<byte[]> {
  private final int maxBytes;

  public LimitedBodyHandler(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
    long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
    return new LimitedSubscriber(maxBytes, declared, info.statusCode());
  }

  /** The body passed the limit; carries the HTTP status that came with it. */
  public static final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int statusCode;
    private final int maxBytes;

    BodyTooLargeException(int statusCode, int maxBytes) {
      super("response body larger than " + maxBytes + " bytes");
      this.statusCode = statusCode;
      this.maxBytes = maxBytes;
    }

    public int statusCode() {
      return statusCode;
    }

    public int maxBytes() {
      return maxBytes;
    }
  }

  private static final class LimitedSubscriber implements HttpResponse.BodySubscriber<byte[]> {
    private final int maxBytes;
    private final long declared;
    private final int statusCode;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    LimitedSubscriber(int maxBytes, long declared, int statusCode) {
      this.maxBytes = maxBytes;
      this.declared = declared;
      this.statusCode = statusCode;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (declared > maxBytes) {
        tooLarge();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer item : items) {
        if ((long) buffer.size() + item.remaining() > maxBytes) {
          tooLarge();
          return;
        }
        byte[] chunk = new byte[item.remaining()];
        item.get(chunk);
        buffer.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable failure) {
      body.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
      body.complete(buffer.toByteArray());
    }

    private void tooLarge() {
      subscription.cancel();
      body.completeExceptionally(new BodyTooLargeException(statusCode, maxBytes));
    }
  }
}

package dev.tokenkeeper.spring.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpRequestDecorator;
import org.springframework.web.reactive.function.BodyInserter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A copy of a WebClient request body, taken as the body is written, up to a limit: what makes a
 * body of any kind (a value, a {@code Flux}, a multipart form) sendable again after a rejection.
 * Written by the request's writing thread, read after its response has arrived.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class RecordedBody {
  private final long max;
  private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
  private volatile boolean overflow;
  private volatile boolean complete;

  public RecordedBody(long max) {
    this.max = max;
  }

  /** {@code inserter}, writing through a decorator that copies what it writes. */
  public BodyInserter<Object, ClientHttpRequest> recording(
      BodyInserter<?, ? super ClientHttpRequest> inserter) {
    return (message, context) -> inserter.insert(new ClientHttpRequestDecorator(message) {
      @Override
      public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        return super.writeWith(Flux.from(body).doOnNext(RecordedBody.this::record))
            .doOnSuccess(v -> complete = true);
      }

      @Override
      public Mono<Void> writeAndFlushWith(
          Publisher<? extends Publisher<? extends DataBuffer>> body) {
        return super.writeAndFlushWith(Flux.from(body)
                .map(part -> Flux.from(part).doOnNext(RecordedBody.this::record)))
            .doOnSuccess(v -> complete = true);
      }

      @Override
      public Mono<Void> setComplete() {
        return super.setComplete().doOnSuccess(v -> complete = true);
      }
    }, context);
  }

  private synchronized void record(DataBuffer buffer) {
    int n = buffer.readableByteCount();
    if (overflow || copy.size() + (long) n > max) {
      overflow = true;
      copy.reset();
      return;
    }
    byte[] bytes = new byte[n];
    buffer.toByteBuffer(buffer.readPosition(), ByteBuffer.wrap(bytes), 0, n);
    copy.write(bytes, 0, n);
  }

  /** Whether the whole body was written and copied. */
  public boolean replayable() {
    return complete && !overflow;
  }

  /** An inserter that writes the copy. */
  public BodyInserter<Object, ClientHttpRequest> replay() {
    byte[] bytes;
    synchronized (this) {
      bytes = copy.toByteArray();
    }
    return (message, context) -> bytes.length == 0
        ? message.setComplete()
        : message.writeWith(Mono.fromSupplier(() -> message.bufferFactory().wrap(bytes)));
  }
}

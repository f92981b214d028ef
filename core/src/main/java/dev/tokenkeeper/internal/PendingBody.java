package dev.tokenkeeper.internal;

import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The body of a response whose fate is not known while it arrives: a 401 that is either retried
 * with a new token (the body is dropped) or handed to the caller after all (the manager kept the
 * rejected token).
 *
 * <p>While the fate is open it reads ahead at most {@link #LIMIT} bytes and then stops asking the
 * connection for more: flow control, so nothing is cut and nothing large is held. Handed on, the
 * bytes read ahead and then the rest of the body, as it arrives and as fast as the caller's
 * subscriber asks for it, go to the subscriber the caller's own {@link BodyHandler} makes.
 * Dropped, the rest is read and discarded (the connection stays reusable) and the body completes
 * with {@code null}; the caller's handler is never asked.
 *
 * <p>Thread-safe: the connection and the manager's answer reach it on different threads. The
 * caller's subscriber gets its signals one at a time, in order, never concurrently.
 */
public final class PendingBody<T> implements BodySubscriber<T> {
  /** How much is read ahead while the fate is open: a 401's explanation, not a download. */
  public static final int LIMIT = 64 * 1024;

  private record Item(List<ByteBuffer> buffers, long size) {}

  private final ResponseInfo info;
  private final BodyHandler<T> callersHandler;
  private final CompletableFuture<T> body = new CompletableFuture<>();

  // Guarded by this.
  private Flow.Subscription upstream;
  private final ArrayDeque<Item> items = new ArrayDeque<>();
  private long bytesAhead;
  /** Whether an item asked of the connection has not arrived yet. */
  private boolean asked;
  private boolean upstreamEnded;
  private Throwable upstreamFailure;
  /** {@code null} while open; then whether the caller gets the body. */
  private Boolean toCaller;
  private BodySubscriber<T> downstream;
  private long demand;
  private boolean draining;
  /** A non-positive request by the caller's subscriber, to be answered with onError. */
  private IllegalArgumentException badRequest;
  /** The caller's subscriber got its last signal, or cancelled. */
  private boolean finished;

  /**
   * @param handedOn completes with whether the caller gets this response; a failure counts as
   *     {@code false}
   * @param info the response the caller's handler is applied to
   * @param callersHandler the handler the caller passed to {@code send}
   */
  public PendingBody(CompletionStage<Boolean> handedOn, ResponseInfo info,
      BodyHandler<T> callersHandler) {
    this.info = info;
    this.callersHandler = callersHandler;
    handedOn.whenComplete((yes, f) -> decided(f == null && Boolean.TRUE.equals(yes)));
  }

  @Override
  public CompletionStage<T> getBody() {
    return body;
  }

  // ---- from the connection -------------------------------------------------------------

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    boolean second;
    boolean dropped;
    synchronized (this) {
      second = upstream != null;
      if (!second) {
        upstream = subscription;
      }
      dropped = Boolean.FALSE.equals(toCaller);
    }
    if (second) {
      subscription.cancel();
    } else if (dropped) {
      subscription.request(Long.MAX_VALUE); // read and discard: the connection stays reusable
    } else {
      pull();
    }
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    List<ByteBuffer> copy = new ArrayList<>(buffers.size());
    long size = 0;
    for (ByteBuffer b : buffers) {
      ByteBuffer c = ByteBuffer.allocate(b.remaining());
      c.put(b).flip();
      copy.add(c);
      size += c.remaining();
    }
    synchronized (this) {
      asked = false;
      if (Boolean.FALSE.equals(toCaller) || finished) {
        return; // dropped (the rest was asked for at once) or the caller cancelled
      }
      items.add(new Item(copy, size));
      bytesAhead += size;
    }
    drain();
    pull();
  }

  @Override
  public void onError(Throwable failure) {
    ended(failure);
  }

  @Override
  public void onComplete() {
    ended(null);
  }

  private void ended(Throwable failure) {
    boolean dropped;
    synchronized (this) {
      upstreamEnded = true;
      upstreamFailure = failure;
      dropped = Boolean.FALSE.equals(toCaller);
    }
    if (dropped) {
      completeDropped();
    } else {
      drain();
    }
  }

  // ---- the manager's answer ------------------------------------------------------------

  private void decided(boolean handOn) {
    if (!handOn) {
      Flow.Subscription rest;
      boolean ended;
      synchronized (this) {
        toCaller = false;
        items.clear();
        bytesAhead = 0;
        rest = upstream;
        ended = upstreamEnded;
      }
      if (ended) {
        completeDropped();
      } else if (rest != null) {
        rest.request(Long.MAX_VALUE); // read and discard the rest: the connection stays reusable
      }
      return;
    }
    BodySubscriber<T> subscriber;
    try {
      subscriber = callersHandler.apply(info);
    } catch (RuntimeException | Error e) {
      stop();
      body.completeExceptionally(e);
      return;
    }
    subscriber.getBody().whenComplete((value, failure) -> {
      if (failure != null) {
        body.completeExceptionally(failure);
      } else {
        body.complete(value);
      }
    });
    subscriber.onSubscribe(new Relay());
    synchronized (this) {
      toCaller = true;
      downstream = subscriber; // only now: no signal reaches it before onSubscribe has returned
    }
    drain();
  }

  private void completeDropped() {
    Throwable failure;
    synchronized (this) {
      failure = upstreamFailure;
    }
    if (failure != null) {
      body.completeExceptionally(failure);
    } else {
      body.complete(null);
    }
  }

  // ---- to the caller's subscriber ------------------------------------------------------

  /** The caller's subscriber's view of the connection. */
  private final class Relay implements Flow.Subscription {
    @Override
    public void request(long n) {
      if (n <= 0) {
        synchronized (PendingBody.this) {
          if (!finished && badRequest == null) {
            badRequest = new IllegalArgumentException("non-positive subscription request: " + n);
          }
          items.clear();
        }
        stop();
      } else {
        synchronized (PendingBody.this) {
          demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        }
      }
      drain();
    }

    @Override
    public void cancel() {
      synchronized (PendingBody.this) {
        finished = true;
        items.clear();
      }
      stop();
    }
  }

  /**
   * Delivers what the caller's subscriber asked for and can have, one signal at a time on
   * whichever thread finds work; then asks the connection for more if it is wanted.
   */
  private void drain() {
    BodySubscriber<T> subscriber;
    synchronized (this) {
      if (draining || downstream == null) {
        return; // the thread draining re-checks under this lock before it stops
      }
      draining = true;
      subscriber = downstream;
    }
    for (;;) {
      Item next = null;
      Throwable failure = null;
      synchronized (this) {
        if (finished) {
          draining = false;
          return;
        }
        if (badRequest != null) {
          finished = true;
          failure = badRequest; // the subscriber broke the rules: it gets an error, once
        } else if (demand > 0 && !items.isEmpty()) {
          next = items.poll();
          demand--;
          bytesAhead -= next.size();
        } else if (items.isEmpty() && upstreamEnded) {
          finished = true;
          failure = upstreamFailure;
        } else {
          draining = false;
          break;
        }
      }
      if (next != null) {
        subscriber.onNext(next.buffers());
      } else if (failure != null) {
        subscriber.onError(failure);
      } else {
        subscriber.onComplete();
      }
    }
    pull();
  }

  /**
   * Asks the connection for the next item when it is wanted: read-ahead below the limit while
   * the fate is open; afterwards only what the caller's subscriber has asked for and not got.
   */
  private void pull() {
    Flow.Subscription s;
    synchronized (this) {
      boolean wanted = toCaller == null ? bytesAhead < LIMIT
          : toCaller && !finished && items.isEmpty() && demand > 0;
      if (upstream == null || asked || upstreamEnded || !wanted) {
        return;
      }
      asked = true;
      s = upstream;
    }
    s.request(1);
  }

  /** Cancels the connection's side (the caller's side has ended). */
  private void stop() {
    Flow.Subscription s;
    synchronized (this) {
      s = upstreamEnded ? null : upstream;
    }
    if (s != null) {
      s.cancel();
    }
  }
}

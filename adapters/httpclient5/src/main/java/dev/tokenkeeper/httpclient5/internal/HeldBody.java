package dev.tokenkeeper.httpclient5.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;

/**
 * The body of a 401 whose fate is not known while it arrives: dropped when the request is sent
 * again with a new token, handed to the caller's consumer when the manager keeps the rejected
 * token.
 *
 * <p>While the fate is open it grants the connection no capacity beyond its initial window (64
 * KiB by default), so at most that much is read ahead and kept: flow control, nothing is cut.
 * {@link #handOn} replays what was kept into the caller's consumer and lets it take the rest as
 * it arrives, at its own pace; {@link #drop} reads and discards the rest (the connection stays
 * reusable).
 *
 * <p>Thread-safe: the I/O reactor and the manager's answer reach it on different threads; the
 * caller's consumer gets its calls one at a time, in order.
 */
public final class HeldBody implements AsyncDataConsumer {
  private enum Fate { OPEN, DROPPED, HANDED_ON }

  private final EntityDetails details;
  // Guarded by this.
  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private Fate fate = Fate.OPEN;
  private AsyncDataConsumer consumer;
  /** The connection's channel, once it asked for capacity (its initial window is used up). */
  private CapacityChannel channel;
  private boolean ended;
  private List<? extends Header> trailers;

  /** @param details the entity's details as the server sent them */
  public HeldBody(EntityDetails details) {
    this.details = details;
  }

  public EntityDetails details() {
    return details;
  }

  /** The request is sent again: the rest of this body is read and thrown away. */
  public void drop() throws IOException {
    CapacityChannel c;
    synchronized (this) {
      if (fate != Fate.OPEN) {
        return;
      }
      fate = Fate.DROPPED;
      kept.reset();
      c = ended ? null : channel;
    }
    if (c != null) {
      c.update(Integer.MAX_VALUE);
    }
  }

  /**
   * The caller gets this 401 after all: {@code callersConsumer} gets what was kept, then the rest
   * as it arrives, and the end of the stream.
   */
  public synchronized void handOn(AsyncDataConsumer callersConsumer)
      throws HttpException, IOException {
    if (fate != Fate.OPEN) {
      throw new IllegalStateException("the body was " + fate + " already");
    }
    fate = Fate.HANDED_ON;
    consumer = callersConsumer;
    if (kept.size() > 0) {
      callersConsumer.consume(ByteBuffer.wrap(kept.toByteArray()));
      kept.reset();
    }
    if (ended) {
      callersConsumer.streamEnd(trailers);
    } else if (channel != null) {
      callersConsumer.updateCapacity(channel); // it grants what it can take: the rest flows
    }
  }

  @Override
  public synchronized void updateCapacity(CapacityChannel capacityChannel) throws IOException {
    channel = capacityChannel;
    switch (fate) {
      case OPEN -> { } // nothing more until the manager answers
      case DROPPED -> capacityChannel.update(Integer.MAX_VALUE);
      case HANDED_ON -> consumer.updateCapacity(capacityChannel);
    }
  }

  @Override
  public synchronized void consume(ByteBuffer src) throws IOException {
    switch (fate) {
      case OPEN -> {
        byte[] chunk = new byte[src.remaining()];
        src.get(chunk);
        kept.write(chunk, 0, chunk.length);
      }
      case DROPPED -> src.position(src.limit());
      case HANDED_ON -> consumer.consume(src);
    }
  }

  @Override
  public synchronized void streamEnd(List<? extends Header> endTrailers)
      throws HttpException, IOException {
    ended = true;
    trailers = endTrailers;
    if (fate == Fate.HANDED_ON) {
      consumer.streamEnd(endTrailers);
    }
  }

  @Override
  public synchronized void releaseResources() {
    kept.reset(); // the caller's consumer belongs to the caller's exchange, which releases it
  }
}

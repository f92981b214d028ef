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
 * token. Keeps up to {@link #LIMIT} bytes (a body over it is handed on cut at the limit). Used
 * by one exchange; the I/O reactor calls it from one thread at a time.
 */
public final class HeldBody implements AsyncDataConsumer {
  /** What is kept of a body: a 401's explanation, not a download. */
  public static final int LIMIT = 64 * 1024;

  private final EntityDetails details;
  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private List<? extends Header> trailers;

  /** @param details the entity's details as the server sent them, or {@code null} for none */
  public HeldBody(EntityDetails details) {
    this.details = details;
  }

  public EntityDetails details() {
    return details;
  }

  @Override
  public void updateCapacity(CapacityChannel channel)
      throws IOException {
    channel.update(Integer.MAX_VALUE);
  }

  @Override
  public void consume(ByteBuffer src) {
    int n = Math.min(LIMIT - kept.size(), src.remaining());
    if (n > 0) {
      byte[] chunk = new byte[n];
      src.get(chunk);
      kept.write(chunk, 0, n);
    }
    src.position(src.limit());
  }

  @Override
  public void streamEnd(List<? extends Header> trailers) {
    this.trailers = trailers;
  }

  /** Feeds what was kept to {@code consumer}, as if it had read the body itself. */
  public void replayInto(AsyncDataConsumer consumer) throws HttpException, IOException {
    consumer.updateCapacity(increment -> { });
    if (kept.size() > 0) {
      consumer.consume(ByteBuffer.wrap(kept.toByteArray()));
    }
    consumer.streamEnd(trailers);
  }

  @Override
  public void releaseResources() {
    // Nothing held but bytes.
  }
}

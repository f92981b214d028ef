package dev.tokenkeeper.httpclient5.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.junit.jupiter.api.Test;

/** A 401's body held while the manager decides: flow-controlled, then handed on or dropped. */
class HeldBodyTest {
  /** The connection's side: counts the capacity granted. */
  private static final class Channel implements CapacityChannel {
    final List<Integer> grants = new ArrayList<>();

    @Override
    public void update(int increment) {
      grants.add(increment);
    }
  }

  /** The caller's consumer: keeps what it gets and grants all it is asked for. */
  private static final class Caller implements AsyncDataConsumer {
    final ByteArrayOutputStream got = new ByteArrayOutputStream();
    final List<String> calls = new ArrayList<>();

    @Override
    public void updateCapacity(CapacityChannel channel) throws java.io.IOException {
      calls.add("updateCapacity");
      channel.update(Integer.MAX_VALUE);
    }

    @Override
    public void consume(ByteBuffer src) {
      calls.add("consume");
      byte[] b = new byte[src.remaining()];
      src.get(b);
      got.write(b, 0, b.length);
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) {
      calls.add("streamEnd");
    }

    @Override
    public void releaseResources() {}
  }

  private static HeldBody held() {
    return new HeldBody(new BasicAsyncEntityProducer("x", ContentType.TEXT_PLAIN));
  }

  private static ByteBuffer chunk(char c, int n) {
    return ByteBuffer.wrap(String.valueOf(c).repeat(n).getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void whileOpenItGrantsNoCapacityThenTheCallerGetsAllOfItInOrder() throws Exception {
    HeldBody body = held();
    Channel channel = new Channel();
    body.consume(chunk('a', 40_000));
    body.consume(chunk('b', 30_000));
    body.updateCapacity(channel); // the initial window is used up

    assertEquals(List.of(), channel.grants, "no more is read while the manager decides");

    Caller caller = new Caller();
    body.handOn(caller);
    body.consume(chunk('c', 500_000));
    body.streamEnd(null);

    assertEquals(List.of(Integer.MAX_VALUE), channel.grants, "the caller's consumer grants");
    assertEquals(List.of("consume", "updateCapacity", "consume", "streamEnd"), caller.calls);
    String got = caller.got.toString(StandardCharsets.US_ASCII);
    assertEquals(570_000, got.length(), "nothing cut");
    assertEquals("a".repeat(40_000) + "b".repeat(30_000) + "c".repeat(500_000), got);
  }

  @Test
  void aBodyThatEndedBeforeTheAnswerIsReplayedWithItsEnd() throws Exception {
    HeldBody body = held();
    body.consume(chunk('x', 10));
    body.streamEnd(null);
    Caller caller = new Caller();

    body.handOn(caller);

    assertEquals(List.of("consume", "streamEnd"), caller.calls);
    assertEquals("x".repeat(10), caller.got.toString(StandardCharsets.US_ASCII));
  }

  @Test
  void droppedItReadsAndDiscardsTheRest() throws Exception {
    HeldBody body = held();
    Channel channel = new Channel();
    body.consume(chunk('a', 65_536));
    body.updateCapacity(channel);

    body.drop();
    ByteBuffer rest = chunk('z', 100_000);
    body.consume(rest);
    body.updateCapacity(channel);

    assertEquals(List.of(Integer.MAX_VALUE, Integer.MAX_VALUE), channel.grants);
    assertTrue(!rest.hasRemaining(), "consumed and thrown away");
  }
}

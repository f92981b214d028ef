package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/** A 401's body kept while the manager decides, then handed on or dropped. */
class PendingBodyTest {
  private static final ResponseInfo INFO = new ResponseInfo() {
    @Override
    public int statusCode() {
      return 401;
    }

    @Override
    public HttpHeaders headers() {
      return HttpHeaders.of(Map.of(), (a, b) -> true);
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  };

  private static void arrive(PendingBody<?> body, String... chunks) {
    body.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {}

      @Override
      public void cancel() {}
    });
    for (String chunk : chunks) {
      body.onNext(List.of(ByteBuffer.wrap(chunk.getBytes(StandardCharsets.UTF_8))));
    }
    body.onComplete();
  }

  @Test
  void handedOnAfterTheBodyEndedReplaysItIntoTheCallersHandler() {
    CompletableFuture<Boolean> handedOn = new CompletableFuture<>();
    PendingBody<String> body = new PendingBody<>(handedOn, INFO, BodyHandlers.ofString());
    arrive(body, "token ", "expired");
    assertFalse(body.getBody().toCompletableFuture().isDone(), "waits for the manager");

    handedOn.complete(true);

    assertEquals("token expired", body.getBody().toCompletableFuture().join());
  }

  @Test
  void handedOnBeforeTheBodyEndedWaitsForTheBody() {
    PendingBody<byte[]> body = new PendingBody<>(CompletableFuture.completedFuture(true), INFO,
        BodyHandlers.ofByteArray());
    assertFalse(body.getBody().toCompletableFuture().isDone());

    arrive(body);

    assertEquals(0, body.getBody().toCompletableFuture().join().length);
  }

  @Test
  void droppedForARetryCompletesWithNullAndNeverAsksTheCallersHandler() {
    PendingBody<String> body = new PendingBody<>(CompletableFuture.completedFuture(false), INFO,
        info -> {
          throw new AssertionError("the caller's handler is not used for a dropped body");
        });
    arrive(body, "expired");

    assertNull(body.getBody().toCompletableFuture().join());
  }

  /** A connection that serves {@code chunks} as they are asked for, and counts what was asked. */
  private static final class Connection implements Flow.Subscription {
    private final PendingBody<?> body;
    private final java.util.ArrayDeque<String> chunks;
    long asked;
    boolean cancelled;
    private boolean serving;

    Connection(PendingBody<?> body, String... chunks) {
      this.body = body;
      this.chunks = new java.util.ArrayDeque<>(List.of(chunks));
    }

    @Override
    public void request(long n) {
      asked = asked + n < 0 ? Long.MAX_VALUE : asked + n;
      if (serving) {
        return; // the loop below goes on
      }
      serving = true;
      while (asked > 0 && !cancelled && !chunks.isEmpty()) {
        asked--;
        body.onNext(List.of(ByteBuffer.wrap(chunks.poll().getBytes(StandardCharsets.UTF_8))));
      }
      if (chunks.isEmpty() && !cancelled) {
        cancelled = true; // ended
        body.onComplete();
      }
      serving = false;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }

  @Test
  void whileTheFateIsOpenItReadsAheadToTheLimitAndThenWaitsNothingCut() {
    CompletableFuture<Boolean> handedOn = new CompletableFuture<>();
    PendingBody<String> body = new PendingBody<>(handedOn, INFO, BodyHandlers.ofString());
    String chunk = "x".repeat(16 * 1024);
    String[] chunks = new String[64]; // 1 MiB
    java.util.Arrays.fill(chunks, chunk);
    Connection connection = new Connection(body, chunks);
    body.onSubscribe(connection);

    assertEquals(60, connection.chunks.size(), "4 chunks (64 KiB) read ahead, then no more asked");
    assertEquals(0, connection.asked);

    handedOn.complete(true);

    String whole = body.getBody().toCompletableFuture().join();
    assertEquals(64 * chunk.length(), whole.length(), "the whole body, not the first 64 KiB");
    assertTrue(whole.chars().allMatch(c -> c == 'x'));
  }

  @Test
  void droppedWhileOpenReadsAndDiscardsTheRestWithoutTheCallersHandler() {
    CompletableFuture<Boolean> handedOn = new CompletableFuture<>();
    PendingBody<String> body = new PendingBody<>(handedOn, INFO, info -> {
      throw new AssertionError("the caller's handler is not used for a dropped body");
    });
    String[] chunks = new String[10];
    java.util.Arrays.fill(chunks, "y".repeat(16 * 1024));
    Connection connection = new Connection(body, chunks);
    body.onSubscribe(connection);
    assertFalse(body.getBody().toCompletableFuture().isDone());

    handedOn.complete(false);

    assertNull(body.getBody().toCompletableFuture().join());
    assertTrue(connection.chunks.isEmpty(), "read to the end: the connection can be reused");
  }

  @Test
  void aCallerThatCancelsStopsTheConnection() {
    CompletableFuture<Boolean> handedOn = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicReference<Flow.Subscription> given =
        new java.util.concurrent.atomic.AtomicReference<>();
    PendingBody<Void> body = new PendingBody<>(handedOn, INFO, info -> new java.net.http
        .HttpResponse.BodySubscriber<Void>() {
      @Override
      public CompletableFuture<Void> getBody() {
        return new CompletableFuture<>();
      }

      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        given.set(subscription);
      }

      @Override
      public void onNext(List<ByteBuffer> item) {}

      @Override
      public void onError(Throwable throwable) {}

      @Override
      public void onComplete() {}
    });
    String[] chunks = new String[10];
    java.util.Arrays.fill(chunks, "z".repeat(16 * 1024));
    Connection connection = new Connection(body, chunks);
    body.onSubscribe(connection);
    handedOn.complete(true);

    given.get().cancel();

    assertTrue(connection.cancelled);
    assertEquals(6, connection.chunks.size(), "nothing more read after the cancel");
  }

  @Test
  void aBodyThatFailsToArriveFailsTheResponse() {
    PendingBody<String> body = new PendingBody<>(CompletableFuture.completedFuture(true), INFO,
        BodyHandlers.ofString());
    body.onError(new IOException("connection reset"));

    CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
        CompletionException.class, () -> body.getBody().toCompletableFuture().join());
    assertEquals("connection reset", e.getCause().getMessage());
  }
}

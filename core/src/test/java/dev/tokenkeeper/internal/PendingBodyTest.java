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

  @Test
  void aBodyOverTheLimitIsHandedOnCutAtTheLimit() {
    PendingBody<String> body = new PendingBody<>(CompletableFuture.completedFuture(true), INFO,
        BodyHandlers.ofString());
    String half = "x".repeat(PendingBody.LIMIT / 2 + 10);
    arrive(body, half, half, "tail");

    String handedOn = body.getBody().toCompletableFuture().join();
    assertEquals(PendingBody.LIMIT, handedOn.length());
    assertTrue(handedOn.chars().allMatch(c -> c == 'x'));
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

package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.LoopbackTokenServer;
import dev.tokenkeeper.testing.LoopbackTokenServer.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How {@link TokenEndpoint#requestAsync} and {@link TokenEndpoint#request} behave around threads. */
class AsyncBehaviourTest {
  private final LoopbackTokenServer server = LoopbackTokenServer.start();
  private final CountDownLatch release = new CountDownLatch(1);
  private final TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/oauth/token"),
      ClientAuthentication.basic("id", "secret")).build();
  private final TokenRequest request = TokenRequest.of(Grant.clientCredentials());

  @AfterEach
  void stop() {
    release.countDown();
    server.close();
  }

  @Test
  void requestAsyncReturnsBeforeTheServerAnswers() {
    server.holdRepliesUntil(release);

    CompletableFuture<TokenResponse> future = endpoint.requestAsync(request);

    assertFalse(future.isDone());
    release.countDown();
    assertEquals("default-access", future.join().accessToken().value());
  }

  @Test
  void theFutureFailsWithTheTokenEndpointExceptionItselfAndGetWrapsItInExecutionException() {
    server.enqueue(Reply.json(400, "{\"error\":\"invalid_scope\"}"));
    AtomicReference<Throwable> inHandle = new AtomicReference<>();

    CompletableFuture<TokenResponse> future = endpoint.requestAsync(request);
    future.handle((r, t) -> {
      inHandle.set(t);
      return null;
    }).join();

    TokenEndpointException direct = assertInstanceOf(TokenEndpointException.class, inHandle.get());
    ExecutionException viaGet = assertThrows(ExecutionException.class, future::get);
    assertSame(direct, viaGet.getCause());
    CompletionException viaDerived = assertThrows(CompletionException.class,
        () -> future.thenApply(TokenResponse::accessToken).join());
    assertSame(direct, viaDerived.getCause());
  }

  @Test
  void theBlockingRequestThrowsAFreshExceptionWithTheAsyncOneAsCause() {
    server.enqueue(Reply.json(400, "{\"error\":\"invalid_scope\",\"error_description\":\"d\","
        + "\"error_uri\":\"https://e/x\"}").withHeader("Retry-After", "3"));

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> endpoint.request(request));

    TokenEndpointException cause = assertInstanceOf(TokenEndpointException.class, e.getCause());
    assertEquals(cause.getMessage(), e.getMessage());
    assertEquals(cause.error(), e.error());
    assertEquals(cause.errorDescription(), e.errorDescription());
    assertEquals(cause.errorUri(), e.errorUri());
    assertEquals(cause.retryAfter(), e.retryAfter());
    assertEquals(400, e.statusCode());
  }

  @Test
  void cancellingTheFutureCancelsIt() {
    server.holdRepliesUntil(release);

    CompletableFuture<TokenResponse> future = endpoint.requestAsync(request);
    assertTrue(future.cancel(true));

    assertThrows(CancellationException.class, future::join);
  }

  @Test
  void anInterruptedBlockingRequestRestoresTheFlagAndFailsWithStatusZero() throws Exception {
    server.holdRepliesUntil(release);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      try {
        endpoint.request(request);
      } catch (RuntimeException e) {
        thrown.set(e);
        flag.set(Thread.currentThread().isInterrupted());
      }
    });
    caller.start();
    while (server.requests().isEmpty()) {
      Thread.onSpinWait();
    }

    caller.interrupt();
    caller.join(TimeUnit.SECONDS.toMillis(10));

    TokenEndpointException e = assertInstanceOf(TokenEndpointException.class, thrown.get());
    assertEquals(0, e.statusCode());
    assertEquals("interrupted while waiting for the token endpoint; the request was cancelled",
        e.getMessage());
    assertTrue(flag.get());
  }

  @Test
  void manyThreadsShareOneEndpointAndEachRequestIsSentExactlyOnce() throws Exception {
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<TokenResponse>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      results.add(pool.submit(() -> {
        start.await();
        return endpoint.request(request);
      }));
    }

    start.countDown();
    for (Future<TokenResponse> result : results) {
      assertEquals("default-access", result.get(30, TimeUnit.SECONDS).accessToken().value());
    }
    pool.shutdown();

    assertEquals(threads, server.requests().size());
  }
}

package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.allWaiting;
import static dev.tokenkeeper.testing.TokenManagerFixture.await;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The listeners of a token request's outcome have run before the callers waiting for it are
 * released, and a listener may call the manager for the same key without deadlocking.
 */
class TokenListenerOrderTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final List<String> events = new CopyOnWriteArrayList<>();
  /** For the tests whose listener calls back into the manager it listens to. */
  private TokenManager manager;
  private ExecutorService executor;

  @AfterEach
  void stop() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  /** A listener that records {@code onToken}/{@code onFailure}, after {@code hold} opens. */
  private TokenListener holding(CountDownLatch entered, CountDownLatch hold) {
    return new TokenListener() {
      @Override
      public void onToken(String key, TokenResponse response, RefreshCause cause) {
        pause();
        events.add("token " + key + " " + cause);
      }

      @Override
      public void onFailure(String key, Throwable failure, boolean stillServing) {
        pause();
        events.add("failure " + key + " " + stillServing);
      }

      private void pause() {
        entered.countDown();
        try {
          assertTrue(hold.await(15, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  @Test
  void whenATokenArrivesThenItsListenersHaveRunBeforeTheWaitingCallersAreReleased()
      throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    ScriptedServer server = fx.serve(r -> {
      answer.await(15, TimeUnit.SECONDS);
      return ok("at-1", 3600, null);
    });
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch hold = new CountDownLatch(1);
    TokenManager manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials())
        .listener(holding(entered, hold)));

    List<CompletableFuture<AccessToken>> async = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<String> seenBySyncCallers = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 4; i++) {
      async.add(manager.tokenAsync("k1"));
      Thread t = new Thread(() -> {
        manager.token("k1");
        seenBySyncCallers.add(String.join(",", events));
      });
      threads.add(t);
      t.start();
    }
    await("all callers wait", () -> allWaiting(threads));
    answer.countDown();

    assertTrue(entered.await(15, TimeUnit.SECONDS));
    // The listener is running: nobody waiting for this token has it yet.
    assertTrue(async.stream().noneMatch(CompletableFuture::isDone));
    assertTrue(seenBySyncCallers.isEmpty());
    hold.countDown();

    for (CompletableFuture<AccessToken> f : async) {
      assertEquals("at-1", f.get(15, TimeUnit.SECONDS).value());
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(15));
    }
    assertEquals(List.of("token k1 INITIAL", "token k1 INITIAL", "token k1 INITIAL",
        "token k1 INITIAL"), seenBySyncCallers);
    assertEquals(1, server.count());
  }

  @Test
  void whenARequestFailsThenItsListenersHaveRunBeforeTheWaitingCallersAreReleased()
      throws Exception {
    fx.serve(r -> Answer.error(401, "invalid_client"));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch hold = new CountDownLatch(1);
    TokenManager manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials())
        .listener(holding(entered, hold)));

    CompletableFuture<AccessToken> pending = manager.tokenAsync("k1");
    assertTrue(entered.await(15, TimeUnit.SECONDS));
    assertFalse(pending.isDone(), "released before its onFailure listener ran");
    hold.countDown();

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> pending.get(15, TimeUnit.SECONDS));
    assertInstanceOf(TokenEndpointException.class, e.getCause());
    assertEquals(List.of("failure k1 false"), events);
  }

  @Test
  void aListenerThatCallsTokenForTheSameKeyGetsTheNewTokenWithoutDeadlock() throws Exception {
    fx.serve(r -> ok("at-" + fx.server().count(), 3600, null));
    // One executor thread: waiting there for the request being handled there would deadlock.
    executor = Executors.newSingleThreadExecutor();
    List<String> fromListener = new CopyOnWriteArrayList<>();
    manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials())
        .executor(executor)
        .listener(new TokenListener() {
          @Override
          public void onToken(String key, TokenResponse response, RefreshCause cause) {
            fromListener.add(manager.token(key).value());
            fromListener.add(manager.tokenAsync(key).join().value());
          }
        }));

    assertEquals("at-1", manager.tokenAsync("k1").get(15, TimeUnit.SECONDS).value());
    assertEquals(List.of("at-1", "at-1"), fromListener);
    assertEquals(1, fx.server().count());
  }

  @Test
  void aFailureListenerThatCallsTokenForTheSameKeyStartsANewRequestWithoutDeadlock()
      throws Exception {
    AtomicInteger calls = new AtomicInteger();
    ScriptedServer server = fx.serve(r -> calls.incrementAndGet() == 1
        ? Answer.error(400, "invalid_request") : ok("at-2", 3600, null));
    List<String> fromListener = new CopyOnWriteArrayList<>();
    manager = fx.manager(fx.builder()
        .primaryGrant(Grant.clientCredentials())
        .failureCoolDown(Duration.ZERO) // else the listener's call fails fast, as callers do
        .listener(new TokenListener() {
          @Override
          public void onFailure(String key, Throwable failure, boolean stillServing) {
            fromListener.add(manager.token(key).value()); // not the failed request: a new one
          }
        }));

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> manager.tokenAsync("k1").get(15, TimeUnit.SECONDS));
    assertInstanceOf(TokenEndpointException.class, e.getCause());
    assertEquals(List.of("at-2"), fromListener);
    assertEquals("at-2", manager.token("k1").value());
    assertEquals(2, server.count());
  }
}

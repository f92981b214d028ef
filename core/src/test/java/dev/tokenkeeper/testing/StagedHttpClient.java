package dev.tokenkeeper.testing;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A JDK {@link HttpClient} for request-timeout tests: {@code sendAsync} returns only once the
 * exchange has reached a stage (the provider has the request, or the response headers are in),
 * with the JDK's own pre-header timer stretched to 30 s; or once the JDK client has given up. A {@code TokenEndpoint} starts its own
 * deadline when {@code sendAsync} returns, so its timeout can then only run out in the stage the
 * test is about, however slow the machine: left alone, a loaded machine sometimes had not even
 * connected when a 300 ms timeout ran out, and the JDK reports its request timer as an
 * {@code HttpConnectTimeoutException} then. Remembers the timeout the caller set.
 * Thread-safe; one exchange at a time.
 */
public final class StagedHttpClient extends DelegatingHttpClient {
  private final String stage;
  private final BooleanSupplier reached;
  private final boolean stretch;
  private volatile Optional<Duration> requestTimeout = Optional.empty();

  private StagedHttpClient(HttpClient delegate, String stage, BooleanSupplier reached,
      boolean stretch) {
    super(delegate);
    this.stage = stage;
    this.reached = reached;
    this.stretch = stretch;
  }

  /** Returns from {@code sendAsync} once the response headers have arrived. */
  public static StagedHttpClient afterHeaders(HttpClient delegate) {
    return new StagedHttpClient(delegate, "the response headers", null, true);
  }

  /** Returns from {@code sendAsync} once {@code reached} holds, e.g. the provider has the request. */
  public static StagedHttpClient after(HttpClient delegate, String stage, BooleanSupplier reached) {
    return new StagedHttpClient(delegate, stage, reached, true);
  }

  /**
   * Returns from {@code sendAsync} once the JDK client has answered or given up, its own
   * timeouts untouched: a JDK timer then always fires before the caller's deadline starts.
   */
  public static StagedHttpClient afterTheJdkGaveUp(HttpClient delegate) {
    return new StagedHttpClient(delegate, "the JDK client's answer or failure", null, false);
  }

  /** The timeout the caller set on its last request. */
  public Optional<Duration> requestTimeout() {
    return requestTimeout;
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      BodyHandler<T> handler) {
    requestTimeout = request.timeout();
    HttpRequest stretched = !stretch ? request
        : HttpRequest.newBuilder(request, (name, value) -> true)
            .timeout(Duration.ofSeconds(30)).build();
    CountDownLatch arrived = new CountDownLatch(1);
    CompletableFuture<HttpResponse<T>> sent = delegate.sendAsync(stretched, info -> {
      arrived.countDown();
      return handler.apply(info);
    });
    if (!stretch) {
      TokenManagerFixture.await(stage, sent::isDone);
    } else if (reached != null) {
      TokenManagerFixture.await(stage, () -> reached.getAsBoolean() || sent.isDone());
    } else {
      try {
        if (!arrived.await(15, TimeUnit.SECONDS)) {
          throw new AssertionError("timed out waiting for " + stage);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + stage, e);
      }
    }
    return sent;
  }
}

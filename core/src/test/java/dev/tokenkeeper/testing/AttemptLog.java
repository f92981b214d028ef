package dev.tokenkeeper.testing;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A JDK {@link HttpClient} that numbers every request it sends (header {@value #HEADER}) and
 * remembers which ones never brought an answer to the caller: timed out, reset, or failed while
 * the body was read. {@link ChaosTokenEndpoint} reads the number, so that a refresh token it
 * rotated in an answer the client never read (inherent: the provider processed a request whose
 * answer was lost) is told apart from one the client saw and sent again (a defect). An answer
 * that arrives in the instant its caller's deadline runs out still counts as answered, so the
 * check errs on the strict side. Thread-safe.
 */
public final class AttemptLog extends DelegatingHttpClient {
  /** The request header that carries the attempt's number. */
  public static final String HEADER = "X-Chaos-Attempt";

  private final AtomicLong attempts = new AtomicLong();
  private final Set<Long> unanswered = ConcurrentHashMap.newKeySet();

  public AttemptLog(HttpClient delegate) {
    super(delegate);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      BodyHandler<T> handler) {
    long attempt = attempts.incrementAndGet();
    HttpRequest numbered = HttpRequest.newBuilder(request, (name, value) -> true)
        .header(HEADER, Long.toString(attempt)).build();
    // The caller's own future: its deadline cancels it, which counts as unanswered too.
    CompletableFuture<HttpResponse<T>> sent = delegate.sendAsync(numbered, handler);
    sent.whenComplete((response, failure) -> {
      if (failure != null) {
        unanswered.add(attempt);
      }
    });
    return sent;
  }

  /** Whether the caller never got the answer to attempt {@code attempt}. */
  public boolean unanswered(long attempt) {
    return unanswered.contains(attempt);
  }
}

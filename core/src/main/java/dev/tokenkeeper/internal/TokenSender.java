package dev.tokenkeeper.internal;

import dev.tokenkeeper.BudgetStatus;
import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenResponse;
import dev.tokenkeeper.internal.budget.BudgetQueue;
import dev.tokenkeeper.internal.budget.RateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The one place where a {@code TokenManager} sends a token request or a revocation to the
 * provider, and so where the token-endpoint budget gates them. Never throws: a request that cannot
 * be sent gives a failed future. Thread-safe. Not part of the API.
 *
 * <p><b>The invariants it guards.</b> With a budget, nothing reaches the provider without a permit
 * of the endpoint's {@link RateLimiter} (shared by every manager on the endpoint): a request that
 * finds none queues in the {@link BudgetQueue}, callers who wait ahead of refreshes ahead of
 * expiry, and is refused after the budget's maximum wait. A 429 or 503 with {@code Retry-After} on
 * any request pauses the whole budget until then; a 429 without it pauses for the retry policy's
 * backoff, growing while 429s follow each other. A request of a revoked key, or of a closed
 * manager, still waiting is never sent.
 */
public final class TokenSender {

  /**
   * Where requests go: the {@link TokenEndpoint} in production; a synchronous fake in
   * interleaving tests (model checkers cannot follow real I/O threads).
   */
  public interface Transport {
    CompletableFuture<TokenResponse> request(TokenRequest request);

    CompletableFuture<Void> revoke(String token, String tokenTypeHint);

    boolean supportsRevocation();

    /** Whether and how a key is sent as {@code endpoint_id}: the endpoint's dialect. */
    default Dialect dialect() {
      return Dialect.standard();
    }

    /** The endpoint itself. */
    static Transport of(TokenEndpoint endpoint) {
      return new Transport() {
        @Override
        public CompletableFuture<TokenResponse> request(TokenRequest request) {
          return endpoint.requestAsync(request);
        }

        @Override
        public CompletableFuture<Void> revoke(String token, String tokenTypeHint) {
          return endpoint.revokeAsync(token, tokenTypeHint);
        }

        @Override
        public boolean supportsRevocation() {
          return endpoint.supportsRevocation();
        }

        @Override
        public Dialect dialect() {
          return endpoint.dialect();
        }
      };
    }
  }

  private final Transport transport;
  private final ManagerContext ctx;
  /** {@code null} without a budget. */
  private final BudgetQueue budget;
  /** 429 answers without {@code Retry-After} in a row: the exponent of the pause. */
  private final AtomicInteger bare429s = new AtomicInteger();

  public TokenSender(Transport transport, ManagerContext ctx) {
    this(transport, ctx, null);
  }

  /**
   * @param budget the queue in front of the endpoint's limiter, or {@code null} for no budget
   */
  public TokenSender(Transport transport, ManagerContext ctx, BudgetQueue budget) {
    this.transport = transport;
    this.ctx = ctx;
    this.budget = budget;
  }

  /**
   * Sends one token request for {@code slot}'s key, when the budget has a slot for it.
   *
   * @param cause why: {@link RefreshCause#AHEAD_OF_EXPIRY} queues behind callers who wait
   * @param basis the state the request renews, whose expiry margin orders refreshes; or
   *     {@code null}
   */
  public CompletableFuture<TokenResponse> send(KeySlot slot, TokenRequest request,
      RefreshCause cause, TokenState basis) {
    if (budget == null) {
      return sendNow(slot.key, request, cause);
    }
    BudgetQueue.Lane lane = cause == RefreshCause.AHEAD_OF_EXPIRY
        ? BudgetQueue.Lane.REFRESH : BudgetQueue.Lane.WAITING;
    long deadline = basis != null ? basis.usableUntil : ctx.now();
    CompletableFuture<TokenResponse> result = new CompletableFuture<>();
    BudgetQueue.Ticket ticket = budget.submit(
        new Budgeted<>(slot, true, result, () -> sendNow(slot.key, request, cause)), lane,
        deadline);
    if (ticket.queued()) {
      slot.budgetTicket = ticket;
      ctx.events.budgetDeferred(slot.key, cause, nextSlot());
    }
    return result;
  }

  /** A caller now waits for {@code slot}'s queued request: it goes ahead of the refreshes. */
  public void promote(KeySlot slot) {
    BudgetQueue.Ticket ticket = slot.budgetTicket;
    if (ticket != null) {
      ticket.promote();
    }
  }

  /** Revokes one token; the future completes with the failure, or {@code null} on success. */
  public CompletableFuture<Throwable> revoke(KeySlot slot, String token, String tokenTypeHint) {
    CompletableFuture<Void> sent;
    if (budget == null) {
      sent = revokeNow(slot.key, token, tokenTypeHint);
    } else {
      // A revocation waits like a caller: someone is signing out, and its token must die now.
      sent = new CompletableFuture<>();
      budget.submit(new Budgeted<>(slot, false, sent, () -> revokeNow(slot.key, token, tokenTypeHint)),
          BudgetQueue.Lane.WAITING, ctx.now());
    }
    return sent.handle((v, e) -> e == null ? null : Failures.unwrap(e));
  }

  /** The endpoint's dialect: whether and how a key is sent as {@code endpoint_id}. */
  public Dialect dialect() {
    return transport.dialect();
  }

  public boolean supportsRevocation() {
    return transport.supportsRevocation();
  }

  /** The budget's state, when there is one. */
  public Optional<BudgetStatus> budgetStatus() {
    if (budget == null) {
      return Optional.empty();
    }
    BudgetQueue.Snapshot s = budget.snapshot();
    RateLimiter.Usage u = s.usage();
    Instant now = ctx.clock.instant();
    return Optional.of(new BudgetStatus(budget.budget(), u.used(),
        u.pausedForNanos() > 0 ? now.plusNanos(u.pausedForNanos()) : null,
        now.plusNanos(u.nextSlotInNanos()), s.queued(), s.waiting(), s.sent(), s.queuedTotal(),
        s.deferred(), s.refused()));
  }

  /** The manager closes: requests still waiting for a slot fail at once. */
  public void close() {
    if (budget != null) {
      budget.dropAll();
    }
  }

  private Instant nextSlot() {
    return ctx.clock.instant().plusNanos(budget.limiter().usage().nextSlotInNanos());
  }

  // ---- sending ---------------------------------------------------------------------------

  private CompletableFuture<TokenResponse> sendNow(String key, TokenRequest request,
      RefreshCause cause) {
    ctx.requests.increment();
    String grantType = request.grant().grantType();
    ctx.events.requestSent(key, grantType, cause);
    long sent = ctx.now();
    CompletableFuture<TokenResponse> answer;
    try {
      answer = transport.request(request);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    // Heard before anyone acts on the answer: whenComplete's stage completes after the listeners.
    answer = answer.whenComplete((response, failure) -> ctx.events.requestCompleted(key,
        grantType, cause, ctx.now() - sent, failure == null ? null : Failures.unwrap(failure)));
    return answered(key, answer);
  }

  private CompletableFuture<Void> revokeNow(String key, String token, String tokenTypeHint) {
    CompletableFuture<Void> answer;
    try {
      answer = transport.revoke(token, tokenTypeHint);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return answered(key, answer);
  }

  /**
   * The answer, once the budget has heard of it: a pause the provider asked for is in force, and
   * the permit's slot counts from the answer, before anyone waiting on the answer goes on.
   */
  private <T> CompletableFuture<T> answered(String key, CompletableFuture<T> answer) {
    if (budget == null) {
      return answer;
    }
    return answer.whenComplete((v, failure) -> {
      try {
        observe(failure);
      } finally {
        budget.completed(key);
      }
    });
  }

  /**
   * The provider's own signal wins: its rate limits are per application, so a 429 or 503 with
   * {@code Retry-After} on any request pauses every key's requests until then.
   */
  private void observe(Throwable failure) {
    if (failure == null) {
      bare429s.set(0);
      return;
    }
    if (!(Failures.unwrap(failure) instanceof TokenEndpointException tee)) {
      return;
    }
    int status = tee.statusCode();
    Optional<Duration> retryAfter = tee.retryAfter();
    if ((status == 429 || status == 503) && retryAfter.isPresent()) {
      bare429s.set(0);
      budget.pause(retryAfter.get());
    } else if (status == 429) {
      // No Retry-After: the retry policy's backoff cap, doubling with each 429 in a row.
      budget.pause(ctx.retryPolicy.backoff(bare429s.incrementAndGet(), 1.0));
    }
  }

  /** A request waiting in the budget's queue, answering {@code result}. */
  private final class Budgeted<T> implements BudgetQueue.Request {
    private final KeySlot slot;
    /** A token request (not sent once its key is revoked), or a revocation (always sent). */
    private final boolean tokenRequest;
    private final CompletableFuture<T> result;
    private final Supplier<CompletableFuture<T>> sender;

    Budgeted(KeySlot slot, boolean tokenRequest, CompletableFuture<T> result,
        Supplier<CompletableFuture<T>> sender) {
      this.slot = slot;
      this.tokenRequest = tokenRequest;
      this.result = result;
      this.sender = sender;
    }

    @Override
    public String key() {
      return slot.key;
    }

    @Override
    public boolean wanted() {
      return !ctx.closed() && !(tokenRequest && slot.revoked());
    }

    @Override
    public void send() {
      if (tokenRequest) {
        slot.budgetTicket = null;
      }
      sender.get().whenComplete((v, e) -> {
        if (e != null) {
          result.completeExceptionally(Failures.unwrap(e));
        } else {
          result.complete(v);
        }
      });
    }

    @Override
    public void refuse(dev.tokenkeeper.TokenBudgetExceededException e) {
      if (tokenRequest) {
        slot.budgetTicket = null;
      }
      result.completeExceptionally(e);
    }

    @Override
    public void dropped() {
      if (tokenRequest) {
        slot.budgetTicket = null;
      }
      result.completeExceptionally(ctx.closed()
          ? new IllegalStateException("this TokenManager was closed while the request for key '"
              + slot.key + "' waited for a token-budget slot; build a new one")
          : KeyLifecycle.reauthentication(slot.key, "the tokens of key '" + slot.key + "' were"
              + " revoked while a token request waited for a token-budget slot; it was not"
              + " sent. Sign the user in again and put() the new token, or call token() again"
              + " to acquire one with the primary grant", null));
    }
  }
}

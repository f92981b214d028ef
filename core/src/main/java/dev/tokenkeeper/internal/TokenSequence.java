package dev.tokenkeeper.internal;

import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.TokenBudgetExceededException;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenResponse;
import dev.tokenkeeper.TokenStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One token request sequence for one key, started by whoever claimed the slot's request: the
 * refresh or the primary grant, the retries of transient failures, the fallback to the primary
 * grant after {@code invalid_grant}, and the cool-down after a failure. Not part of the API.
 *
 * <p><b>The invariants it guards.</b> A refresh token the provider refused is taken out of the
 * key's state before anything else is sent, so it is never sent again. Retries stay within the
 * {@link dev.tokenkeeper.RetryPolicy} budget and honour {@code Retry-After} (saturated, never an
 * overflow); a retry that cannot be scheduled fails the sequence rather than running inline. The
 * slot's request is always released, whatever happens, before the waiting callers are.
 */
final class TokenSequence {
  /** The least cool-down after a failed background refresh. */
  private static final long MINIMUM_COOL_DOWN = 1_000_000_000L;
  /** The longest cool-down, whatever {@code Retry-After} says: an hour. */
  static final long MAXIMUM_COOL_DOWN = 3_600_000_000_000L;

  private final KeyLifecycle life;
  private final ManagerContext ctx;
  private final KeySlot slot;
  private final CompletableFuture<TokenState> promise;
  private final long started;
  private TokenState basis;
  private RefreshCause cause;
  private TokenRequest request;
  private boolean refresh;
  private int attempts;
  /**
   * The cluster-wide lease while this sequence holds it (shared store only): renewed by the store
   * while the request is open, and ended by the fenced write, a release or a removal.
   */
  private TokenStore.Lease lease;
  /** The state the lease was taken for; a different state at the end is written back. */
  private TokenState leased;
  /** Whether the store was re-read after an invalid_grant (once per sequence). */
  private boolean reread;
  /** The store's version of {@link #basis} (0: none, or never stored): see removedElsewhere. */
  private long basisVersion;
  /** The version the lease was granted at. */
  private long leaseVersion;

  TokenSequence(KeyLifecycle life, KeySlot slot, TokenState basis, RefreshCause cause,
      CompletableFuture<TokenState> promise) {
    this.life = life;
    this.ctx = life.ctx;
    this.slot = slot;
    this.basis = basis;
    this.cause = cause;
    this.promise = promise;
    this.started = ctx.now();
  }

  void start() {
    if (life.shared == null) {
      begin();
      return;
    }
    basisVersion = basis == null ? 0 : slot.version();
    claim(slot.version());
  }

  // ---- the shared store: one request per key in the cluster --------------------------------

  /**
   * Asks the store for the key's lease, having seen {@code seen}. Granted: this instance sends.
   * A newer state: served if usable (another instance got it), else judged and claimed again.
   * The store unreachable: this instance carries on alone.
   */
  private void claim(long seen) {
    life.shared.claim(slot.key, seen).whenComplete((claim, failure) -> ctx.execute(() -> {
      try {
        claimed(claim, failure);
      } catch (Throwable t) {
        fail(t);
        if (t instanceof Error e) {
          throw e;
        }
      }
    }));
  }

  private void claimed(TokenStore.Claim claim, Throwable failure) {
    if (failure != null) {
      life.shared.unavailable(slot.key, failure);
      begin();
      return;
    }
    if (claim.lease() != null) {
      lease = claim.lease();
      leaseVersion = lease.version();
      leased = basis;
      begin();
      return;
    }
    TokenStore.Entry newer = claim.newer();
    if (basis != null && basisVersion > 0 && newer.isAbsent() && newer.version() > basisVersion) {
      removedElsewhere(null);
      return;
    }
    TokenState remote = life.shared.decode(slot.key, newer);
    if (remote != null && servable(remote)) {
      adopt(remote, newer.version());
      return;
    }
    if (remote != null) {
      // Stale or expired there too: refresh from the newest state (its refresh token is the
      // live one; ours may have been rotated away by the instance that wrote it).
      if (!slot.replace(basis, remote, newer.version())) {
        if (slot.state != null) {
          adopt(remote, newer.version()); // a put() landed meanwhile: it wins (SUPERSEDED)
        } else {
          fail(new IllegalStateException("the state of key '" + slot.key + "' ended while its"
              + " request waited for the shared store; call again"));
        }
        return;
      }
      basis = remote;
      basisVersion = newer.version();
    }
    // The version is claimed together with the state it belongs to (or, when the store holds
    // none, with ours): never a version newer than the refresh token we would send.
    claim(newer.version());
  }

  /** Whether a state another instance stored answers this sequence's callers. */
  private boolean servable(TokenState remote) {
    long now = ctx.now();
    if (now >= remote.usableUntil || remote.sessionOver(now, ctx.wallNow(), slot.lastUsed)) {
      return false;
    }
    if (cause == RefreshCause.REJECTED && basis != null
        && remote.token.value().equals(basis.token.value())) {
      return false; // the very token the resource server refused
    }
    return cause != RefreshCause.AHEAD_OF_EXPIRY || now < remote.refreshAt;
  }

  /** Serves the state another instance stored, without a request of our own. */
  private void adopt(TokenState remote, long version) {
    TokenState result = remote;
    switch (slot.publish(basis, remote, version)) {
      case STORED -> life.installed(slot, ctx.now());
      case SUPERSEDED -> {
        TokenState current = slot.state;
        result = current != null ? current : remote;
        life.table.retime(slot);
      }
      case DROPPED -> life.table.retime(slot);
      case REVOKED -> {
        life.table.retime(slot);
        promise.completeExceptionally(KeyLifecycle.reauthentication(slot.key, "the tokens of"
            + " key '" + slot.key + "' were revoked while a token request was in flight. Sign"
            + " the user in again and put() the new token, or call token() again to acquire one"
            + " with the primary grant", null));
        return;
      }
    }
    promise.complete(result);
  }

  /** Ends the lease: writes what changed locally (a stripped or rotated refresh token), or not. */
  private void endLease(TokenState current) {
    TokenStore.Lease l = lease;
    if (l == null) {
      return;
    }
    lease = null;
    if (current != null && current != leased) {
      l.write(life.shared.encode(current), life.shared.expiresAt(current))
          .whenComplete((w, f) -> {
            if (f != null) {
              life.shared.unavailable(slot.key, f);
            } else if (w.written()) {
              slot.advanceVersionIf(current, w.current().version());
            }
          });
    } else {
      l.release();
    }
  }

  // ---- the request -----------------------------------------------------------------------

  private void begin() {
    try {
      if (basis == null && !ctx.hasPrimaryGrant()) {
        throw KeyLifecycle.reauthentication(slot.key, "no token is held for key '" + slot.key
            + "' (in this instance or the shared store) and no primary grant is configured:"
            + " put() a token after the user signs in, or set TokenManager.Builder.primaryGrant",
            null);
      }
      if (basis == null && slot.reacquire()) {
        cause = RefreshCause.REACQUIRED;
      }
      if (basis != null && basis.refreshTokenAlive(started)) {
        refresh = true;
        request = life.refreshRequest(slot.key, basis);
      } else if (ctx.hasPrimaryGrant()) {
        if (basis != null && basis.refreshToken != null) {
          cause = RefreshCause.REACQUIRED;
        }
        request = life.primaryRequestFor(slot.key);
      } else {
        throw KeyLifecycle.reauthentication(slot.key, "the refresh token of key '" + slot.key
            + "' has expired and no primary grant is configured; sign the user in again", null);
      }
      send();
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void send() {
    attempts++;
    life.sender.send(slot, request, cause, basis)
        .whenComplete((response, failure) -> ctx.execute(() -> handle(response, failure)));
  }

  /** The next attempt, when its delay is over (or at once when the manager is closed). */
  private void retry() {
    if (ctx.closed()) {
      fail(new IllegalStateException("this TokenManager was closed while the token request for"
          + " key '" + slot.key + "' waited to be retried; build a new one"));
      return;
    }
    if (slot.retired()) {
      fail(KeyLifecycle.reauthentication(slot.key, "the token request for key '" + slot.key
          + "' waited to be retried when the key was forgotten (invalidate, revoke or"
          + " eviction); it was not sent again. Call token() again", null));
      return;
    }
    send();
  }

  private void handle(TokenResponse response, Throwable failure) {
    try {
      if (failure == null) {
        succeed(response);
      } else {
        retryOrFail(Failures.unwrap(failure));
      }
    } catch (Throwable t) {
      // Never leave the request slot taken: the key would be stuck for good.
      fail(t);
      if (t instanceof Error e) {
        throw e;
      }
    }
  }

  private void succeed(TokenResponse response) {
    long now = ctx.now();
    TokenRequest base = refresh ? basis.request : KeyLifecycle.baseRequest(request, response);
    TokenState next = life.newState(slot.key, response, base, refresh ? basis : null, now,
        ctx.wallNow());
    TokenStore.Lease l = lease;
    if (l == null) {
      publish(response, next, 0);
      return;
    }
    lease = null;
    // The fenced write: stored only if the lease is still ours and nobody wrote since.
    l.write(life.shared.encode(next), life.shared.expiresAt(next))
        .whenComplete((w, f) -> ctx.execute(() -> {
          try {
            written(response, next, w, f);
          } catch (Throwable t) {
            fail(t);
            if (t instanceof Error e) {
              throw e;
            }
          }
        }));
  }

  private void written(TokenResponse response, TokenState next, TokenStore.Write w,
      Throwable failure) {
    if (failure != null) {
      life.shared.unavailable(slot.key, failure);
      publish(response, next, 0);
      return;
    }
    if (w.written()) {
      publish(response, next, w.current().version());
      return;
    }
    if (w.current().isAbsent() && w.current().version() > leaseVersion) {
      removedElsewhere(next);
      return;
    }
    // Fenced off: another instance stored a newer state while this request ran (this one's
    // lease lapsed). The cluster keeps its state; the callers get it if it is usable.
    TokenState remote = life.shared.decode(slot.key, w.current());
    Events.debug(() -> "the answer for key '" + slot.key + "' was fenced off by version "
        + w.current().version() + " in the shared store");
    if (remote != null && ctx.now() < remote.usableUntil) {
      (refresh ? ctx.refreshes : ctx.acquisitions).increment();
      adopt(remote, w.current().version());
      return;
    }
    publish(response, next, 0);
  }

  private void publish(TokenResponse response, TokenState next, long version) {
    long now = ctx.now();
    TokenState result = next;
    switch (slot.publish(basis, next, version)) {
      case STORED -> life.installed(slot, now);
      case SUPERSEDED -> {
        // put() stored a token meanwhile; it wins, and the callers get it.
        TokenState current = slot.state;
        result = current != null ? current : next;
        life.table.retime(slot);
      }
      case DROPPED -> life.table.retime(slot); // invalidated meanwhile: callers get it, no one keeps it
      case REVOKED -> {
        revokedMeanwhile(next);
        return;
      }
    }
    (refresh ? ctx.refreshes : ctx.acquisitions).increment();
    // The slot is free before the listeners run, so a listener calling token(key) sees the new
    // state (or starts a new request), never this promise; the callers are released after the
    // listeners, so what a listener recorded is visible to them (see TokenListener).
    try {
      ctx.events.token(slot.key, response, cause);
    } finally {
      promise.complete(result); // even if a listener threw an Error
    }
  }

  /**
   * The key was removed from the shared store (revoke or invalidate on another instance) after
   * the state this request started from was stored: that state's tokens are dead in the whole
   * cluster, and its refresh token is not sent (any more). {@code answer}, the tokens this request
   * got meanwhile (its lease had lapsed while the other instance held the key's lease), is not
   * served and is revoked, so the removal is not undone here; {@code null} when nothing was sent.
   */
  private void removedElsewhere(TokenState answer) {
    if (answer != null && life.sender.supportsRevocation()) {
      life.revokeQuietly(slot, answer);
    }
    TokenState current = slot.state;
    if (current != null && current != basis && !slot.retired()) {
      // A put() landed meanwhile (a sign-in here): that token is the answer.
      if (slot.release()) {
        life.table.reinsert(slot);
      } else {
        life.table.retime(slot);
      }
      promise.complete(current);
      return;
    }
    ReauthenticationRequiredException reauth = KeyLifecycle.reauthentication(slot.key,
        "the tokens of key '" + slot.key + "' were removed from the shared store by another"
        + " instance (revoke or invalidate) while this instance was refreshing them; no refresh"
        + " token of theirs is sent again. Sign the user in again and put() the new token, or"
        + " call token() again to acquire one with the primary grant", null);
    boolean evicted = slot.release();
    life.end(slot, basis, false);
    if (evicted) {
      life.table.reinsert(slot);
    } else {
      life.table.retime(slot);
    }
    notifyAndComplete(reauth, false);
  }

  /** The key was revoked while this request was in flight: its answer must not be served. */
  private void revokedMeanwhile(TokenState answer) {
    // Set before the callers (and revoke(key), which waits on this request) are released.
    slot.lateRevoked = answer;
    slot.lateRevocation = life.revokeQuietly(slot, answer);
    ReauthenticationRequiredException reauth = KeyLifecycle.reauthentication(slot.key,
        "the tokens of key '" + slot.key + "' were revoked while a token request was in flight;"
        + " the tokens it brought were revoked too. Sign the user in again and put() the new"
        + " token, or call token() again to acquire one with the primary grant", null);
    notifyAndComplete(reauth, false);
  }

  private void retryOrFail(Throwable failure) {
    if (failure instanceof TokenBudgetExceededException refusal) {
      budgetRefused(refusal);
      return;
    }
    if (refresh && failure instanceof RefusedTokenAnswer refused) {
      // The refresh token sent is rotated (dead); the refused answer brought its successor.
      TokenState rotated = basis.withRefreshToken(refused.refreshToken());
      if (slot.replace(basis, rotated)) {
        basis = rotated;
      }
    }
    if (failure instanceof TokenEndpointException tee) {
      if (refresh && tee.isInvalidGrant()) {
        if (life.shared != null && !reread) {
          rereadBeforeDeclaringDead(tee);
        } else {
          refusedRefreshToken(tee);
        }
        return;
      }
      if (tee.isTransient()) {
        long elapsed = Times.minus(ctx.now(), started);
        if (attempts >= ctx.retryPolicy.maxAttempts()) {
          fail(budgetUsedUp(tee, elapsed, -1));
          return;
        }
        long delay = tee.retryAfter().map(Times::nanos).orElseGet(() -> Times.nanos(
            ctx.retryPolicy.backoff(attempts, ThreadLocalRandom.current().nextDouble())));
        if (Times.add(elapsed, delay) > Times.nanos(ctx.retryPolicy.maxElapsed())) {
          fail(budgetUsedUp(tee, elapsed, delay));
          return;
        }
        Events.debug(() -> "token request for key '" + slot.key + "' failed transiently (status "
            + tee.statusCode() + "); attempt " + (attempts + 1) + " in " + Times.duration(delay));
        if (!ctx.schedule(this::retry, delay)) {
          fail(new TokenEndpointException("token request for key '" + slot.key + "' failed"
              + " transiently and its retry could not be scheduled (the scheduler refused it;"
              + " see TokenManager.Builder.scheduler). Last failure: " + tee.getMessage(),
              tee.statusCode(), tee.error().orElse(null), tee.errorDescription().orElse(null),
              tee.errorUri().orElse(null), tee.retryAfter().orElse(null), tee));
        }
        return;
      }
    }
    fail(failure);
  }

  /**
   * {@code invalid_grant} with a shared store: another instance may have rotated the refresh token
   * (its lease lapsed, or the store was down). Re-read before declaring it dead: a newer state
   * with another refresh token is served, or refreshed from, instead. Never a blind retry: the
   * refused token is not sent again.
   */
  private void rereadBeforeDeclaringDead(TokenEndpointException tee) {
    reread = true;
    String refused = basis.refreshToken;
    life.shared.read(slot.key).whenComplete((e, f) -> ctx.execute(() -> {
      try {
        TokenState remote = f == null ? life.shared.decode(slot.key, e) : null;
        if (remote == null || java.util.Objects.equals(remote.refreshToken, refused)) {
          refusedRefreshToken(tee);
          return;
        }
        if (servable(remote)) {
          endLease(null);
          adopt(remote, e.version());
          return;
        }
        if (!remote.refreshTokenAlive(ctx.now()) || !slot.replace(basis, remote, e.version())) {
          refusedRefreshToken(tee);
          return;
        }
        basis = remote;
        basisVersion = e.version();
        request = life.refreshRequest(slot.key, remote);
        send();
      } catch (Throwable t) {
        fail(t);
        if (t instanceof Error err) {
          throw err;
        }
      }
    }));
  }

  /**
   * The token budget had no slot. Nothing was sent, so nothing is retried here: a refresh ahead of
   * expiry is deferred (the current token stays in service, and the next call after the next slot
   * frees, but before the expiry margin, tries again; it is no failure), and callers who wait get
   * the refusal.
   */
  private void budgetRefused(TokenBudgetExceededException refusal) {
    if (promise.isDone()) {
      return;
    }
    long now = ctx.now();
    TokenState current = slot.state;
    boolean deferred = cause == RefreshCause.AHEAD_OF_EXPIRY && current != null
        && now < current.usableUntil && !current.sessionOver(now, ctx.wallNow(), slot.lastUsed);
    if (!deferred) {
      ctx.events.budgetRefused(slot.key, refusal);
      fail(refusal);
      return;
    }
    long retryIn = Times.nanos(refusal.retryAfter().orElse(null));
    slot.coolDownUntil = Math.min(Times.add(now, retryIn), current.usableUntil);
    if (slot.release()) {
      life.table.reinsert(slot);
    } else {
      life.table.retime(slot);
    }
    ctx.events.budgetDeferred(slot.key, cause, refusal.nextSlot());
    promise.completeExceptionally(refusal);
  }

  /** {@code invalid_grant} on a refresh: the refresh token is dead. Never send it again. */
  private void refusedRefreshToken(TokenEndpointException tee) {
    // First out of the state, before any fallback is sent: if the fallback fails too, no later
    // call or background cycle finds the dead token.
    TokenState stripped = slot.stripRefreshToken(basis, ctx.hasPrimaryGrant());
    if (stripped != null) {
      basis = stripped;
    }
    if (ctx.hasPrimaryGrant() && !slot.retired()) {
      // A retired slot (invalidate, revoke, eviction, a session end) never sends: its callers
      // get the refusal, and the key's next call starts from its live slot.
      refresh = false;
      cause = RefreshCause.REACQUIRED;
      attempts = 0;
      try {
        request = life.primaryRequestFor(slot.key);
        send();
      } catch (RuntimeException e) {
        fail(e);
      }
      return;
    }
    if (stripped == null) {
      TokenState current = slot.state;
      if (current != null && !slot.retired()) {
        // A put() landed while the refresh was refused: that token is the answer.
        boolean evicted = slot.release();
        if (evicted) {
          life.table.reinsert(slot);
        } else {
          life.table.retime(slot);
        }
        promise.complete(current);
        return;
      }
    }
    long now = ctx.now();
    ReauthenticationRequiredException reauth = KeyLifecycle.reauthentication(slot.key,
        "the provider refused the refresh token of key '" + slot.key + "' (invalid_grant) and no"
        + " primary grant is configured; sign the user in again and put() the new token", tee);
    boolean keepServing = stripped != null && cause != RefreshCause.REJECTED
        && now < stripped.usableUntil;
    boolean evicted = slot.release();
    if (!keepServing) {
      life.end(slot, basis, true);
    }
    if (lease != null) {
      TokenStore.Lease l = lease;
      lease = null;
      if (keepServing) {
        byte[] value = life.shared.encode(stripped);
        l.write(value, life.shared.expiresAt(stripped));
      } else {
        l.remove(); // the refresh token is dead everywhere: no instance sends it again
      }
    }
    if (evicted) {
      life.table.reinsert(slot);
    } else {
      life.table.retime(slot);
    }
    notifyAndComplete(reauth, keepServing);
  }

  private void fail(Throwable failure) {
    if (promise.isDone()) {
      return;
    }
    long now = ctx.now();
    TokenState current = slot.state;
    endLease(current);
    boolean stillServing = current != null && now < current.usableUntil
        && !current.sessionOver(now, ctx.wallNow(), slot.lastUsed);
    // A token budget's refusal sent nothing, so the provider has nothing to cool down from: the
    // key's next caller queues again (bounded by the budget's queue and wait).
    boolean sentNothing = failure instanceof TokenBudgetExceededException;
    if (stillServing && !sentNothing) {
      long coolDown = Math.max(MINIMUM_COOL_DOWN, Times.nanos(ctx.retryPolicy.maxDelay()));
      if (failure instanceof TokenEndpointException tee && tee.retryAfter().isPresent()) {
        coolDown = Math.max(coolDown, Times.nanos(tee.retryAfter().get()));
      }
      slot.coolDownUntil = Times.add(now, coolDown);
    }
    boolean coolsDown = false;
    if (!stillServing && !sentNothing && failure instanceof TokenEndpointException tee) {
      // No usable token, and the provider said no (or could not be reached within the retry
      // budget): every caller fails fast with this cause until the cool-down passes, instead of
      // sending a request each. Retry-After decides it when sent, within MAXIMUM_COOL_DOWN.
      long coolDown = Math.min(MAXIMUM_COOL_DOWN,
          tee.retryAfter().map(Times::nanos).orElse(ctx.failureCoolDown));
      if (coolDown > 0) {
        slot.coolDown(Times.add(now, coolDown), tee);
        coolsDown = true;
      }
    }
    boolean evicted = slot.release();
    if (current == null && !coolsDown && slot.retireIfEmpty()) {
      life.table.remove(slot); // an empty slot is not kept
    } else if (evicted) {
      life.table.reinsert(slot);
    } else {
      life.table.retime(slot);
    }
    notifyAndComplete(failure, stillServing);
  }

  /**
   * Lets the listeners hear the failure (the request slot is already free), then releases the
   * waiting callers (even if a listener throws an Error).
   */
  private void notifyAndComplete(Throwable failure, boolean stillServing) {
    ctx.failures.increment();
    try {
      ctx.events.requestFailed(slot, failure, stillServing);
      ctx.events.failure(slot.key, failure, stillServing);
    } finally {
      promise.completeExceptionally(failure);
    }
  }

  private TokenEndpointException budgetUsedUp(TokenEndpointException last, long elapsed,
      long delay) {
    long elapsedMillis = elapsed / 1_000_000L;
    String why = delay < 0
        ? "after " + attempts + " attempts in " + elapsedMillis + " ms"
        : "after " + attempts + " attempts in " + elapsedMillis + " ms; the next delay of "
            + Times.duration(delay).toMillis() + " ms (Retry-After or backoff) would pass the"
            + " budget";
    return new TokenEndpointException("token request for key '" + slot.key + "' failed " + why
        + ": the retry budget is used up (" + ctx.retryPolicy + "; change it with"
        + " TokenManager.Builder.retryPolicy). Last failure: " + last.getMessage(),
        last.statusCode(), last.error().orElse(null), last.errorDescription().orElse(null),
        last.errorUri().orElse(null), last.retryAfter().orElse(null), last);
  }
}

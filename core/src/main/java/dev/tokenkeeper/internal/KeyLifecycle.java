package dev.tokenkeeper.internal;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.Revocation;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenResponse;
import dev.tokenkeeper.internal.budget.Spread;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The lifecycle of a key: what a call finds (FRESH, STALE, EXPIRED, DEAD) and which transition of
 * its {@link KeySlot} it makes: serve, start or join the one request, end the session, store,
 * forget, revoke. Thread-safe; every decision is re-checked by the slot's own transition, and a
 * call that lost a race looks again. Not part of the API.
 */
public final class KeyLifecycle {
  final ManagerContext ctx;
  final KeyTable table;
  final SessionWatch watch;
  final TokenSender sender;
  /** The shared store, or {@code null}: every state is this instance's own. */
  final SharedState shared;
  /** The token budget's spread (a fraction of the refresh window), or 0. */
  private final double spread;

  public KeyLifecycle(ManagerContext ctx, TokenSender sender, long maximumSize) {
    this(ctx, sender, maximumSize, 0, null);
  }

  /**
   * @param spread how far, as a fraction of the refresh window, a key's refresh moment may move
   *     later (each key by its own share of it); 0 for none
   * @param shared the shared store, or {@code null}
   */
  public KeyLifecycle(ManagerContext ctx, TokenSender sender, long maximumSize, double spread,
      SharedState shared) {
    this.ctx = ctx;
    this.sender = sender;
    this.spread = spread;
    this.shared = shared;
    this.watch = new SessionWatch(ctx);
    this.table = new KeyTable(ctx, maximumSize, this::evicted);
    watch.ender((slot, judged) -> end(slot, judged, true));
    if (shared != null) {
      shared.attach(this);
    }
  }

  public KeyTable table() {
    return table;
  }

  public SessionWatch watch() {
    return watch;
  }

  // ---- hand out tokens -------------------------------------------------------------------

  /** The token to serve now (an {@link AccessToken}), or the future to wait for. */
  public Object resolve(String key) {
    Keys.check(key);
    ctx.ensureOpen();
    for (;;) {
      KeySlot h = table.live(key);
      if (h == null) {
        if (!ctx.hasPrimaryGrant() && shared == null) {
          throw reauthentication(key, "no token is held for key '" + key + "' and no primary"
              + " grant is configured: put() a token after the user signs in, or set"
              + " TokenManager.Builder.primaryGrant", null);
        }
        h = table.getOrCreate(key);
      }
      TokenState s = h.state;
      if (s == null) {
        RuntimeException coolingDown = h.coolingDown(ctx.now());
        if (coolingDown != null) {
          throw coolingDown; // the same cause for every caller until the cool-down passes
        }
        CompletableFuture<TokenState> f = startOrJoin(h, null, RefreshCause.INITIAL);
        if (f == null) {
          continue;
        }
        return f;
      }
      long now = ctx.now();
      long wallNow = ctx.wallNow();
      long lastUsed = h.lastUsed;
      if (s.sessionOver(now, wallNow, lastUsed)) {
        // DEAD: the refresh token must not be sent; start a new session or give up.
        if (!end(h, s, true)) {
          continue; // another thread ended it, or a put() or refresh has just replaced the state
        }
        if (!ctx.hasPrimaryGrant()) {
          throw reauthentication(key, "the provider session of key '" + key + "' ended at "
              + watch.timeouts(s, lastUsed).endsAt().orElse(null) + " and no primary grant is"
              + " configured; sign the user in again and put() the new token", null);
        }
        continue; // the slot is kept, empty: the next token is REACQUIRED
      }
      if (Times.minus(now, lastUsed) >= s.touchInterval) {
        touch(h, s, now, wallNow);
        if (h.state != s) {
          continue; // the touch found the session over and ended it
        }
      }
      if (now < s.refreshAt) {
        return s.token;
      }
      boolean renewable = s.refreshTokenAlive(now) || ctx.hasPrimaryGrant();
      if (now < s.usableUntil) {
        if (renewable && now >= h.coolDownUntil && !h.busy()) {
          startOrJoin(h, s, RefreshCause.AHEAD_OF_EXPIRY);
        }
        return s.token;
      }
      if (!renewable) {
        if (!end(h, s, true)) {
          continue;
        }
        throw reauthentication(key, "the access token of key '" + key + "' expired at "
            + s.token.expiresAt() + " and there is neither a live refresh token nor a primary"
            + " grant; sign the user in again and put() the new token", null);
      }
      RuntimeException coolingDown = h.coolingDown(now);
      if (coolingDown != null) {
        throw coolingDown;
      }
      CompletableFuture<TokenState> f = startOrJoin(h, s, RefreshCause.EXPIRED);
      if (f == null) {
        continue;
      }
      return f;
    }
  }

  /** {@link #resolve} as a future of the token. */
  public CompletableFuture<AccessToken> tokenAsync(String key) {
    try {
      return toTokenFuture(resolve(key));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** See {@code TokenManager.rejected}. */
  public CompletableFuture<AccessToken> rejected(String key, AccessToken token) {
    ctx.rejections.increment();
    ctx.events.rejected(key, token);
    try {
      ctx.ensureOpen();
      for (;;) {
        KeySlot h = table.live(key);
        TokenState s = h == null ? null : h.state;
        if (s == null || !s.token.value().equals(token.value())) {
          // Unknown key, first token still loading, or a newer token is current: no refresh.
          return tokenAsync(key);
        }
        long now = ctx.now();
        if (s.sessionOver(now, ctx.wallNow(), h.lastUsed)) {
          return tokenAsync(key);
        }
        if (!s.refreshTokenAlive(now) && !ctx.hasPrimaryGrant()) {
          if (!end(h, s, false)) {
            continue; // a put() has just landed: judge that state instead
          }
          throw reauthentication(key, "the resource server rejected the token of key '" + key
              + "' and there is neither a live refresh token nor a primary grant to get another;"
              + " sign the user in again and put() the new token", null);
        }
        RuntimeException coolingDown = h.coolingDown(now);
        if (coolingDown != null) {
          return CompletableFuture.failedFuture(coolingDown);
        }
        if (Times.minus(now, h.rejectedRefreshAt) < ctx.rejectionInterval) {
          // A 401 storm (a resource server that rejects every token): one refresh per key per
          // interval. Callers that race the refresh join it; later 401s pass through with the
          // current token, which the caller recognises as the one rejected.
          CompletableFuture<TokenState> running = h.inFlight();
          if (running != null) {
            return toTokenFuture(running);
          }
          if (h.state != s) {
            // The refresh landed since s was read (publish() stores the state and frees the
            // request slot at once): judge the new state, never pass the replaced token on.
            continue;
          }
          return CompletableFuture.completedFuture(s.token);
        }
        CompletableFuture<TokenState> f = startOrJoin(h, s, RefreshCause.REJECTED, now);
        if (f != null) {
          return toTokenFuture(f);
        }
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Joins the request in flight for {@code h}, or starts one from {@code basis} (the state the
   * caller judged, {@code null} for none); {@code null} when the caller must look again. The
   * slot's claim is the one place that decides who sends: everyone else joins.
   */
  private CompletableFuture<TokenState> startOrJoin(KeySlot h, TokenState basis,
      RefreshCause cause) {
    return startOrJoin(h, basis, cause, 0);
  }

  /**
   * {@link #startOrJoin(KeySlot, TokenState, RefreshCause)}; a {@code REJECTED} request (started
   * or joined) is recorded at {@code now} for the rejection interval.
   */
  private CompletableFuture<TokenState> startOrJoin(KeySlot h, TokenState basis,
      RefreshCause cause, long now) {
    CompletableFuture<TokenState> promise = new CompletableFuture<>();
    CompletableFuture<TokenState> got = h.claim(basis, promise);
    if (got != promise) {
      if (got != null && cause != RefreshCause.AHEAD_OF_EXPIRY) {
        // A caller now waits for the request in flight: if it still queues for a token-budget
        // slot as a refresh ahead of expiry, it goes ahead of the refreshes.
        sender.promote(h);
      }
      if (got != null && cause == RefreshCause.REJECTED) {
        h.rejectedRefreshAt = now;
      }
      return got;
    }
    if (cause == RefreshCause.REJECTED) {
      // Recorded before the request starts: its answer may land (and a 401 for the new token
      // be judged) before this thread goes on, and that 401 is within this refresh's interval.
      h.rejectedRefreshAt = now;
    }
    table.retime(h); // no expiry while the request is open: see KeyTable
    new TokenSequence(this, h, basis, cause, promise).start();
    return promise;
  }

  // ---- store, forget, revoke -------------------------------------------------------------

  /** Stores a token obtained elsewhere, replacing the current one and starting a new session. */
  public void put(String key, TokenResponse response, TokenRequest acquiredWith) {
    ctx.ensureOpen();
    long now = ctx.now();
    TokenState next = newState(key, response, baseRequest(acquiredWith, response), null, now,
        ctx.wallNow());
    for (;;) {
      KeySlot h = table.getOrCreate(key);
      if (h.put(next)) {
        installed(h, now);
        if (shared != null) {
          shared.put(h, next);
        }
        return;
      }
    }
  }

  /**
   * Forgets the token of {@code key} (in every instance, with a shared store); a token request in
   * flight still completes its callers.
   */
  public void invalidate(String key) {
    KeySlot h = table.peek(key);
    if (h != null) {
      forgetLocally(h);
    }
    if (shared != null) {
      shared.remove(key);
    }
  }

  /** Forgets {@code h} in this instance only. */
  void forgetLocally(KeySlot h) {
    h.retire(false);
    watch.forget(h);
    table.remove(h);
  }

  /**
   * Forgets {@code h} in this instance only if {@code seen} is still its state (the store
   * announced a removal; a put() that landed since is newer than it, and stays).
   */
  void forgetLocallyIfStill(KeySlot h, TokenState seen) {
    if (h.retireIfStill(seen)) {
      watch.forget(h);
      table.remove(h);
    }
  }

  /** See {@code TokenManager.revoke}. */
  public CompletableFuture<Void> revoke(String key) {
    if (!sender.supportsRevocation()) {
      invalidate(key);
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<Throwable>> parts = new ArrayList<>(2);
    KeySlot h = table.peek(key);
    TokenState held = null;
    CompletableFuture<TokenState> running = null;
    if (h != null) {
      KeySlot.Revoked taken = h.retireForRevocation();
      watch.forget(h);
      table.remove(h);
      held = taken.state();
      running = taken.inFlight();
    }
    if (shared != null) {
      // Under the key's lease, whether this instance held a copy or not: see SharedRevocation.
      parts.add(new SharedRevocation(this, key, h, held, h == null ? 0 : h.version())
          .start(running));
    } else if (held != null) {
      parts.add(revokeQuietly(h, held));
    }
    if (running != null) {
      KeySlot slot = h;
      parts.add(running.handle((v, e) -> null).thenCompose(v -> {
        CompletableFuture<Throwable> late = slot.lateRevocation;
        return late != null ? late : CompletableFuture.completedFuture(null);
      }));
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      for (CompletableFuture<Throwable> part : parts) {
        Throwable e = part.join();
        if (e != null) {
          throw e instanceof CompletionException ce ? ce : new CompletionException(e);
        }
      }
      return null;
    });
  }

  /**
   * Revokes the refresh token, then the access token (both are attempted), tells the listeners
   * what became of each, and completes with the first failure, or {@code null}. After the
   * refresh token was revoked, {@code unsupported_token_type} for the access token is no failure
   * (RFC 7009, sections 2.1 and 2.2.1: a server must revoke refresh tokens, and may not revoke
   * access tokens).
   */
  CompletableFuture<Throwable> revokeQuietly(KeySlot slot, TokenState s) {
    String key = slot.key;
    boolean hasRefreshToken = s.refreshToken != null;
    CompletableFuture<Throwable> first = hasRefreshToken
        ? sender.revoke(slot, s.refreshToken, "refresh_token")
        : CompletableFuture.completedFuture(null);
    return first.thenCompose(e1 -> sender.revoke(slot, s.token.value(), "access_token")
        .thenApply(e2 -> {
          Revocation.Outcome refresh = !hasRefreshToken ? Revocation.Outcome.NOT_HELD
              : e1 == null ? Revocation.Outcome.REVOKED : outcome(e1);
          Revocation.Outcome access = e2 == null ? Revocation.Outcome.REVOKED : outcome(e2);
          Throwable accessFailure = e2;
          if (access == Revocation.Outcome.UNSUPPORTED
              && refresh == Revocation.Outcome.REVOKED) {
            accessFailure = null; // the server has done what it can
          }
          ctx.events.revoked(key, new Revocation(refresh, access));
          return e1 != null ? e1 : accessFailure;
        }));
  }

  private static Revocation.Outcome outcome(Throwable failure) {
    return failure instanceof TokenEndpointException tee
        && "unsupported_token_type".equals(tee.error().orElse(null))
        ? Revocation.Outcome.UNSUPPORTED : Revocation.Outcome.FAILED;
  }

  // ---- observe ---------------------------------------------------------------------------

  public SessionTimeouts session(String key) {
    KeySlot h = table.live(key);
    TokenState s = h == null ? null : h.state;
    return s == null ? SessionTimeouts.NONE : watch.timeouts(s, h.lastUsed);
  }

  /**
   * The first step of closing: no request starts from now on, and requests waiting for a
   * token-budget slot fail. Then the owner ends its own scheduler, whose pending retries fail at
   * once, and calls {@link #close()}.
   */
  public void stopRequests() {
    ctx.close();
    sender.close();
  }

  /** Closes: {@link #stopRequests()} if not done, waits for shared answers, forgets every key. */
  public void close() {
    stopRequests();
    if (shared != null) {
      awaitRequestsInFlight(CLOSE_WAIT_NANOS);
    }
    table.clear();
    watch.clear();
  }

  /** How long {@link #close} waits for token requests in flight when the state is shared. */
  static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

  /**
   * With a shared store, a token request in flight may already have rotated the refresh token at
   * the provider: its answer must reach the store, or another instance sends the rotated one
   * (a rolling restart closes the manager, then the endpoint, which drops answers). Waits for
   * each request in flight to end (no new one starts once closed; retries fail at once), at most
   * {@code maxNanos} in all.
   */
  private void awaitRequestsInFlight(long maxNanos) {
    long deadline = System.nanoTime() + maxNanos;
    for (KeySlot slot : table.slots()) {
      CompletableFuture<TokenState> request = slot.inFlight();
      if (request == null) {
        continue;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        request.get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | CancellationException | TimeoutException e) {
        // It ended otherwise, or it is still running after the wait: nothing more to do here.
      }
    }
  }

  // ---- transitions ---------------------------------------------------------------------

  /**
   * Ends the state {@code judged} dead; the first caller wins and reports the session end. With a
   * primary grant the slot stays, empty, so the next token is reported as REACQUIRED. If the
   * state changed after the judgment (a put() or a refresh landed), nothing happens.
   *
   * @return whether {@code judged} was ended here
   */
  boolean end(KeySlot slot, TokenState judged, boolean sessionEnded) {
    boolean keep = ctx.hasPrimaryGrant();
    long lastUsed = slot.lastUsed;
    if (!slot.end(judged, keep, Times.add(ctx.now(), KeyTable.ENDED_SESSION_MEMORY))) {
      return false;
    }
    watch.forget(slot);
    if (keep) {
      table.retime(slot);
    } else {
      table.remove(slot);
    }
    if (sessionEnded && !keep) {
      ctx.events.sessionEnded(slot.key, watch.timeouts(judged, lastUsed));
    }
    return true;
  }

  /** A new state is in {@code h}: record the use, re-time the cache entry, watch the session. */
  void installed(KeySlot h, long now) {
    h.lastUsed = now;
    table.retime(h);
    TokenState s = h.state;
    if (s != null && s.hasSessionDeadline()) {
      watch.check(h, now, ctx.wallNow());
    }
    watch.arm(h);
  }

  /** The rare write of the hot path: at most once per touch interval per key. */
  private void touch(KeySlot h, TokenState s, long now, long wallNow) {
    h.lastUsed = now;
    table.touch(h);
    if (s.hasSessionDeadline()) {
      watch.check(h, now, wallNow);
    }
  }

  /** Caffeine retired {@code slot}: its timer goes, and an idle session's end is reported. */
  private void evicted(KeySlot slot, TokenState s, boolean expired) {
    watch.forget(slot);
    if (expired && !ctx.hasPrimaryGrant() && s != null && s.hasSessionDeadline()
        && s.sessionOver(ctx.now(), ctx.wallNow(), slot.lastUsed)) {
      SessionTimeouts t = watch.timeouts(s, slot.lastUsed);
      String key = slot.key;
      ctx.execute(() -> {
        if (table.live(key) != null) {
          return; // signed in again meanwhile: "ended" would log the new session out
        }
        ctx.events.sessionEnded(key, t);
      });
    }
  }

  // ---- requests --------------------------------------------------------------------------

  TokenState newState(String key, TokenResponse response, TokenRequest base, TokenState session,
      long now, long wallNow) {
    boolean renewable = ctx.hasPrimaryGrant() || response.refreshToken().isPresent()
        || (session != null && session.refreshToken != null);
    return TokenState.of(response, base, session, ctx.refreshWindow, ctx.expiryMargin, renewable,
        now, wallNow, spread == 0 || key == null ? 0 : spread * Spread.fraction(key));
  }

  /** The request a refresh repeats: {@code acquiredWith}, given the server's endpoint_id. */
  static TokenRequest baseRequest(TokenRequest acquiredWith, TokenResponse response) {
    if (acquiredWith != null && acquiredWith.endpointId() == null) {
      // The provider generated an endpoint_id (RingCentral's TokenInfo): keep the client
      // instance on refresh.
      String generated = response.endpointId().orElse(null);
      if (generated != null && TokenRequest.ENDPOINT_ID.matcher(generated).matches()) {
        return acquiredWith.withEndpointId(generated);
      }
    }
    return acquiredWith;
  }

  TokenRequest refreshRequest(String key, TokenState s) {
    Grant grant = Grant.refreshToken(s.refreshToken);
    if (s.request != null) {
      return s.request.withGrant(grant);
    }
    if (ctx.hasPrimaryGrant()) {
      return primaryRequestFor(key).withGrant(grant);
    }
    return TokenRequest.builder(grant)
        .endpointId(sender.dialect().endpointIdFor(key).orElse(null))
        .build();
  }

  TokenRequest primaryRequestFor(String key) {
    TokenRequest request = ctx.primaryRequest.apply(key);
    if (request == null) {
      throw new IllegalStateException("the primary request function returned null for key '"
          + key + "'; it must return a TokenRequest (TokenManager.Builder.primaryRequest)");
    }
    return request;
  }

  // ---- helpers ---------------------------------------------------------------------------

  public CompletableFuture<AccessToken> toTokenFuture(Object resolved) {
    if (resolved instanceof AccessToken token) {
      return CompletableFuture.completedFuture(token);
    }
    ctx.waits.increment();
    @SuppressWarnings("unchecked")
    CompletableFuture<TokenState> f = (CompletableFuture<TokenState>) resolved;
    return f.thenApply(s -> s.token);
  }

  static ReauthenticationRequiredException reauthentication(String key, String message,
      Throwable cause) {
    return new ReauthenticationRequiredException(key, message, cause);
  }
}

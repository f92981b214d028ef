package dev.tokenkeeper.internal;

import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.TokenStore.Entry;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Where a {@code TokenManager}'s per-key state meets a shared {@link TokenStore}: encoding and
 * decoding states, the version each slot has seen, the store's announcements of new versions
 * (which refresh this instance's near-cache entry), and what happens when the store cannot be
 * reached (a WARNING at most once a minute, the listeners told, and the manager carries on per
 * instance). The token request sequence asks it for the lease and writes through it
 * ({@link TokenSequence}); {@link KeyLifecycle} mirrors put, invalidate and revoke. Thread-safe.
 * Not part of the API.
 */
public final class SharedState {
  private final TokenStore store;
  private final ManagerContext ctx;
  private KeyLifecycle life;

  public SharedState(TokenStore store, ManagerContext ctx) {
    this.store = store;
    this.ctx = ctx;
  }

  /** Starts listening; called once the lifecycle exists. */
  void attach(KeyLifecycle lifecycle) {
    this.life = lifecycle;
    store.listen(this::onNewVersion);
  }

  TokenStore store() {
    return store;
  }

  CompletableFuture<TokenStore.Claim> claim(String key, long seen) {
    try {
      return store.claim(key, seen);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  CompletableFuture<Entry> read(String key) {
    try {
      return store.read(key);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  byte[] encode(TokenState s) {
    return StateCodec.encode(s, ctx.now(), ctx.wallNow());
  }

  /** The state in {@code e} on this instance's ticker, or {@code null} (absent or unreadable). */
  TokenState decode(String key, Entry e) {
    if (e == null || e.isAbsent()) {
      return null;
    }
    try {
      return StateCodec.decode(e.value(), ctx.now(), ctx.wallNow());
    } catch (IllegalArgumentException ex) {
      ctx.events.warn("store-decode", () -> "the shared state of key '" + key + "' (version "
          + e.version() + ") is unreadable and is ignored: " + ex.getMessage());
      return null;
    }
  }

  /**
   * When the store may forget {@code s}: the moment nothing can revive it, the idle timeout
   * left out (other instances may be using the key; each tracks its own last use).
   */
  Instant expiresAt(TokenState s) {
    long end = s.refreshToken != null ? Math.max(s.refreshTokenExpiresAt, s.expiresAt)
        : s.expiresAt;
    end = Math.min(end, s.absoluteDeadline);
    long wall = StateCodec.wall(end, ctx.now(), ctx.wallNow());
    if (s.absoluteWall != Times.NEVER) {
      wall = Math.min(wall, s.absoluteWall);
    }
    return wall == Times.NEVER ? null : Instant.ofEpochMilli(wall);
  }

  /** A put() landed in {@code slot}: share it (a sign-in on this instance signs in everywhere). */
  void put(KeySlot slot, TokenState s) {
    byte[] value = encode(s);
    store(slot.key, () -> store.put(slot.key, value, expiresAt(s))).whenComplete((e, f) -> {
      if (e != null) {
        slot.advanceVersionIf(s, e.version());
      }
    });
  }

  /** The key was forgotten or revoked here: forget it everywhere. */
  void remove(String key) {
    store(key, () -> store.remove(key));
  }

  /** The store failed: tell the log (rate-limited) and the listeners; the caller falls back. */
  void unavailable(String key, Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    ctx.events.warn("store", () -> "the shared token store failed (" + cause + "); this instance"
        + " carries on with its own cache, single flight and budget until it is back");
    ctx.events.storeUnavailable(key, cause);
  }

  private <T> CompletableFuture<T> store(String key,
      java.util.function.Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((v, e) -> {
      if (e != null) {
        unavailable(key, e);
      }
    });
    return f;
  }

  /**
   * Another instance (or this one) stored a new version of {@code key}: when this instance holds
   * an older one and no request of its own is running, fetch it into the near-cache; a removal
   * forgets the key here too. A version holding the very tokens held here (this instance's own
   * put(), announced before the store answered it) only records the version: replacing the state
   * by its copy would count as a use of the key, at whatever moment the executor gets to it.
   */
  private void onNewVersion(String key, long version) {
    KeyLifecycle l = life;
    if (l == null || ctx.closed()) {
      return;
    }
    KeySlot slot = l.table.live(key);
    if (slot == null || slot.version() >= version || slot.busy()) {
      return;
    }
    TokenState seen = slot.state;
    read(key).whenComplete((e, f) -> {
      if (f != null || e == null || slot.version() >= e.version()) {
        return;
      }
      ctx.execute(() -> {
        if (e.isAbsent()) {
          if (e.version() > 0) {
            // Removed in the cluster: signed out everywhere, unless a put() landed here since.
            l.forgetLocallyIfStill(slot, seen);
          }
          return;
        }
        TokenState remote = decode(key, e);
        if (remote == null) {
          return;
        }
        if (seen != null && sameTokens(seen, remote)) {
          // The tokens held here (the announcement of this instance's own put(), fetched late):
          // no new state and no use of the key, only the version it is known by.
          slot.advanceVersionIf(seen, e.version());
          return;
        }
        if (slot.replaceIfIdle(seen, remote, e.version())) {
          l.installed(slot, ctx.now());
        }
      });
    });
  }

  private static boolean sameTokens(TokenState a, TokenState b) {
    return a.token.value().equals(b.token.value())
        && java.util.Objects.equals(a.refreshToken, b.refreshToken);
  }
}

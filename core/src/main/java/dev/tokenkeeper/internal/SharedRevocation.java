package dev.tokenkeeper.internal;

import dev.tokenkeeper.TokenStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * {@code revoke(key)} with a shared store: the tokens of the key are revoked at the provider
 * whether this instance holds a copy or not, under the same rules as a token request.
 *
 * <ol>
 *   <li>This instance's own request for the key (if one was in flight) ends first; its answer is
 *       revoked by the request itself ({@link KeySlot#lateRevocation}).
 *   <li>It takes the key's lease, like an instance about to refresh: from then on no instance
 *       sends the key's refresh token (they wait for the lease), and an instance whose lease
 *       lapsed mid-request is fenced off when it writes.
 *   <li>Under the lease it reads the stored state (decrypted by the store), and revokes its
 *       refresh token, then its access token (RFC 7009), and those of the state held here if it
 *       differs, each once.
 *   <li>It removes the key by a fenced write (a tombstone with a new version, announced to every
 *       instance, which forget their copies). If another instance wrote meanwhile (this lease had
 *       lapsed), the newer state is revoked in the same way, a bounded number of times.
 * </ol>
 *
 * The store unreachable: the state held here is revoked, and the store is told nothing (the
 * outage is reported); other instances then learn of the revocation from the provider
 * ({@code invalid_grant}). Not part of the API; one use per {@code revoke} call.
 */
final class SharedRevocation {
  /** Newer states revoked after a refused removal, at most; each costs a lapsed lease. */
  private static final int MAX_ROUNDS = 4;

  private final KeyLifecycle life;
  private final ManagerContext ctx;
  private final SharedState shared;
  private final String key;
  private final KeySlot slot;
  private final TokenState held;
  private final long heldVersion;
  /** Access tokens revoked (or being revoked) by this call or by the request in flight. */
  private final List<String> revoked = new ArrayList<>();
  private final List<CompletableFuture<Throwable>> revocations = new ArrayList<>();
  private final CompletableFuture<Throwable> done = new CompletableFuture<>();
  private int rounds;

  /**
   * @param slot the key's slot here, retired for the revocation, or {@code null} when this
   *     instance held nothing
   * @param held the state it held, or {@code null}
   * @param heldVersion the store's version of {@code held}, 0 for none
   */
  SharedRevocation(KeyLifecycle life, String key, KeySlot slot, TokenState held,
      long heldVersion) {
    this.life = life;
    this.ctx = life.ctx;
    this.shared = life.shared;
    this.key = key;
    this.slot = slot != null ? slot : new KeySlot(key, ctx.now());
    this.held = held;
    this.heldVersion = held == null ? 0 : heldVersion;
  }

  /**
   * Starts once {@code inFlight} (this instance's request for the key, or {@code null}) is over.
   * Completes with the first revocation failure, or {@code null}; never exceptionally.
   */
  CompletableFuture<Throwable> start(CompletableFuture<?> inFlight) {
    if (inFlight == null) {
      claim(heldVersion, null);
    } else {
      inFlight.handle((v, e) -> null).thenRun(() -> {
        TokenState late = slot.lateRevoked;
        if (late != null) {
          revoked.add(late.token.value());
        }
        claim(heldVersion, null);
      });
    }
    return done;
  }

  private void claim(long seen, TokenStore.Entry known) {
    shared.claim(key, seen).whenComplete((claim, failure) -> ctx.execute(() -> {
      try {
        claimed(claim, failure, known);
      } catch (Throwable t) {
        finish(t);
        if (t instanceof Error e) {
          throw e;
        }
      }
    }));
  }

  private void claimed(TokenStore.Claim claim, Throwable failure, TokenStore.Entry known) {
    if (failure != null) {
      shared.unavailable(key, failure);
      revoke(held);
      settle();
      return;
    }
    if (claim.newer() != null) {
      if (++rounds > MAX_ROUNDS) {
        revoke(held);
        settle(); // the newest stays; its refresh will meet the provider's refusal
        return;
      }
      claim(claim.newer().version(), claim.newer());
      return;
    }
    TokenStore.Lease lease = claim.lease();
    TokenState stored = null;
    if (known != null && known.version() == lease.version()) {
      stored = shared.decode(key, known);
    } else if (lease.version() == heldVersion) {
      stored = held;
    }
    revoke(held);
    revoke(stored);
    // Removed once the provider has answered: the lease (renewed meanwhile) keeps every other
    // instance from sending the refresh token until then.
    all().thenAccept(first -> lease.remove().whenComplete((w, f) -> ctx.execute(() -> {
      if (f != null) {
        shared.unavailable(key, f);
        settle();
      } else if (!w.written() && !w.current().isAbsent() && ++rounds <= MAX_ROUNDS) {
        // This lease lapsed and another instance stored a newer state: revoke that one too.
        claim(w.current().version(), w.current());
      } else {
        settle();
      }
    })));
  }

  /** Revokes the tokens of {@code s} unless this call (or the request in flight) did. */
  private void revoke(TokenState s) {
    if (s == null || revoked.contains(s.token.value())) {
      return;
    }
    revoked.add(s.token.value());
    revocations.add(life.revokeQuietly(slot, s));
  }

  private CompletableFuture<Throwable> all() {
    List<CompletableFuture<Throwable>> parts = List.copyOf(revocations);
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
        .handle((v, e) -> parts.stream()
            .map(p -> p.handle((t, f) -> f != null ? Failures.unwrap(f) : t).join())
            .filter(Objects::nonNull).findFirst().orElse(null));
  }

  private void settle() {
    all().thenAccept(this::finish);
  }

  private void finish(Throwable first) {
    done.complete(first);
  }
}

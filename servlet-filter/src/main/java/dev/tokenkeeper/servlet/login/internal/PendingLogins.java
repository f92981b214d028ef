package dev.tokenkeeper.servlet.login.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Authorization requests on their way through the provider, keyed by {@code state}: kept on the
 * server (the PKCE verifier and nonce never reach the browser or the {@code HttpSession}), bound
 * to the browser session that started them, single use, and valid for a few minutes.
 * Thread-safe; bounded.
 */
public final class PendingLogins {

  /** One authorization request; {@code binding} is the browser session's random login binding. */
  public record Pending(String state, String binding, String nonce, String verifier,
      String returnTo, Instant createdAt) {
    @Override public String toString() {
      return "Pending[returnTo=" + returnTo + ", createdAt=" + createdAt + "]";
    }
  }

  /** Why a callback's state was refused. */
  public enum Refusal { MISSING, UNKNOWN, OTHER_SESSION, EXPIRED }

  /** The outcome of {@link #take}: the pending request, or why there is none. */
  public record Taken(Pending pending, Refusal refusal) {}

  private final Cache<String, Pending> pending;
  private final Clock clock;
  private final Duration ttl;

  public PendingLogins(Clock clock, Duration ttl, long maximumSize) {
    this.clock = clock;
    this.ttl = ttl;
    // Caffeine's own expiry only frees memory; validity is decided on the injected clock.
    this.pending = Caffeine.newBuilder().maximumSize(maximumSize)
        .expireAfterWrite(ttl.multipliedBy(2).plusMinutes(1)).build();
  }

  public Pending start(String binding, String nonce, String verifier, String returnTo) {
    Pending p = new Pending(Secrets.random(32), binding, nonce, verifier, returnTo,
        clock.instant());
    pending.put(p.state(), p);
    return p;
  }

  /** Takes the request of {@code state} out (single use), if it belongs to {@code binding}. */
  public Taken take(String state, String binding) {
    if (state == null || state.isEmpty()) {
      return new Taken(null, Refusal.MISSING);
    }
    Pending p = pending.asMap().remove(state);
    if (p == null || !Secrets.equal(p.state(), state)) {
      return new Taken(null, Refusal.UNKNOWN);
    }
    if (!Secrets.equal(p.binding(), binding)) {
      return new Taken(null, Refusal.OTHER_SESSION);
    }
    if (!clock.instant().isBefore(p.createdAt().plus(ttl))) {
      return new Taken(null, Refusal.EXPIRED);
    }
    return new Taken(p, null);
  }
}

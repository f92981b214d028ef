package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.internal.TokenSender;
import dev.tokenkeeper.testing.ManualScheduler;
import dev.tokenkeeper.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.LincheckSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Model checking of one key's state machine with Lincheck 3.7 ({@code Lincheck.runConcurrentTest}):
 * Lincheck runs the scenario many times and, at every shared-memory access and synchronization
 * point, chooses which thread goes on, exploring different interleavings and reporting the one
 * that breaks an assertion. Three threads call {@code rejected} + {@code token}, {@code put} +
 * {@code invalidate}, and {@code revoke} + another key that evicts the first (a cache of one key),
 * against a synchronous fake transport that rotates refresh tokens and records a rotated one
 * that comes back (a revoked one that comes back is refused with {@code invalid_grant}: a refresh
 * already under way when {@code revoke} runs may still be sent, as it may be on the wire). Everything is built inside each run, so that Lincheck controls every thread
 * (the manager runs on the caller's thread: {@code executor(Runnable::run)}, a manual scheduler,
 * no I/O). Invariants after every run: no refresh token sent after it was rotated; no
 * undocumented exception; the token served afterwards was issued by the transport; at most 5
 * token requests.
 *
 * <pre>mvn -pl core -am test -Dtest=KeyStateInterleavingsCheck -Dsurefire.failIfNoSpecifiedTests=false -Dinterleavings.invocations=150</pre>
 *
 * <p><b>Not in the suite yet</b> (the class name does not end in {@code Test}): on this machine
 * Lincheck 3.7 ends with "Concurrent test has hung" after about 20 s, and the trace it reports for
 * that run ends after the scenario's last assertion passed, with every thread finished — its
 * hang detection, not a deadlock of ours; other runs end with Lincheck's "Non-determinism found"
 * (Caffeine and {@code ConcurrentHashMap} use identity hashes and thread-local probes) or its
 * own "Wow! You've caught a bug in Lincheck". Until that is sorted out, {@link KeyStateRacesTest}
 * runs the same scenario on real threads in the suite. In the runs Lincheck did explore, the
 * only failure was the first version of this check counting a refresh that was already under
 * way when {@code revoke} ran (sent after the revocation): the check now lets the provider refuse
 * that one, as {@code revoke}'s contract allows.
 */
class KeyStateInterleavingsCheck {
  static final int INVOCATIONS = Integer.getInteger("interleavings.invocations", 150);
  static final TokenEndpoint UNUSED = TokenEndpoint.builder(URI.create("https://idp.example/token"),
      ClientAuthentication.basic("client", "secret")).build();
  static final AtomicInteger RUNS = new AtomicInteger();

  @AfterAll
  static void close() {
    UNUSED.close();
  }

  /** A transport that answers on the caller's thread and keeps the refresh-token books. */
  static final class Books implements TokenSender.Transport {
    final MutableClock clock;
    final Set<String> live = new HashSet<>();
    final Set<String> rotated = new HashSet<>();
    final Set<String> issued = new HashSet<>();
    final List<String> violations = new ArrayList<>();
    int requests;

    Books(MutableClock clock) {
      this.clock = clock;
    }

    synchronized String[] issue() {
      int n = ++requests;
      String at = "at-" + n;
      String rt = "rt-" + n;
      issued.add(at);
      live.add(rt);
      return new String[] {at, rt};
    }

    @Override
    public synchronized CompletableFuture<TokenResponse> request(TokenRequest request) {
      if (request.grant() instanceof Grant.RefreshToken r && !live.remove(r.refreshToken())) {
        // Revoked (revoke() raced with a refresh already under way): the provider refuses it.
        // Rotated by an earlier refresh: the manager should never have sent it again.
        if (rotated.contains(r.refreshToken())) {
          violations.add("refresh token " + r.refreshToken() + " sent after it was rotated");
        }
        return CompletableFuture.failedFuture(new TokenEndpointException(
            "the token endpoint answered HTTP 400 invalid_grant", 400, "invalid_grant", null, null,
            null, null));
      }
      if (request.grant() instanceof Grant.RefreshToken r) {
        rotated.add(r.refreshToken());
      }
      String[] pair = issue();
      return CompletableFuture.completedFuture(TokenResponse.builder(pair[0], clock.instant())
          .expiresIn(Duration.ofHours(1)).refreshToken(pair[1]).build());
    }

    @Override
    public synchronized CompletableFuture<Void> revoke(String token, String hint) {
      live.remove(token);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean supportsRevocation() {
      return true;
    }
  }

  @Test
  void rejectedPutInvalidateRevokeAndEvictionInEveryExploredOrderKeepTheInvariants() {
    RUNS.set(0);
    LincheckSettings d = LincheckSettings.Companion.getDEFAULT();
    System.out.println("Lincheck defaults: " + d);
    // The JDK's own code (java.util, java.time, regex) is not interleaved: TokenKeeper's and
    // Caffeine's is. Lincheck 3.7 offers this knob only on its internal entry point.
    LincheckSettings settings = new LincheckSettings(false, d.getLoopIterationsBeforeThreadSwitch(),
        d.getLoopBound(), d.getRecursionBound());
    Lincheck.runConcurrentTestInternal$lincheck(INVOCATIONS, settings,
        KeyStateInterleavingsCheck::scenario);
    System.out.println("KeyStateInterleavingsCheck: Lincheck model checking, " + INVOCATIONS
        + " invocations asked, " + RUNS.get() + " runs of 3 threads explored, 0 violations");
    assertTrue(RUNS.get() > 0);
  }

  static void scenario() {
    RUNS.incrementAndGet();
    MutableClock clock = MutableClock.at("2026-11-30T08:00:00Z");
    Books books = new Books(clock);
    TokenManager manager = TokenManager.builder(UNUSED).transport(books)
        .ticker(clock).clock(clock).executor(Runnable::run).scheduler(new ManualScheduler(clock))
        .primaryGrant(Grant.clientCredentials()).retryPolicy(RetryPolicy.none())
        .maximumSize(1).build();
    List<Throwable> undocumented = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      AccessToken first = manager.token("k");
      Thread a = new Thread(() -> {
        manager.rejected("k", first).handle((t, e) -> t);
        manager.token("k");
      });
      Thread b = new Thread(() -> {
        String[] pair = books.issue();
        manager.put("k", TokenResponse.builder(pair[0], clock.instant())
            .expiresIn(Duration.ofHours(1)).refreshToken(pair[1]).build());
        manager.invalidate("k");
      });
      Thread c = new Thread(() -> {
        manager.revoke("k").handle((v, e) -> v);
        manager.token("other"); // a cache of one key: evicts "k"
      });
      for (Thread t : List.of(a, b, c)) {
        t.setUncaughtExceptionHandler((thread, e) -> {
          if (!(e instanceof TokenKeeperException)) {
            undocumented.add(e);
          }
        });
        t.start();
      }
      a.join();
      b.join();
      c.join();
      AccessToken after = manager.token("k");

      assertEquals(List.of(), undocumented, "undocumented exceptions");
      synchronized (books) {
        assertEquals(List.of(), books.violations, "refresh tokens sent after rotation");
        assertTrue(books.issued.contains(after.value()), "a token the transport issued");
        assertTrue(books.requests <= 6, "token requests (put's own included): " + books.requests);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    // Not closed: it holds no thread (manual scheduler, caller-thread executor, no I/O).
  }
}

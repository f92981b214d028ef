package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.internal.KeySlot;
import dev.tokenkeeper.internal.KeyTable;
import dev.tokenkeeper.internal.TokenSender;
import dev.tokenkeeper.testing.ManualScheduler;
import dev.tokenkeeper.testing.MutableClock;
import java.lang.reflect.Field;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Exhaustive interleavings of one key's state machine: {@code token}, {@code rejected},
 * {@code put}, {@code invalidate}, {@code revoke} and Caffeine's eviction, run by 2 or 3 logical
 * threads against a synchronous fake token endpoint, in EVERY order the scheduling points allow.
 *
 * <p>Each logical thread is a real thread, but a controller ({@link Explorer}) lets exactly one
 * run at a time and switches only at scheduling points: between two operations of a thread, when
 * a request reaches the fake endpoint and when its answer leaves it (the network, both ways), in
 * the {@code onToken} and {@code onFailure} listener callbacks (a listener may call the manager
 * back), and, in the scenarios that ask for it, at every read of the manager's ticker (between a
 * call's judgment and its slot transition) except where the reader may hold a lock (inside
 * Caffeine, whose eviction listener retires slots under its eviction lock, or a slot's monitor)
 * or between a request's claim and its first send. So the thread that runs never waits for one
 * that is parked (a thread that does is reported with its stack after 20 s). A depth-first search
 * over the choice points enumerates every schedule of each scenario (the manager runs on the
 * caller's thread: {@code executor(Runnable::run)}, a manual scheduler, a hand-driven ticker, no
 * I/O), and counts replays that did not meet the recorded choice points (none so far).
 *
 * <p>Checked after every schedule (and, for the first three, at the moment they could break):
 * one request per key at a time (two requests for a key overlap only if an {@code invalidate} or
 * {@code revoke} forgot the key between their starts); a request is sent only by the key's live
 * slot, with its request claimed (a retired slot never sends; one state in one slot); a refresh
 * token the provider rotated or refused, or that was revoked, is never sent again; no caller's
 * future is left incomplete (no answer lost) and every token a caller gets was issued by the
 * endpoint (or put) and is not expired at that moment; no undocumented exception; a bound on the
 * requests per scenario. Figures are printed per scenario; the README's Reliability section
 * quotes them. Removing the retired check from {@code KeySlot.claim} makes the scenario of a new
 * key racing invalidate and revoke fail; the first run found a retired slot falling back to the
 * primary grant after {@code invalid_grant} (fixed in {@code TokenSequence}).
 *
 * <p>This replaces Lincheck 3.7 ({@link KeyStateInterleavingsCheck}), whose model checker reports
 * runs that finish as hung or non-deterministic on this code.
 */
class KeyStateInterleavingsTest {
  static final TokenEndpoint UNUSED = TokenEndpoint.builder(URI.create("https://idp.example/token"),
      ClientAuthentication.basic("client", "secret")).build();
  static final Duration HOUR = Duration.ofHours(1);

  @AfterAll
  static void close() {
    UNUSED.close();
  }

  // ---- the controller ----------------------------------------------------------------------

  /** Lets one logical thread run at a time; enumerates every schedule depth-first. */
  static final class Explorer {
    private final Object lock = new Object();
    private Thread[] threads = new Thread[0];
    private boolean[] done = new boolean[0];
    private int running = -1;
    /** The choices of the schedule to replay, then extended with index 0. */
    private List<Integer> prefix = List.of();
    private final List<Integer> chosen = new ArrayList<>();
    private final List<Integer> widths = new ArrayList<>();
    int divergences;
    int maxDepth;

    /** The logical thread id of the current thread, or -1 when not controlled. */
    private int self() {
      Thread me = Thread.currentThread();
      for (int i = 0; i < threads.length; i++) {
        if (threads[i] == me) {
          return i;
        }
      }
      return -1;
    }

    private static final StackWalker WALKER = StackWalker.getInstance();

    /**
     * A read of the manager's ticker as a scheduling point (between a call's judgment and its
     * transition), except where the reader may hold a lock: inside Caffeine (its eviction lock)
     * and inside {@code SessionWatch} (a slot's monitor); nor inside a token request sequence,
     * whose claim and send are one step.
     */
    void tickerPoint() {
      boolean locked = WALKER.walk(frames -> frames.anyMatch(f -> {
        String c = f.getClassName();
        return c.startsWith("com.github.benmanes.caffeine") || c.endsWith("SessionWatch")
            || c.startsWith("dev.tokenkeeper.testing")
            // A claimed request is in flight: an invalidate between its claim and its first
            // send is one during the request, which completes its callers (the contract).
            || c.endsWith(".TokenSequence") && !f.getMethodName().startsWith("lambda");
      }));
      if (!locked) {
        point();
      }
    }

    /** A scheduling point: another thread may run now. */
    void point() {
      int me;
      synchronized (lock) {
        me = self();
      }
      if (me < 0) {
        return;
      }
      synchronized (lock) {
        choose();
        awaitTurn(me);
      }
    }

    /** Picks the next thread among those not done (under the lock). */
    private void choose() {
      List<Integer> enabled = new ArrayList<>();
      for (int i = 0; i < done.length; i++) {
        if (!done[i]) {
          enabled.add(i);
        }
      }
      if (enabled.isEmpty()) {
        running = -1;
        lock.notifyAll();
        return;
      }
      int depth = chosen.size();
      int pick = depth < prefix.size() ? prefix.get(depth) : 0;
      if (pick >= enabled.size()) {
        divergences++;
        pick = enabled.size() - 1;
      }
      chosen.add(pick);
      widths.add(enabled.size());
      running = enabled.get(pick);
      lock.notifyAll();
    }

    private void awaitTurn(int me) {
      while (running != me) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }

    /** Runs {@code bodies}, one logical thread each, under one schedule; false when all done. */
    void run(List<Runnable> bodies, List<Throwable> undocumented) throws InterruptedException {
      synchronized (lock) {
        chosen.clear();
        widths.clear();
        threads = new Thread[bodies.size()];
        done = new boolean[bodies.size()];
        running = -2;
        for (int i = 0; i < bodies.size(); i++) {
          int id = i;
          Runnable body = bodies.get(i);
          threads[i] = new Thread(() -> {
            synchronized (lock) {
              awaitTurn(id);
            }
            try {
              body.run();
            } catch (Throwable t) {
              undocumented.add(t);
            } finally {
              synchronized (lock) {
                done[id] = true;
                choose();
              }
            }
          }, "logical-" + i);
          threads[i].setDaemon(true);
        }
      }
      for (Thread t : threads) {
        t.start();
      }
      synchronized (lock) {
        choose();
        long deadline = System.currentTimeMillis() + 20_000;
        while (running != -1) {
          long left = deadline - System.currentTimeMillis();
          if (left <= 0) {
            Thread stuck = running >= 0 ? threads[running] : null;
            StringBuilder where = new StringBuilder();
            if (stuck != null) {
              for (StackTraceElement e : stuck.getStackTrace()) {
                where.append("\n\tat ").append(e);
              }
            }
            throw new AssertionError("a logical thread blocked outside a scheduling point"
                + " (a deadlock, or a wait for a parked thread) in schedule " + chosen + where);
          }
          lock.wait(left);
        }
      }
      for (Thread t : threads) {
        t.join();
      }
      synchronized (lock) {
        threads = new Thread[0];
        maxDepth = Math.max(maxDepth, chosen.size());
      }
    }

    /** Moves to the next schedule depth-first; false when every one was run. */
    boolean next() {
      for (int d = chosen.size() - 1; d >= 0; d--) {
        if (chosen.get(d) + 1 < widths.get(d)) {
          List<Integer> p = new ArrayList<>(chosen.subList(0, d));
          p.add(chosen.get(d) + 1);
          prefix = p;
          return true;
        }
      }
      return false;
    }

    String schedule() {
      return chosen.toString();
    }
  }

  // ---- the fake endpoint -------------------------------------------------------------------

  /**
   * A token endpoint that answers on the caller's thread, rotates every refresh token, and keeps
   * the books the invariants are checked against. Each request is two scheduling points: when it
   * arrives (the provider has not processed it yet) and when its answer leaves.
   */
  static final class Books implements TokenSender.Transport {
    final Explorer x;
    final MutableClock clock;
    KeyTable table;
    final Set<String> live = new HashSet<>();
    final Set<String> dead = new HashSet<>();
    final Set<String> issued = new HashSet<>();
    final Map<String, Integer> inFlight = new HashMap<>();
    /** Per key: bumped when invalidate or revoke forgets it. */
    final Map<String, Integer> epoch = new HashMap<>();
    final Map<String, Integer> flightEpoch = new HashMap<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    int requests;
    int revocations;

    Books(Explorer x, MutableClock clock) {
      this.x = x;
      this.clock = clock;
    }

    synchronized void forget(String key) {
      epoch.merge(key, 1, Integer::sum);
    }

    synchronized TokenResponse issue(String key) {
      int n = ++requests;
      String at = "at-" + key + "-" + n;
      String rt = "rt-" + key + "-" + n;
      issued.add(at);
      live.add(rt);
      return TokenResponse.builder(at, clock.instant()).expiresIn(HOUR).refreshToken(rt).build();
    }

    @Override
    public CompletableFuture<TokenResponse> request(TokenRequest request) {
      String key = request.endpointId();
      synchronized (this) {
        int e = epoch.getOrDefault(key, 0);
        if (inFlight.getOrDefault(key, 0) > 0 && flightEpoch.getOrDefault(key, -1) == e) {
          violations.add("two requests in flight for key " + key);
        }
        inFlight.merge(key, 1, Integer::sum);
        flightEpoch.put(key, e);
        KeySlot slot = table.live(key);
        if (slot == null || !slot.busy()) {
          violations.add("a request for key " + key + " sent by a slot that is not the key's"
              + " live slot with a claimed request (" + slot + ")");
        }
        if (request.grant() instanceof Grant.RefreshToken r && dead.contains(r.refreshToken())) {
          violations.add("refresh token " + r.refreshToken() + " sent after it was rotated,"
              + " refused or revoked");
        }
      }
      x.point(); // the request is on its way
      CompletableFuture<TokenResponse> answer;
      synchronized (this) {
        if (request.grant() instanceof Grant.RefreshToken r && !live.remove(r.refreshToken())) {
          dead.add(r.refreshToken());
          answer = CompletableFuture.failedFuture(new TokenEndpointException(
              "the token endpoint answered HTTP 400 invalid_grant", 400, "invalid_grant", null,
              null, null, null));
        } else {
          if (request.grant() instanceof Grant.RefreshToken r) {
            dead.add(r.refreshToken());
          }
          answer = CompletableFuture.completedFuture(issue(key));
        }
      }
      x.point(); // the answer is on its way
      synchronized (this) {
        inFlight.merge(key, -1, Integer::sum);
      }
      return answer;
    }

    @Override
    public CompletableFuture<Void> revoke(String token, String hint) {
      synchronized (this) {
        revocations++;
        if (live.remove(token)) {
          dead.add(token);
        }
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean supportsRevocation() {
      return true;
    }
  }

  // ---- one scenario ------------------------------------------------------------------------

  /** What a scenario's threads see: the manager, the endpoint's books and the callers' futures. */
  static final class World {
    final Explorer x;
    final MutableClock clock = MutableClock.at("2026-11-30T08:00:00Z");
    final Books books;
    final TokenManager manager;
    final List<CompletableFuture<?>> futures = new CopyOnWriteArrayList<>();
    final List<Throwable> undocumented = new CopyOnWriteArrayList<>();

    World(Explorer x, Consumer<TokenManager.Builder> tune) {
      this(x, tune, false);
    }

    /** @param tickerPoints whether every read of the ticker is a scheduling point too */
    World(Explorer x, Consumer<TokenManager.Builder> tune, boolean tickerPoints) {
      this.x = x;
      this.books = new Books(x, clock);
      TokenListener yielding = new TokenListener() {
        @Override
        public void onToken(String key, TokenResponse response, RefreshCause cause) {
          x.point(); // a listener may call the manager back: another thread may run here
        }

        @Override
        public void onFailure(String key, Throwable failure, boolean stillServing) {
          x.point();
        }
      };
      Ticker ticker = tickerPoints ? () -> {
        x.tickerPoint();
        return clock.read();
      } : clock;
      TokenManager.Builder b = TokenManager.builder(UNUSED).transport(books).ticker(ticker)
          .clock(clock).executor(Runnable::run).scheduler(new ManualScheduler(clock))
          .primaryGrant(Grant.clientCredentials())
          .primaryRequest(k -> TokenRequest.builder(Grant.clientCredentials()).endpointId(k)
              .build())
          .retryPolicy(RetryPolicy.none()).listener(yielding);
      tune.accept(b);
      this.manager = b.build();
      try {
        Field f = TokenManager.class.getDeclaredField("table");
        f.setAccessible(true);
        books.table = (KeyTable) f.get(manager);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }

    /** A caller's future: checked when it completes and after the schedule. */
    void watch(CompletableFuture<AccessToken> f) {
      watch(f, clock.instant());
    }

    /**
     * A caller's future: a token it has at once was judged when the call began (a refresh ahead
     * of expiry runs inside the call here, as the fake endpoint answers synchronously); a token it
     * waits for must be unexpired when it arrives.
     */
    void watch(CompletableFuture<AccessToken> f, java.time.Instant calledAt) {
      futures.add(f);
      boolean atOnce = f.isDone();
      f.whenComplete((t, e) -> {
        if (t != null) {
          synchronized (books) {
            if (!books.issued.contains(t.value())) {
              books.violations.add("a caller got " + t.value() + ", never issued");
            }
          }
          java.time.Instant at = atOnce ? calledAt : clock.instant();
          if (!t.expiresAt().isAfter(at)) {
            books.violations.add("a caller got " + t.value() + " expired at " + t.expiresAt()
                + " at " + at);
          }
        } else {
          Throwable c = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
          if (!(c instanceof TokenKeeperException)) {
            undocumented.add(c);
          }
        }
      });
    }

    void token(String key) {
      java.time.Instant calledAt = clock.instant();
      try {
        watch(manager.tokenAsync(key), calledAt);
      } catch (TokenKeeperException e) {
        // documented
      }
    }

    void rejected(String key, AccessToken token) {
      java.time.Instant calledAt = clock.instant();
      watch(manager.rejected(key, token), calledAt);
    }

    void put(String key) {
      manager.put(key, books.issue(key));
    }

    void invalidate(String key) {
      books.forget(key);
      manager.invalidate(key);
    }

    void revoke(String key) {
      books.forget(key);
      CompletableFuture<Void> f = manager.revoke(key);
      futures.add(f);
      f.whenComplete((v, e) -> {
        Throwable c = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
        if (c != null && !(c instanceof TokenKeeperException)) {
          undocumented.add(c);
        }
      });
    }

    /** A scheduling point between two operations of one thread. */
    void then() {
      x.point();
    }

    void advance(Duration by) {
      clock.advance(by);
    }
  }

  /** A scenario: how the manager is built, what runs before, and each logical thread's body. */
  interface Scenario {
    void setUp(World w);

    List<Runnable> threads(World w);
  }

  record Figures(int schedules, int maxDepth, int divergences, int requests) {}

  static Figures explore(String name, Consumer<TokenManager.Builder> tune, Scenario scenario,
      int maxRequests) throws InterruptedException {
    return explore(name, tune, false, scenario, maxRequests);
  }

  static Figures explore(String name, Consumer<TokenManager.Builder> tune, boolean tickerPoints,
      Scenario scenario, int maxRequests) throws InterruptedException {
    Explorer x = new Explorer();
    int schedules = 0;
    int mostRequests = 0;
    do {
      World w = new World(x, tune, tickerPoints);
      scenario.setUp(w);
      x.run(scenario.threads(w), w.undocumented);
      schedules++;
      String where = name + ", schedule " + x.schedule();
      for (CompletableFuture<?> f : w.futures) {
        assertTrue(f.isDone(), "a caller's future left incomplete (an answer lost): " + where);
      }
      int requests;
      synchronized (w.books) {
        requests = w.books.requests;
      }
      AccessToken after = w.manager.token("k"); // the key still works, with an issued token
      w.watch(CompletableFuture.completedFuture(after));
      assertEquals(List.of(), w.undocumented, "undocumented exceptions: " + where);
      assertEquals(List.of(), w.books.violations, "invariants broken: " + where);
      synchronized (w.books) {
        mostRequests = Math.max(mostRequests, requests);
        assertTrue(requests <= maxRequests,
            "token requests " + requests + " > " + maxRequests + ": " + where);
      }
      w.manager.close();
    } while (x.next());
    Figures figures = new Figures(schedules, x.maxDepth, x.divergences, mostRequests);
    System.out.println("interleavings " + name + ": " + schedules + " schedules explored"
        + " (all of them; up to " + x.maxDepth + " choice points), " + x.divergences
        + " divergent replays, at most " + mostRequests + " token requests, 0 violations");
    return figures;
  }

  // ---- the scenarios -----------------------------------------------------------------------

  /** A 401 and a later call, a put() then invalidate(), a revoke() and an evicting second key. */
  @Test
  void rejectedPutInvalidateRevokeAndEviction() throws InterruptedException {
    AccessToken[] first = new AccessToken[1];
    Figures f = explore("rejected|put+invalidate|revoke+evict", b -> b.maximumSize(1),
        new Scenario() {
          @Override
          public void setUp(World w) {
            first[0] = w.manager.token("k");
          }

          @Override
          public List<Runnable> threads(World w) {
            return List.of(
                () -> w.rejected("k", first[0]),
                () -> {
                  w.put("k");
                  w.then();
                  w.invalidate("k");
                },
                () -> {
                  w.revoke("k");
                  w.then();
                  w.token("other");
                });
          }
        }, 8);
    assertTrue(f.schedules() > 100, "schedules: " + f.schedules());
  }

  /** Two callers at expiry, with the refresh window and expiry margin at 0, under size pressure. */
  @Test
  void callersAtExpiryUnderSizePressureMakeOneRequest() throws InterruptedException {
    Figures f = explore("token|token|evict at expiry", b -> b.maximumSize(1)
        .refreshWindow(Duration.ZERO).expiryMargin(Duration.ZERO), new Scenario() {
          @Override
          public void setUp(World w) {
            w.manager.token("k");
            w.clock.advance(HOUR);
          }

          @Override
          public List<Runnable> threads(World w) {
            return List.of(() -> w.token("k"), () -> w.token("k"), () -> w.token("other"));
          }
        }, 4); // k's first token, its one renewal, other's, k's again after other evicted it
    assertTrue(f.schedules() > 10, "schedules: " + f.schedules());
  }

  /** A 401 racing a refresh ahead of expiry, a put() and the clock passing the expiry. */
  @Test
  void rejectedRacesRefreshAheadOfExpiryPutAndTime() throws InterruptedException {
    AccessToken[] first = new AccessToken[1];
    Figures f = explore("rejected+token|token+put|advance", b -> { }, new Scenario() {
          @Override
          public void setUp(World w) {
            first[0] = w.manager.token("k");
            w.clock.advance(Duration.ofMinutes(56)); // STALE: in the refresh window
          }

          @Override
          public List<Runnable> threads(World w) {
            return List.of(
                () -> {
                  w.rejected("k", first[0]);
                  w.then();
                  w.token("k");
                },
                () -> {
                  w.token("k");
                  w.then();
                  w.put("k");
                },
                () -> w.advance(Duration.ofMinutes(4)));
          }
        }, 5);
    assertTrue(f.schedules() > 10, "schedules: " + f.schedules());
  }

  /**
   * Every read of the ticker a scheduling point: a call that judged the key's slot may lose it to
   * an invalidate, a revoke or a put before its transition (the retired slot must not send).
   */
  @Test
  void callsThatLoseTheirSlotBetweenJudgmentAndTransitionLookAgain() throws InterruptedException {
    AccessToken[] first = new AccessToken[1];
    Figures f = explore("token+rejected|invalidate+put, every ticker read a point", b -> { },
        true, new Scenario() {
          @Override
          public void setUp(World w) {
            first[0] = w.manager.token("k");
            w.clock.advance(Duration.ofMinutes(59)); // EXPIRED (within the expiry margin)
          }

          @Override
          public List<Runnable> threads(World w) {
            return List.of(
                () -> {
                  w.token("k");
                  w.then();
                  w.rejected("k", first[0]);
                },
                () -> {
                  w.invalidate("k");
                  w.then();
                  w.put("k");
                });
          }
        }, 5);
    assertTrue(f.schedules() > 10, "schedules: " + f.schedules());
  }

  /** The first token of a key racing invalidate and revoke, every ticker read a point. */
  @Test
  void firstTokenRacingInvalidateAndRevokeNeverSendsFromARetiredSlot()
      throws InterruptedException {
    Figures f = explore("token+token|invalidate+revoke of a new key, every ticker read a point",
        b -> { }, true, new Scenario() {
          @Override
          public void setUp(World w) {
          }

          @Override
          public List<Runnable> threads(World w) {
            return List.of(
                () -> {
                  w.token("k");
                  w.then();
                  w.token("k");
                },
                () -> {
                  w.invalidate("k");
                  w.then();
                  w.revoke("k");
                });
          }
        }, 3);
    assertTrue(f.schedules() > 10, "schedules: " + f.schedules());
  }
}

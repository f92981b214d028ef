package dev.tokenkeeper.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.Revocation;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.redis.testing.RedisServer;
import dev.tokenkeeper.redis.testing.RotatingProvider;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code revoke(key)} with the Redis store: the key's tokens are revoked at the provider by an
 * instance that holds no copy of them, under the key's lease, and no other instance's refresh
 * resurrects the key or sends its refresh token after the revocation. Two managers in one JVM,
 * each with its own store (two instances) on one {@code redis-server}, and a provider that
 * records revocations.
 */
class RedisRevokeIT {
  private static final String ENCRYPTION_KEY = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

  @RegisterExtension
  final RedisServer redis = new RedisServer();

  @Test
  void anInstanceWithoutACopyRevokesTheSharedTokensAtTheProviderThenRemovesThem()
      throws Exception {
    try (RotatingProvider provider = new RotatingProvider(3600);
        Instance a = new Instance(provider);
        Instance b = new Instance(provider)) {
      assertEquals("AT-u-1", a.manager.token("u").value());

      b.manager.revoke("u").get(10, TimeUnit.SECONDS);

      assertEquals(List.of("RT-u-1 refresh_token", "AT-u-1 access_token"),
          revocations(provider), "refresh token first (RFC 7009), each once");
      assertTrue(b.store.read("u").get(5, TimeUnit.SECONDS).isAbsent(), "removed from Redis");
      assertEquals(List.of("u " + new Revocation(Revocation.Outcome.REVOKED,
          Revocation.Outcome.REVOKED)), b.revoked, "the revoking instance's listener");
      assertEquals(0, provider.refreshesWithRevokedTokens());
    }
  }

  @Test
  void theInstanceHoldingTheSameCopyRevokesEachTokenOnce() throws Exception {
    try (RotatingProvider provider = new RotatingProvider(3600);
        Instance a = new Instance(provider);
        Instance b = new Instance(provider)) {
      a.manager.token("u");
      assertEquals("AT-u-1", b.manager.token("u").value(), "B took A's token from Redis");

      b.manager.revoke("u").get(10, TimeUnit.SECONDS);

      assertEquals(List.of("RT-u-1 refresh_token", "AT-u-1 access_token"),
          revocations(provider));
      assertEquals(1, b.revoked.size(), b.revoked.toString());
      assertTrue(a.store.read("u").get(5, TimeUnit.SECONDS).isAbsent());
    }
  }

  @Test
  void aRevokeWaitsForTheLeaseOfARefreshInFlightElsewhereAndRevokesWhatItBrought()
      throws Exception {
    try (RotatingProvider provider = new RotatingProvider(3600);
        Instance a = new Instance(provider);
        Instance b = new Instance(provider)) {
      AccessToken first = a.manager.token("u");
      CountDownLatch answer = new CountDownLatch(1);
      CountDownLatch held = new CountDownLatch(1);
      provider.gateAnswers(answer, held);
      // A refreshes (a 401 on its token): the provider rotates RT-u-1 to RT-u-2, and its
      // answer is late. A holds the key's lease, renewed, all along.
      CompletableFuture<AccessToken> refreshed = a.manager.rejected("u", first);
      assertTrue(held.await(10, TimeUnit.SECONDS));

      CompletableFuture<Void> revoked = b.manager.revoke("u");
      assertFalse(revoked.isDone(), "the revoke waits for A's lease");
      assertEquals(List.of(), revocations(provider), "nothing revoked before the lease");

      answer.countDown();
      assertEquals("AT-u-2", refreshed.get(10, TimeUnit.SECONDS).value(),
          "A's callers, who asked before the revoke, get A's answer");
      revoked.get(10, TimeUnit.SECONDS);

      assertEquals(List.of("RT-u-2 refresh_token", "AT-u-2 access_token"),
          revocations(provider), "what is stored when B holds the lease is revoked");
      assertTrue(b.store.read("u").get(5, TimeUnit.SECONDS).isAbsent());
      // A hears of the removal (pub/sub) and forgets its copy: its next call acquires afresh.
      String next = a.manager.token("u").value();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (next.equals("AT-u-2") && System.nanoTime() < deadline) {
        Thread.sleep(5); // the announcement travels through Redis: bounded look
        next = a.manager.token("u").value();
      }
      assertEquals("AT-u-3", next, "A forgot the revoked state and acquired a new token");
      assertEquals(0, provider.refreshesWithRevokedTokens(), "no revoked refresh token sent");
      assertEquals(0, provider.invalidGrants());
    }
  }

  @Test
  void aRefreshWhoseLeaseLapsedDuringTheRevokeIsFencedOffRevokedAndNotServed()
      throws Exception {
    try (RotatingProvider provider = new RotatingProvider(3600);
        Instance a = new Instance(provider);
        Instance b = new Instance(provider)) {
      AccessToken first = a.manager.token("u");
      CountDownLatch answer = new CountDownLatch(1);
      CountDownLatch held = new CountDownLatch(1);
      provider.gateAnswers(answer, held);
      CompletableFuture<AccessToken> refreshed = a.manager.rejected("u", first);
      assertTrue(held.await(10, TimeUnit.SECONDS));
      // A's lease lapses (as after a pause longer than the lease period): B gets the lease.
      RedisServer.command(redis.port(), "DEL", a.store.engine().keys().lease("u"));

      b.manager.revoke("u").get(10, TimeUnit.SECONDS);
      assertEquals(List.of("RT-u-1 refresh_token", "AT-u-1 access_token"),
          revocations(provider), "B revoked the state stored when it took the lease");

      answer.countDown(); // A's answer (AT-u-2, RT-u-2) arrives after the removal
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> refreshed.get(10, TimeUnit.SECONDS));
      assertInstanceOf(ReauthenticationRequiredException.class, e.getCause());
      assertTrue(e.getCause().getMessage().contains("removed from the shared store by another"
          + " instance"), e.getCause().getMessage());
      awaitRevocations(provider, 4);
      assertEquals(List.of("RT-u-1 refresh_token", "AT-u-1 access_token",
          "RT-u-2 refresh_token", "AT-u-2 access_token"), revocations(provider),
          "A revoked the tokens its fenced-off answer brought");
      assertTrue(b.store.read("u").get(5, TimeUnit.SECONDS).isAbsent(),
          "not resurrected in Redis");
      assertEquals("AT-u-3", a.manager.token("u").value(),
          "not resurrected in A either: the next call acquires afresh");
      assertEquals(0, provider.refreshesWithRevokedTokens());
    }
  }

  @Test
  void aRefreshAnsweredAfterAnotherInstanceForgotTheKeyIsNotServedNorStoredAgain()
      throws Exception {
    try (RotatingProvider provider = new RotatingProvider(3600);
        Instance a = new Instance(provider);
        Instance b = new Instance(provider)) {
      AccessToken first = a.manager.token("u");
      CountDownLatch answer = new CountDownLatch(1);
      CountDownLatch held = new CountDownLatch(1);
      provider.gateAnswers(answer, held);
      CompletableFuture<AccessToken> refreshed = a.manager.rejected("u", first);
      assertTrue(held.await(10, TimeUnit.SECONDS));

      b.manager.invalidate("u"); // a sign-out on B while A's refresh is in flight
      long removedAt = b.store.read("u").get(5, TimeUnit.SECONDS).version();
      answer.countDown();

      ExecutionException e = assertThrows(ExecutionException.class,
          () -> refreshed.get(10, TimeUnit.SECONDS));
      assertInstanceOf(ReauthenticationRequiredException.class, e.getCause());
      awaitRevocations(provider, 2);
      assertEquals(List.of("RT-u-2 refresh_token", "AT-u-2 access_token"),
          revocations(provider), "the fenced-off answer's tokens are revoked, not orphaned");
      assertEquals(removedAt, b.store.read("u").get(5, TimeUnit.SECONDS).version(),
          "the removal stands");
      assertEquals("AT-u-3", a.manager.token("u").value(), "A does not serve AT-u-2");
    }
  }

  @Test
  void revokesAmidARefreshingHerdNeverLetARevokedRefreshTokenBeSent() throws Exception {
    // 1 s tokens: the callers of A and C keep the key refreshing (one request per cycle for
    // the cluster) while B, which serves no caller and holds no copy, revokes it six times over,
    // refreshes in between.
    try (RotatingProvider provider = new RotatingProvider(1);
        Instance a = new Instance(provider);
        Instance b = new Instance(provider);
        Instance c = new Instance(provider)) {
      java.util.concurrent.atomic.AtomicBoolean running =
          new java.util.concurrent.atomic.AtomicBoolean(true);
      java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();
      java.util.Map<String, java.util.concurrent.atomic.AtomicLong> failures =
          new java.util.concurrent.ConcurrentHashMap<>();
      List<Thread> callers = new java.util.ArrayList<>();
      for (Instance instance : List.of(a, c)) {
        for (int i = 0; i < 8; i++) {
          Thread t = new Thread(() -> {
            while (running.get()) {
              try {
                instance.manager.token("u");
                served.incrementAndGet();
              } catch (RuntimeException e) {
                failures.computeIfAbsent(e.getClass().getSimpleName(),
                    k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
              }
              try {
                Thread.sleep(5); // a caller's think time
              } catch (InterruptedException e) {
                return;
              }
            }
          });
          t.setDaemon(true);
          t.start();
          callers.add(t);
        }
      }
      for (int i = 0; i < 6; i++) {
        Thread.sleep(1_500); // let refreshes run between the revocations
        b.manager.revoke("u").get(30, TimeUnit.SECONDS);
      }
      running.set(false);
      for (Thread t : callers) {
        t.join(10_000);
      }
      System.out.println("revokes amid a herd: served=" + served + " failures=" + failures
          + " requests=" + provider.requests() + " revocations=" + provider.revocations().size());
      assertTrue(served.get() > 0);
      assertTrue(provider.refreshes() > 0, "refreshes ran between the revocations");
      // Two per revoke; more only if a lease lapsed (a pause past 2 s) and a late answer was
      // revoked as well. Never one token twice.
      List<String> tokens = revocations(provider);
      assertTrue(tokens.size() >= 12, "each revoke revoked both tokens: " + tokens);
      assertEquals(tokens.size(), tokens.stream().distinct().count(), "each once: " + tokens);
      assertEquals(0, provider.refreshesWithRevokedTokens(),
          "no refresh token was sent after its revocation");
      assertEquals(List.of(), provider.reusedRefreshTokens(), "no refresh token sent twice");
      assertTrue(failures.keySet().stream().allMatch(
          k -> k.equals("ReauthenticationRequiredException")), failures.toString());
    }
  }

  private static List<String> revocations(RotatingProvider provider) {
    return provider.revocations().stream().map(r -> r.token() + " " + r.hint()).toList();
  }

  private static void awaitRevocations(RotatingProvider provider, int n)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (provider.revocations().size() < n && System.nanoTime() < deadline) {
      Thread.sleep(5); // revocations sent after the callers were released: bounded look
    }
  }

  /** One application instance: a manager with a revocation endpoint on its own store. */
  private final class Instance implements AutoCloseable {
    final RedisTokenStore store;
    final TokenManager manager;
    final ExecutorService pool = Executors.newFixedThreadPool(4);
    final List<String> revoked = new CopyOnWriteArrayList<>();

    Instance(RotatingProvider provider) {
      this.store = RedisTokenStore.builder(redis.uri()).encryptionKeys(ENCRYPTION_KEY)
          .leasePeriod(Duration.ofSeconds(2)).commandTimeout(Duration.ofSeconds(10)).build();
      TokenEndpoint endpoint = TokenEndpoint.builder(provider.tokenUri(),
              ClientAuthentication.basic("client", "secret"))
          .revocationUri(provider.revocationUri())
          .dialect(Dialect.ringCentral())
          .budget(null)
          .build();
      this.manager = TokenManager.builder(endpoint).executor(pool)
          .primaryGrant(Grant.clientCredentials()).store(store)
          .listener(new TokenListener() {
            @Override
            public void onRevoked(String key, Revocation revocation) {
              revoked.add(key + " " + revocation);
            }
          })
          .build();
    }

    @Override
    public void close() {
      manager.close();
      store.close();
      pool.shutdownNow();
    }
  }
}

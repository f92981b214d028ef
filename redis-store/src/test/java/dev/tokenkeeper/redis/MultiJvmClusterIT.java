package dev.tokenkeeper.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenStore.Entry;
import dev.tokenkeeper.redis.testing.NodeProcess;
import dev.tokenkeeper.redis.testing.RedisServer;
import dev.tokenkeeper.redis.testing.RotatingProvider;
import dev.tokenkeeper.redis.testing.RotatingProvider.Arrival;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TokenManager instances in separate JVM processes sharing one Redis, against a provider that
 * rotates single-use refresh tokens. Real time, bounded: tokens live 1 s (refreshed at 0.5 s),
 * leases last 500 ms.
 */
class MultiJvmClusterIT {
  private static final String KEY = "shared-key";
  private static final long LEASE_MILLIS = 500;

  @RegisterExtension
  final RedisServer redis = new RedisServer();

  @Test
  void fourJvmsTimes32ThreadsMakeOneTokenRequestPerExpiryCycleOver20Cycles() throws Exception {
    try (RotatingProvider provider = new RotatingProvider(1)) {
      CountDownLatch cycles = new CountDownLatch(20);
      provider.onArrival(a -> {
        if (a.grant().equals("refresh_token")) {
          cycles.countDown();
        }
      });
      List<NodeProcess> nodes = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          nodes.add(NodeProcess.start("node-" + i, redis.uri(), provider.tokenUri(),
              LEASE_MILLIS, 32, KEY, 2, null));
        }
        assertTrue(cycles.await(60, TimeUnit.SECONDS), "20 refresh cycles within 60 s");
        long done = System.nanoTime();
        List<String> results = new ArrayList<>();
        for (NodeProcess n : nodes) {
          results.add(n.stop());
        }
        ClusterAssertions.oneRequestPerCycle(provider, results, 300, done);
        for (String r : results) {
          assertTrue(r.endsWith("errors={}"), "no caller saw an error (no invalid_grant): " + r);
          assertFalse(r.startsWith("RESULT calls=0 "), r);
        }
      } finally {
        nodes.forEach(NodeProcess::close);
      }
    }
  }

  @Test
  void whenTheLeaseHolderIsKilledMidRequestAnotherTakesOverAfterTheLeaseAndNoRefreshTokenIsUsedTwice()
      throws Exception {
    try (RotatingProvider provider = new RotatingProvider(1)) {
      CountDownLatch gate = new CountDownLatch(1);
      provider.gateRefreshes(gate);
      CompletableFuture<Arrival> held = new CompletableFuture<>();
      CompletableFuture<Arrival> takeover = new CompletableFuture<>();
      CountDownLatch moreCycles = new CountDownLatch(3);
      provider.onArrival(a -> {
        if (!a.grant().equals("refresh_token")) {
          return;
        }
        if (!held.isDone()) {
          held.complete(a);
        } else {
          takeover.complete(a);
          moreCycles.countDown();
        }
      });
      List<NodeProcess> nodes = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          nodes.add(NodeProcess.start("node-" + i, redis.uri(), provider.tokenUri(),
              LEASE_MILLIS, 16, KEY, 2, null));
        }
        Arrival first = NodeProcess.within(held, 30);
        NodeProcess holder = nodes.stream().filter(n -> n.clientId.equals(first.client()))
            .findFirst().orElseThrow();
        holder.kill9();
        long killedAt = System.nanoTime();
        // The provider never processed the dead instance's request (it died before the provider
        // read it): the request is dropped, and later refreshes pass the gate.
        provider.dropHeldRefreshes();
        provider.gateRefreshes(null);
        gate.countDown();

        Arrival next = NodeProcess.within(takeover, 30);
        long afterKill = TimeUnit.NANOSECONDS.toMillis(next.nanoTime() - killedAt);
        assertNotEquals(holder.clientId, next.client());
        assertTrue(afterKill >= LEASE_MILLIS / 3, "the next instance waited for the dead"
            + " holder's lease (renewed every " + LEASE_MILLIS / 3 + " ms) to expire: "
            + afterKill + " ms");
        assertEquals(first.refreshToken(), next.refreshToken(),
            "the unprocessed refresh token is the live one: the takeover sends it, once");
        assertTrue(moreCycles.await(30, TimeUnit.SECONDS));
        List<String> results = new ArrayList<>();
        for (NodeProcess n : nodes) {
          if (n != holder) {
            results.add(n.stop());
          }
        }
        List<String> warnings = new ArrayList<>();
        for (NodeProcess n : nodes) {
          n.output().stream().filter(line -> line.contains("WARNING"))
              .forEach(line -> warnings.add(n.clientId + ": " + line));
        }
        assertEquals(List.of(), provider.reusedRefreshTokens(),
            "no refresh token used twice; the nodes warned: " + warnings);
        assertEquals(0, provider.invalidGrants());
        for (String r : results) {
          assertTrue(r.endsWith("errors={}"), r);
        }
      } finally {
        nodes.forEach(NodeProcess::close);
      }
    }
  }

  @Test
  void aWriterPausedPastItsLeaseIsFencedAndTheClusterKeepsTheNewerState() throws Exception {
    // Tokens live 4 s (refreshed at 2 s), so the states written here stay put while we look.
    try (RotatingProvider provider = new RotatingProvider(4)) {
      List<NodeProcess> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
      AtomicReference<NodeProcess> paused = new AtomicReference<>();
      CompletableFuture<Arrival> pausedRefresh = new CompletableFuture<>();
      CompletableFuture<Arrival> newerState = new CompletableFuture<>();
      provider.onArrival(a -> {
        try {
          if (a.grant().equals("refresh_token") && !pausedRefresh.isDone()) {
            // Freeze the sender right after it sent its refresh: the provider answers (the
            // refresh token rotates), but the answer reaches a process that cannot run.
            NodeProcess sender = nodes.stream().filter(n -> n.clientId.equals(a.client()))
                .findFirst().orElseThrow();
            sender.pause();
            paused.set(sender);
            pausedRefresh.complete(a);
          } else if (pausedRefresh.isDone() && a.grant().equals("client_credentials")) {
            newerState.complete(a); // the other instance starts over after invalid_grant
          }
        } catch (Exception e) {
          pausedRefresh.completeExceptionally(e);
        }
      });
      try (RedisTokenStore reader = RedisTokenStore.builder(redis.uri())
          .encryptionKeys("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=").build()) {
        for (int i = 0; i < 2; i++) {
          nodes.add(NodeProcess.start("node-" + i, redis.uri(), provider.tokenUri(),
              LEASE_MILLIS, 8, KEY, 2, null));
        }
        Arrival late = NodeProcess.within(pausedRefresh, 30);
        NodeProcess writer = paused.get();
        int n = Integer.parseInt(late.refreshToken().substring(late.refreshToken()
            .lastIndexOf('-') + 1));
        String lateRefreshToken = "RT-" + KEY + "-" + (n + 1); // in the paused writer's answer
        String newer = "AT-" + KEY + "-" + (n + 2); // the other instance's, after invalid_grant
        Arrival restart = NodeProcess.within(newerState, 30);
        assertNotEquals(writer.clientId, restart.client());
        Entry before = awaitStoredToken(reader, newer);

        writer.resume(); // its late answer arrives now, against the newer state
        Thread.sleep(500); // let it try its write (real time, bounded)
        Entry after = reader.read(KEY).get(5, TimeUnit.SECONDS);
        assertEquals(before.version(), after.version(), "the late write was refused");
        assertTrue(new String(after.value(), UTF_8).contains("\"" + newer + "\""),
            "the cluster keeps the newer state");

        CountDownLatch twoMoreCycles = new CountDownLatch(2);
        provider.onArrival(a -> {
          if (a.grant().equals("refresh_token")) {
            twoMoreCycles.countDown();
          }
        });
        assertTrue(twoMoreCycles.await(30, TimeUnit.SECONDS));
        assertTrue(provider.arrivals().stream()
                .noneMatch(a -> lateRefreshToken.equals(a.refreshToken())),
            "the fenced writer's refresh token never became the cluster's");
        for (NodeProcess node : nodes) {
          String result = node.stop();
          assertTrue(result.endsWith("errors={}"), result);
        }
      } catch (AssertionError | Exception e) {
        for (NodeProcess node : nodes) {
          System.out.println("== " + node.clientId + "\n" + String.join("\n", node.output()));
        }
        System.out.println("arrivals: " + provider.arrivals());
        throw e;
      } finally {
        if (paused.get() != null) {
          try {
            paused.get().resume();
          } catch (Exception ignored) {
            // already running or gone
          }
        }
        nodes.forEach(NodeProcess::close);
      }
    }
  }

  /** Waits (bounded) until the store holds a state whose access token is {@code accessToken}. */
  private static Entry awaitStoredToken(RedisTokenStore reader, String accessToken)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Entry e = null;
    while (System.nanoTime() < deadline) {
      e = reader.read(KEY).get(5, TimeUnit.SECONDS);
      if (!e.isAbsent() && new String(e.value(), UTF_8).contains("\"" + accessToken + "\"")) {
        return e;
      }
      Thread.sleep(20); // another process's write: polled, bounded
    }
    throw new AssertionError("the store never held " + accessToken + "; it holds "
        + (e == null || e.isAbsent() ? e : new String(e.value(), UTF_8)));
  }
}

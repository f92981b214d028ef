package dev.tokenkeeper.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.TokenStore.Claim;
import dev.tokenkeeper.TokenStore.Entry;
import dev.tokenkeeper.TokenStore.Lease;
import dev.tokenkeeper.TokenStore.Write;
import dev.tokenkeeper.redis.testing.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store's primitives against a real redis-server: lease, fenced write, notification, crypto. */
class RedisTokenStoreIT {
  @RegisterExtension
  static final RedisServer REDIS = new RedisServer();

  static final String KEY1 = Base64.getEncoder().encodeToString(bytes(32, 1));
  static final String KEY2 = Base64.getEncoder().encodeToString(bytes(32, 2));

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private RedisClient raw;
  private RedisCommands<String, String> redis;

  @BeforeEach
  void connectRaw() {
    raw = RedisClient.create(REDIS.uri());
    StatefulRedisConnection<String, String> c = raw.connect();
    redis = c.sync();
    redis.flushall();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    raw.shutdown();
  }

  private RedisTokenStore store(String keys, Duration lease) {
    RedisTokenStore.Builder b = RedisTokenStore.builder(REDIS.uri()).leasePeriod(lease)
        .maxWait(Duration.ofSeconds(10));
    RedisTokenStore s = (keys == null ? b.plaintext() : b.encryptionKeys(keys)).build();
    closeables.add(s);
    return s;
  }

  @Test
  void fencedWriteIsRefusedForAWriterWhoseLeaseWasTakenOver() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    RedisTokenStore b = store(KEY1, Duration.ofSeconds(5));
    Lease stale = get(a.claim("k", 0)).lease();
    assertNotNull(stale);
    // A pauses past its lease: the lease lapses (deleted here, as its expiry would) ...
    redis.del("tokenkeeper:{k}:lease");
    // ... B takes over, refreshes and writes.
    Lease fresh = get(b.claim("k", 0)).lease();
    assertNotNull(fresh, "B takes the lapsed lease");
    Write bWrote = get(fresh.write("from-b".getBytes(UTF_8), null));
    assertTrue(bWrote.written());

    Write aWrote = get(stale.write("from-a".getBytes(UTF_8), null));

    assertFalse(aWrote.written(), "the stale writer is fenced off");
    assertEquals(bWrote.current().version(), aWrote.current().version());
    assertArrayEquals("from-b".getBytes(UTF_8), aWrote.current().value());
    assertArrayEquals("from-b".getBytes(UTF_8), get(a.read("k")).value());
  }

  @Test
  void fencedWriteIsRefusedWhileAnotherInstanceHoldsTheLease() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    Lease lease = get(a.claim("k", 0)).lease();
    redis.set("tokenkeeper:{k}:lease", "someone-else");

    Write w = get(lease.write("x".getBytes(UTF_8), null));

    assertFalse(w.written());
    assertTrue(get(a.read("k")).isAbsent());
  }

  @Test
  void aNewerVersionIsNeverOverwrittenByAnOlderOne() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    Lease lease = get(a.claim("k", 0)).lease();
    Entry signedIn = get(a.put("k", "sign-in".getBytes(UTF_8), null)); // a put() meanwhile

    Write w = get(lease.write("old-refresh".getBytes(UTF_8), null));

    assertFalse(w.written());
    assertEquals(signedIn.version(), w.current().version());
    assertArrayEquals("sign-in".getBytes(UTF_8), get(a.read("k")).value());
  }

  @Test
  void aRefusedWriteEndsTheWritersLeaseSoTheNextInstanceNeedNotWaitForItsExpiry()
      throws Exception {
    // Found by ClusterBenchmark: a first claim raced a put(), its write was refused, and its
    // lease stayed until expiry, so every instance waited ~9 s at the next expiry.
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(10));
    RedisTokenStore b = store(KEY1, Duration.ofSeconds(10));
    Lease lease = get(a.claim("k", 0)).lease();
    Entry put = get(b.put("k", "sign-in".getBytes(UTF_8), null));
    assertFalse(get(lease.write("late".getBytes(UTF_8), null)).written());

    Claim next = b.claim("k", put.version()).get(5, TimeUnit.SECONDS);

    assertNotNull(next.lease(), "granted at once, not after the refused writer's 10 s lease");
  }

  @Test
  void aLapsedLeaseWithNobodyWritingSinceStillWrites() throws Exception {
    // The provider has already rotated the refresh token: refusing this answer would lose the
    // only live one.
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    Lease lease = get(a.claim("k", 0)).lease();
    redis.del("tokenkeeper:{k}:lease");

    assertTrue(get(lease.write("v".getBytes(UTF_8), null)).written());
  }

  @Test
  void versionsGrowAcrossRemovalAndExpiry() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    long v1 = get(a.put("k", "1".getBytes(UTF_8), null)).version();
    get(a.remove("k"));
    Entry removed = get(a.read("k"));
    assertTrue(removed.isAbsent());
    assertTrue(removed.version() > v1, "a removal is a version too");
    redis.del("tokenkeeper:{k}:state"); // expired
    long v2 = get(a.put("k", "2".getBytes(UTF_8), null)).version();
    assertTrue(v2 > removed.version());
  }

  @Test
  void theStoredVersionIsTheOneReturnedToTheLastDigit() throws Exception {
    // Regression: Lua's %.14g rounded 16-digit versions to 100 microseconds in Redis, so two
    // quick writes could store the same version and a stale writer pass the fence.
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    long previous = 0;
    for (int i = 0; i < 20; i++) {
      Entry put = get(a.put("k", ("v" + i).getBytes(UTF_8), null));
      assertEquals(put.version(), get(a.read("k")).version());
      assertTrue(put.version() > previous);
      previous = put.version();
      Lease lease = get(a.claim("k", put.version())).lease();
      assertNotNull(lease, "the version read back is the one claimed");
      Write w = get(lease.write(("w" + i).getBytes(UTF_8), null));
      assertTrue(w.written());
      assertEquals(w.current().version(), get(a.read("k")).version());
      previous = w.current().version();
    }
  }

  @Test
  void theStateExpiresWhenNothingCanReviveIt() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    get(a.put("k", "1".getBytes(UTF_8), Instant.now().plusSeconds(100)));
    long ttl = redis.pttl("tokenkeeper:{k}:state");
    assertTrue(ttl > 90_000 && ttl <= 100_000, "ttl " + ttl);
    Lease lease = get(a.claim("k", get(a.read("k")).version())).lease();
    get(lease.write("2".getBytes(UTF_8), null));
    assertEquals(-1, redis.pttl("tokenkeeper:{k}:state"), "no deadline: no TTL");
  }

  @Test
  void aWaiterIsNotifiedOfTheNewVersionInsteadOfGettingALease() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(30));
    RedisTokenStore b = store(KEY1, Duration.ofSeconds(30));
    Lease lease = get(a.claim("k", 0)).lease();
    CompletableFuture<Claim> waiting = b.claim("k", 0);
    assertFalse(waiting.isDone(), "B waits while A holds the lease");

    Write w = get(lease.write("new".getBytes(UTF_8), null));

    Claim claim = waiting.get(10, TimeUnit.SECONDS); // notified: far below the 30 s lease
    assertNull(claim.lease());
    assertEquals(w.current().version(), claim.newer().version());
    assertArrayEquals("new".getBytes(UTF_8), claim.newer().value());
  }

  @Test
  void theLeaseIsRenewedWhileTheRequestIsOpen() throws Exception {
    // A 1 s lease, renewed every third of it: a renewal may run up to 2/3 s late on a loaded
    // machine before the lease lapses.
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(1));
    RedisTokenStore b = store(KEY1, Duration.ofSeconds(1));
    Lease lease = get(a.claim("k", 0)).lease();
    CompletableFuture<Claim> waiting = b.claim("k", 0);

    // Three lease periods with the request open (real time: the renewal runs on Redis's TTL).
    assertThrows(java.util.concurrent.TimeoutException.class,
        () -> waiting.get(3, TimeUnit.SECONDS));
    assertTrue(redis.pttl("tokenkeeper:{k}:lease") > 0, "still held");

    get(lease.write("answer".getBytes(UTF_8), null));
    assertNull(waiting.get(10, TimeUnit.SECONDS).lease(), "B never got a lease of its own");
  }

  @Test
  void aLeaseWhoseHolderDiedEndsByExpiry() throws Exception {
    RedisTokenStore b = store(KEY1, Duration.ofMillis(200));
    // A dead holder: a lease nobody renews.
    redis.set("tokenkeeper:{k}:lease", "dead-instance:1", io.lettuce.core.SetArgs.Builder.px(200));
    long start = System.nanoTime();

    Claim claim = b.claim("k", 0).get(3, TimeUnit.SECONDS);

    assertNotNull(claim.lease(), "taken over after the lease expired");
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(150));
  }

  @Test
  void aReleasedLeaseLetsTheNextInstanceInAtOnce() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    RedisTokenStore b = store(KEY1, Duration.ofSeconds(5));
    Lease lease = get(a.claim("k", 0)).lease();
    CompletableFuture<Claim> waiting = b.claim("k", 0);
    lease.release(); // the request failed
    assertNotNull(waiting.get(10, TimeUnit.SECONDS).lease());
  }

  @Test
  void otherInstancesAreToldOfNewVersions() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    RedisTokenStore b = store(KEY1, Duration.ofSeconds(5));
    List<String> heard = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> two = new CompletableFuture<>();
    b.listen((key, version) -> {
      heard.add(key + "@" + version);
      if (heard.size() == 2) {
        two.complete(null);
      }
    });
    long v1 = get(a.put("user-{7}", "x".getBytes(UTF_8), null)).version();
    get(a.remove("user-{7}"));
    two.get(10, TimeUnit.SECONDS);
    assertEquals("user-{7}@" + v1, heard.get(0));
    assertTrue(heard.get(1).startsWith("user-{7}@"));
  }

  // ---- encryption ---------------------------------------------------------------------------

  @Test
  void valuesInRedisContainNoReadableToken() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    get(a.put("k", "{\"access_token\":\"AT-secret-123\",\"refresh_token\":\"RT-secret-456\"}"
        .getBytes(UTF_8), null));
    Map<String, String> stored = redis.hgetall("tokenkeeper:{k}:state");
    String all = String.join(" ", stored.values());
    assertFalse(all.contains("secret"), all);
    assertFalse(all.contains("access_token"), all);
    assertTrue(stored.get("d").startsWith("eyJ"), "a JWE");
    String header = new String(Base64.getUrlDecoder().decode(stored.get("d").split("\\.")[0]),
        UTF_8);
    assertTrue(header.contains("\"alg\":\"dir\"") && header.contains("\"enc\":\"A256GCM\""),
        header);
  }

  @Test
  void aValueCopiedToAnotherKeyFailsToDecrypt() throws Exception {
    RedisTokenStore a = store(KEY1, Duration.ofSeconds(5));
    get(a.put("alice", "alice-tokens".getBytes(UTF_8), null));
    get(a.put("mallory", "mallory-tokens".getBytes(UTF_8), null));
    String alices = redis.hget("tokenkeeper:{alice}:state", "d");
    redis.hset("tokenkeeper:{mallory}:state", "d", alices);

    Entry e = get(a.read("mallory"));

    assertTrue(e.isAbsent(), "Alice's value must not be served as Mallory's");
    assertArrayEquals("alice-tokens".getBytes(UTF_8), get(a.read("alice")).value());
  }

  @Test
  void rotationKeepsOldValuesReadableAndReEncryptsOnWrite() throws Exception {
    RedisTokenStore old = store(KEY1, Duration.ofSeconds(5));
    get(old.put("k", "v1".getBytes(UTF_8), null));
    String kidOld = kid(redis.hget("tokenkeeper:{k}:state", "d"));

    RedisTokenStore rotated = store(KEY2 + "," + KEY1, Duration.ofSeconds(5));
    Entry read = get(rotated.read("k"));
    assertArrayEquals("v1".getBytes(UTF_8), read.value(), "old values stay readable");
    Lease lease = get(rotated.claim("k", read.version())).lease();
    assertTrue(get(lease.write("v2".getBytes(UTF_8), null)).written());
    String kidNew = kid(redis.hget("tokenkeeper:{k}:state", "d"));
    assertFalse(kidOld.equals(kidNew), "re-encrypted with the new key on write");

    RedisTokenStore onlyNew = store(KEY2, Duration.ofSeconds(5));
    assertArrayEquals("v2".getBytes(UTF_8), get(onlyNew.read("k")).value());
    assertTrue(get(old.read("k")).isAbsent(), "the old key alone cannot read the new value");
  }

  @Test
  void withoutAKeyTheStoreRefusesToStartUnlessPlaintextIsChosen() throws Exception {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RedisTokenStore.builder(REDIS.uri()).build());
    assertTrue(e.getMessage().contains("encryptionKeys") && e.getMessage().contains("plaintext()"),
        e.getMessage());
    RedisTokenStore plain = store(null, Duration.ofSeconds(5));
    get(plain.put("k", "readable".getBytes(UTF_8), null));
    assertEquals("readable", redis.hget("tokenkeeper:{k}:state", "d"));
  }

  @Test
  void badKeysAreNamedByPositionNeverShown() {
    IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
        () -> RedisTokenStore.builder(REDIS.uri()).encryptionKeys(KEY1 + ",c2hvcnQ="));
    assertTrue(shortKey.getMessage().contains("#2") && shortKey.getMessage().contains("32 bytes"),
        shortKey.getMessage());
    assertFalse(shortKey.getMessage().contains("c2hvcnQ"));
    IllegalArgumentException notBase64 = assertThrows(IllegalArgumentException.class,
        () -> RedisTokenStore.builder(REDIS.uri()).encryptionKeys("!!!secret!!!"));
    assertFalse(notBase64.getMessage().contains("secret"), notBase64.getMessage());
  }

  @Test
  void badUrisAreRefusedWithTheFormsThatWork() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RedisTokenStore.builder("http://user:hunter2@host:6379"));
    assertTrue(e.getMessage().contains("redis://") && e.getMessage().contains("redis-cluster://"));
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
  }

  private static String kid(String jwe) {
    String header = new String(Base64.getUrlDecoder().decode(jwe.split("\\.")[0]), UTF_8);
    int i = header.indexOf("\"kid\":\"") + 7;
    return header.substring(i, header.indexOf('"', i));
  }

  static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(5, TimeUnit.SECONDS);
  }

  static byte[] bytes(int n, int fill) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) fill);
    return b;
  }
}

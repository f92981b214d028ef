package dev.tokenkeeper;

import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Where a {@link TokenManager} shares the state of its keys with other instances of the same
 * application: the SPI behind the cluster store ({@code tokenkeeper-redis}). Without one (the
 * default) every state lives in the manager's own Caffeine cache only, as a single instance
 * needs. With one, that cache becomes a near-cache: the hot path still reads only the local
 * cache, and the store is touched when a token request is due, when a state is stored or
 * forgotten, and when another instance announces a new version.
 *
 * <p>The store keeps, per key, an opaque value (the manager's serialized state: tokens,
 * deadlines, session data and the request a refresh repeats) and a <b>version</b> that grows with
 * every write and never goes back. It gives the one instance about to send a token request a
 * <b>lease</b> on the key (renewed by the store while the lease is open), and accepts that
 * instance's answer only through a <b>fenced write</b>: written if the lease is still its own
 * and the version is the one it started from, refused otherwise, so a newer state is never
 * overwritten by an older one.
 *
 * <p>Implementations must be thread-safe; every method may be called from any thread and must
 * not block (the futures complete on the store's threads). Futures fail when the store cannot be
 * reached; the manager then falls back to its own per-instance single flight and says so.
 *
 * <p>The values given to a store hold secrets (access and refresh tokens): an implementation
 * must protect them at rest (the Redis store encrypts them) and never show them in a log line,
 * an exception message or a {@code toString()}.
 */
public interface TokenStore extends AutoCloseable {

  /** The stored value of {@code key} with its version; {@link Entry#isAbsent()} if none. */
  CompletableFuture<Entry> read(String key);

  /**
   * Asks to become the one instance that sends the next token request for {@code key}, having
   * seen version {@code seenVersion} (0 when it has seen none). The future completes with
   * <ul>
   *   <li>a {@linkplain Claim#lease() lease} when the stored version is still
   *       {@code seenVersion} and no other instance holds one: send the request, then
   *       {@link Lease#write} the answer; or
   *   <li>the {@linkplain Claim#newer() newer entry} when the version has moved on (another
   *       instance stored a state meanwhile), at once or after waiting, bounded, for the instance
   *       that holds the lease to write: judge that state before asking the provider.
   * </ul>
   * It fails with {@link TokenStoreException} when the holder neither writes nor lets its lease
   * lapse within the store's maximum wait.
   */
  CompletableFuture<Claim> claim(String key, long seenVersion);

  /**
   * Stores {@code value} for {@code key} whatever is stored now (a token obtained by a sign-in:
   * a new session replaces the old one), under a new version, until {@code expiresAt} (the moment
   * nothing can revive it; {@code null} for never). Completes with the new entry.
   */
  CompletableFuture<Entry> put(String key, byte[] value, Instant expiresAt);

  /** Forgets {@code key} in every instance (sign-out, revocation). */
  CompletableFuture<Void> remove(String key);

  /**
   * Registers the one listener told when another instance wrote or removed a key: the manager
   * refreshes its near-cache entry for that key, if it holds one. Called on the store's threads;
   * must be short and must not block.
   */
  void listen(VersionListener listener);

  // ---- the token-endpoint budget, shared --------------------------------------------------

  /**
   * Whether this store also keeps the {@link TokenBudget} of an endpoint for every instance, so
   * that N instances together stay within the provider's limit. Default {@code false}: each
   * manager spends its endpoint's budget in-process.
   */
  default boolean sharesBudget() {
    return false;
  }

  /**
   * Takes one permit of the budget {@code name} (one per token endpoint) for a request of
   * {@code key}, within {@code budget}'s limits as counted across every instance. One round trip
   * to the store; called only when a token request is about to be sent.
   *
   * @return 0 when the permit was taken; else nothing was taken, and the value is a positive
   *     number of nanoseconds until the endpoint may have room (full, or paused by a
   *     {@code Retry-After}), or a negative one whose magnitude is the key's wait
   * @throws RuntimeException the store cannot answer (the manager falls back to its own budget)
   */
  default long acquirePermit(String name, TokenBudget budget, String key) {
    throw new UnsupportedOperationException("this TokenStore does not share budgets");
  }

  /**
   * The request sent with this instance's oldest open permit of {@code key} in budget
   * {@code name} has completed. A store may count a permit from here (as the Redis store does), so
   * that a request that reached the provider late still falls inside the window it counts in.
   * Must not block. Default: nothing.
   */
  default void completePermit(String name, String key) {}

  /**
   * Pauses every instance's permits of budget {@code name} for {@code nanos} (the provider's
   * {@code Retry-After}); never shortens a longer pause.
   */
  default void pausePermits(String name, long nanos) {
    throw new UnsupportedOperationException("this TokenStore does not share budgets");
  }

  /** Nanoseconds the shared pause of budget {@code name} still lasts, 0 for none. */
  default long permitPause(String name) {
    return 0;
  }

  /** Requests counted now in budget {@code name}'s window, across every instance. */
  default int permitsUsed(String name, TokenBudget budget) {
    return 0;
  }

  /** Closes connections and stops the store's threads. Idempotent. */
  @Override
  void close();

  /** Told of new versions; see {@link TokenStore#listen}. */
  @FunctionalInterface
  interface VersionListener {

    /**
     * {@code key} now has {@code version} in the store; {@link TokenStore#read} gets it. A
     * removal is announced with version 0.
     */
    void onNewVersion(String key, long version);
  }

  /**
   * The right to send the next token request for one key, held by one instance of the cluster
   * at a time, and renewed by the store while it is open. Thread-safe.
   */
  interface Lease {

    /** The version the lease was granted at: the one the fenced write expects. */
    long version();

    /**
     * Writes {@code value} if this lease is still held (or lapsed with nobody else writing since)
     * and the stored version is still {@link #version()}; ends the lease either way. The future
     * completes with the outcome; when refused, {@link Write#current()} is the entry that won.
     */
    CompletableFuture<Write> write(byte[] value, Instant expiresAt);

    /** Removes the key under the same fence as {@link #write} (a refresh token found dead). */
    CompletableFuture<Write> remove();

    /** Ends the lease without writing (the request failed). Idempotent. */
    void release();
  }

  /** The answer of {@link #claim}: a lease, or the newer entry. Immutable. */
  final class Claim {
    private final Lease lease;
    private final Entry newer;

    private Claim(Lease lease, Entry newer) {
      this.lease = lease;
      this.newer = newer;
    }

    /** The lease was granted. */
    public static Claim granted(Lease lease) {
      return new Claim(Objects.requireNonNull(lease, "lease"), null);
    }

    /** The version moved on: here is the newer entry. */
    public static Claim newer(Entry entry) {
      return new Claim(null, Objects.requireNonNull(entry, "entry"));
    }

    /** The lease, or {@code null} when {@link #newer()} is set. */
    public Lease lease() {
      return lease;
    }

    /** The newer entry, or {@code null} when a lease was granted. */
    public Entry newer() {
      return newer;
    }

    @Override
    public String toString() {
      return lease != null ? "Claim[lease at version " + lease.version() + "]"
          : "Claim[newer=" + newer + "]";
    }
  }

  /** The outcome of a fenced write. Immutable. */
  final class Write {
    private final boolean written;
    private final Entry current;

    private Write(boolean written, Entry current) {
      this.written = written;
      this.current = Objects.requireNonNull(current, "current");
    }

    /** Written: {@code entry} is what is stored now. */
    public static Write written(Entry entry) {
      return new Write(true, entry);
    }

    /** Refused by the fence: {@code current} is what another instance stored. */
    public static Write refused(Entry current) {
      return new Write(false, current);
    }

    /** Whether the write went through. */
    public boolean written() {
      return written;
    }

    /** What is stored now: this write's entry, or the one that won over it. */
    public Entry current() {
      return current;
    }

    @Override
    public String toString() {
      return "Write[" + (written ? "written" : "refused") + ", current=" + current + "]";
    }
  }

  /**
   * A stored value and its version. Immutable; the value is not copied, so do not modify it.
   * {@code toString()} shows the version and the value's length only.
   */
  final class Entry {
    /** No entry, version 0. */
    public static final Entry ABSENT = new Entry(0, null);

    private final long version;
    private final byte[] value;

    private Entry(long version, byte[] value) {
      if (version < 0) {
        throw new IllegalArgumentException("version must not be negative; got " + version);
      }
      this.version = version;
      this.value = value;
    }

    /**
     * An entry; {@code value} {@code null} for a key that has none (removed or expired) at
     * {@code version}.
     */
    public static Entry of(long version, byte[] value) {
      return version == 0 && value == null ? ABSENT : new Entry(version, value);
    }

    public long version() {
      return version;
    }

    /** The serialized state, or {@code null} when absent. */
    public byte[] value() {
      return value;
    }

    /** Whether there is no value. */
    public boolean isAbsent() {
      return value == null;
    }

    @Override
    public String toString() {
      return "Entry[version=" + version + ", "
          + (value == null ? "absent" : value.length + " bytes") + "]";
    }
  }
}

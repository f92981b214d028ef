package dev.tokenkeeper.testing;

import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.TokenStoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TokenStore} in memory with the Redis store's semantics (versions that only grow, a
 * lease per key, the fenced write, waiting claims woken by a write or a release, announcements of
 * new versions), for core's tests. Several stores made from one {@link Backend} are the
 * instances of a cluster. {@link Backend#down} makes every call fail, as an unreachable Redis.
 * Thread-safe.
 */
public final class InMemoryTokenStore implements TokenStore {

  /** What the instances share: the "Redis". */
  public static final class Backend {
    private final Map<String, Entry> entries = new HashMap<>();
    private final Map<String, String> leases = new HashMap<>();
    private final Map<String, List<Runnable>> waiters = new HashMap<>();
    private final List<InMemoryTokenStore> stores = new CopyOnWriteArrayList<>();
    private final AtomicLong versions = new AtomicLong();
    private final AtomicLong owners = new AtomicLong();
    /** While set, every call fails as if Redis were unreachable. */
    public volatile boolean down;
    /** While set, new versions are not announced (a pub/sub message an instance missed). */
    public volatile boolean quiet;
    /** Claims granted, writes refused: for assertions. */
    public final AtomicLong leasesGranted = new AtomicLong();
    public final AtomicLong writesRefused = new AtomicLong();

    public InMemoryTokenStore store() {
      InMemoryTokenStore s = new InMemoryTokenStore(this);
      stores.add(s);
      return s;
    }

    public synchronized Entry entry(String key) {
      return entries.getOrDefault(key, Entry.ABSENT);
    }

    /** The lease of {@code key} lapses (its holder paused past it). */
    public void expireLease(String key) {
      List<Runnable> wake;
      synchronized (this) {
        leases.remove(key);
        wake = waiters.remove(key);
      }
      run(wake);
    }

    private void announce(String key, long version) {
      if (quiet) {
        return;
      }
      for (InMemoryTokenStore s : stores) {
        VersionListener l = s.listener;
        if (l != null) {
          l.onNewVersion(key, version);
        }
      }
    }

    private static void run(List<Runnable> tasks) {
      if (tasks != null) {
        tasks.forEach(Runnable::run);
      }
    }
  }

  private final Backend backend;
  private volatile VersionListener listener;

  private InMemoryTokenStore(Backend backend) {
    this.backend = backend;
  }

  private void check() {
    if (backend.down) {
      throw new TokenStoreException("the in-memory store is down");
    }
  }

  @Override
  public CompletableFuture<Entry> read(String key) {
    try {
      check();
      return CompletableFuture.completedFuture(backend.entry(key));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Claim> claim(String key, long seenVersion) {
    CompletableFuture<Claim> result = new CompletableFuture<>();
    attempt(key, seenVersion, result);
    return result;
  }

  private void attempt(String key, long seen, CompletableFuture<Claim> result) {
    if (backend.down) {
      result.completeExceptionally(new TokenStoreException("the in-memory store is down"));
      return;
    }
    Claim claim;
    synchronized (backend) {
      Entry e = backend.entries.getOrDefault(key, Entry.ABSENT);
      if (e.version() != seen) {
        claim = Claim.newer(e);
      } else if (!backend.leases.containsKey(key)) {
        String owner = "owner-" + backend.owners.incrementAndGet();
        backend.leases.put(key, owner);
        backend.leasesGranted.incrementAndGet();
        claim = Claim.granted(new MemoryLease(key, owner, seen));
      } else {
        backend.waiters.computeIfAbsent(key, k -> new ArrayList<>())
            .add(() -> attempt(key, seen, result));
        return;
      }
    }
    result.complete(claim);
  }

  @Override
  public CompletableFuture<Entry> put(String key, byte[] value, Instant expiresAt) {
    try {
      check();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    Entry e;
    List<Runnable> wake;
    synchronized (backend) {
      e = Entry.of(backend.versions.incrementAndGet(), value);
      backend.entries.put(key, e);
      wake = backend.waiters.remove(key);
    }
    backend.announce(key, e.version());
    Backend.run(wake);
    return CompletableFuture.completedFuture(e);
  }

  @Override
  public CompletableFuture<Void> remove(String key) {
    try {
      check();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    long v;
    List<Runnable> wake;
    synchronized (backend) {
      v = backend.versions.incrementAndGet();
      backend.entries.put(key, Entry.of(v, null));
      wake = backend.waiters.remove(key);
    }
    backend.announce(key, v);
    Backend.run(wake);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void listen(VersionListener versionListener) {
    this.listener = versionListener;
  }

  @Override
  public void close() {
    backend.stores.remove(this);
  }

  private final class MemoryLease implements Lease {
    private final String key;
    private final String owner;
    private final long version;

    MemoryLease(String key, String owner, long version) {
      this.key = key;
      this.owner = owner;
      this.version = version;
    }

    @Override
    public long version() {
      return version;
    }

    @Override
    public CompletableFuture<Write> write(byte[] value, Instant expiresAt) {
      return fenced(value);
    }

    @Override
    public CompletableFuture<Write> remove() {
      return fenced(null);
    }

    private CompletableFuture<Write> fenced(byte[] value) {
      if (backend.down) {
        return CompletableFuture.failedFuture(new TokenStoreException("the store is down"));
      }
      Write w;
      List<Runnable> wake;
      synchronized (backend) {
        String holder = backend.leases.get(key);
        Entry current = backend.entries.getOrDefault(key, Entry.ABSENT);
        if ((holder != null && !holder.equals(owner)) || current.version() != version) {
          backend.writesRefused.incrementAndGet();
          wake = null;
          if (owner.equals(holder)) {
            backend.leases.remove(key); // the lease ends either way
            wake = backend.waiters.remove(key);
          }
          w = Write.refused(current);
        } else {
          Entry e = Entry.of(backend.versions.incrementAndGet(), value);
          backend.entries.put(key, e);
          if (owner.equals(holder)) {
            backend.leases.remove(key);
          }
          wake = backend.waiters.remove(key);
          w = Write.written(e);
        }
      }
      if (w.written()) {
        backend.announce(key, w.current().version());
      }
      Backend.run(wake);
      return CompletableFuture.completedFuture(w);
    }

    @Override
    public void release() {
      List<Runnable> wake = null;
      synchronized (backend) {
        if (owner.equals(backend.leases.get(key))) {
          backend.leases.remove(key);
          wake = backend.waiters.remove(key);
        }
      }
      Backend.run(wake);
    }
  }
}

package dev.tokenkeeper.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.http.HttpClient;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads TokenKeeper starts itself, made safe to start from a web application's thread.
 * Not part of the API.
 *
 * <p>A thread inherits the context class loader (and, unless told otherwise, the inheritable
 * thread locals) of the thread that creates it. Ours are often created lazily on a servlet
 * container's request thread, whose context class loader is the web application's: a thread that
 * kept it would pin every class of the application after a redeploy, and Tomcat reports it as a
 * leak. So every thread here is a daemon named {@code tokenkeeper-<role>-<n>}, inherits no
 * thread locals, and has the system class loader as its context class loader (as the threads of
 * {@code ForkJoinPool.commonPool()} do). Owners shut their pools down when closed.
 */
public final class Daemons {
  /** The prefix of every thread name; tests look for it. */
  public static final String PREFIX = "tokenkeeper-";

  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final long IDLE_SECONDS = 60;
  private static final Method SHUTDOWN_NOW = shutdownNowMethod();

  private Daemons() {}

  /** Daemon threads named {@code tokenkeeper-<role>-<n>}; see the class comment. */
  public static ThreadFactory threadFactory(String role) {
    String prefix = PREFIX + role + "-";
    return task -> {
      Thread t = new Thread(null, task, prefix + SEQUENCE.incrementAndGet(), 0, false);
      t.setDaemon(true);
      t.setContextClassLoader(ClassLoader.getSystemClassLoader());
      return t;
    };
  }

  /**
   * An executor for an {@link HttpClient} we build: like the JDK's default (a cached pool), but
   * with our threads, which end after a minute without work and at once on
   * {@link ExecutorService#shutdownNow()}.
   */
  public static ExecutorService httpExecutor() {
    return new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS,
        new SynchronousQueue<>(), threadFactory("http"));
  }

  /**
   * Builds {@code builder} (which should run on an {@link #httpExecutor()}) with the system class
   * loader as the context class loader: the JDK starts the client's {@code SelectorManager}
   * thread in {@code build()}, and that thread would otherwise inherit the caller's loader.
   */
  public static HttpClient build(HttpClient.Builder builder) {
    Thread current = Thread.currentThread();
    ClassLoader previous = current.getContextClassLoader();
    current.setContextClassLoader(ClassLoader.getSystemClassLoader());
    try {
      return builder.build();
    } finally {
      current.setContextClassLoader(previous);
    }
  }

  /**
   * Releases a client we built: shuts its executor down, and on Java 21 and later, where
   * {@code HttpClient.shutdownNow()} exists, the client itself, so its {@code SelectorManager}
   * thread ends at once. On Java 17 that thread ends only when the client has become unreachable
   * (the JDK checks every few seconds after a garbage collection).
   */
  public static void shutdownNow(HttpClient client, ExecutorService executor) {
    if (SHUTDOWN_NOW != null) {
      try {
        SHUTDOWN_NOW.invoke(client);
      } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
        // Best effort: the executor below still stops, and the client dies with its last reference.
      }
    }
    executor.shutdownNow();
  }

  private static Method shutdownNowMethod() {
    try {
      return HttpClient.class.getMethod("shutdownNow");
    } catch (NoSuchMethodException e) {
      return null; // Java 17 to 20
    }
  }
}

package dev.tokenkeeper.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} for one test class (a {@code static @RegisterExtension} field) or
 * one test (an instance field): started on a free loopback port with its own temporary directory,
 * no persistence ({@code --save '' --appendonly no}), stopped and deleted afterwards. Never port
 * 6379, so a Redis that happens to run on this machine is never touched.
 *
 * <p>{@link #stop()} and {@link #start()} in the middle of a test take the server away and bring
 * it back on the same port, for the "Redis is down" tests.
 */
public final class RedisServer
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  private final List<String> extraArgs;
  private Path dir;
  private int port;
  private Process process;
  private boolean perClass;

  public RedisServer(String... extraArgs) {
    this.extraArgs = List.of(extraArgs);
  }

  /** The URI Lettuce connects to. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Starts the server (again, on the same port and directory, after {@link #stop()}). */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    try {
      if (dir == null) {
        dir = Files.createTempDirectory("tokenkeeper-redis-");
        port = freePort(false);
      }
      process = launch(dir, port, extraArgs);
      awaitPing(port, process);
    } catch (IOException e) {
      throw new IllegalStateException("could not start redis-server (is it installed? .ci/test"
          + " installs Debian's redis-server package)", e);
    }
  }

  /** Stops the server; its port stays reserved for {@link #start()}. */
  public synchronized void stop() {
    if (process != null) {
      kill(process);
      process = null;
    }
  }

  /** Stops the server and deletes its directory. */
  public synchronized void close() {
    stop();
    deleteTree(dir);
    dir = null;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      close();
    }
  }

  // ---- shared with RedisCluster ------------------------------------------------------------

  static Process launch(Path dir, int port, List<String> extraArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of("redis-server",
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no",
        "--logfile", dir.resolve("redis-" + port + ".log").toString()));
    command.addAll(extraArgs);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout-" + port + ".txt").toFile())
        .start();
  }

  /**
   * A free loopback port, never 6379; with {@code clusterBus} also port + 10000 free (a Cluster
   * node listens on both).
   */
  static int freePort(boolean clusterBus) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port;
      if (clusterBus) {
        port = ThreadLocalRandom.current().nextInt(20_000, 50_000);
        if (!free(port) || !free(port + 10_000)) {
          continue;
        }
      } else {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
          port = s.getLocalPort();
        }
      }
      if (port != 6379) {
        return port;
      }
    }
    throw new IOException("no free loopback port found");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void awaitPing(int port, Process process) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    IOException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server on port " + port + " exited with "
            + process.exitValue());
      }
      try {
        if (command(port, "PING").startsWith("+PONG")) {
          return;
        }
      } catch (IOException e) {
        last = e;
      }
      sleepQuietly(20); // a process starting: nothing to be notified by
    }
    kill(process);
    throw new IOException("redis-server on port " + port + " did not answer PING in 15 s", last);
  }

  /** Sends one command over RESP and returns the raw reply (enough for PING and CLUSTER INFO). */
  public static String command(int port, String... args) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      socket.setSoTimeout(2000);
      StringBuilder out = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        out.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
            .append(a).append("\r\n");
      }
      OutputStream os = socket.getOutputStream();
      os.write(out.toString().getBytes(StandardCharsets.UTF_8));
      os.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[16_384];
      StringBuilder reply = new StringBuilder();
      int n = in.read(buffer);
      if (n < 0) {
        throw new IOException("connection closed");
      }
      reply.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
      if (reply.charAt(0) == '$') {
        int length = Integer.parseInt(reply.substring(1, reply.indexOf("\r\n")));
        int headerLength = reply.indexOf("\r\n") + 2;
        while (length >= 0 && reply.length() < headerLength + length) {
          n = in.read(buffer);
          if (n < 0) {
            break;
          }
          reply.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
      }
      return reply.toString();
    }
  }

  static void kill(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory: best effort
    }
  }

  static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

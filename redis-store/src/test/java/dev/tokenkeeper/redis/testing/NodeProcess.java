package dev.tokenkeeper.redis.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ClusterNode} in a JVM of its own: started with the test's class path, stopped by a
 * line on its stdin (it answers with its {@code RESULT} line), killed with {@code kill -9}, or
 * paused and resumed with {@code SIGSTOP} / {@code SIGCONT}. Its output goes to a log file.
 */
public final class NodeProcess implements AutoCloseable {
  public final String clientId;
  private final Process process;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> output = new ArrayList<>();

  private NodeProcess(String clientId, Process process) {
    this.clientId = clientId;
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(
          process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (output) {
            output.add(line);
          }
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "node-output-" + clientId);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts a node; returns once it printed READY (its manager and store are built). */
  public static NodeProcess start(String clientId, String redisUri, URI tokenUri, long leaseMillis,
      int threads, String keys, long pauseMillis, String budget) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        ClusterNode.class.getName(), redisUri, tokenUri.toString(), Long.toString(leaseMillis),
        Integer.toString(threads), keys, Long.toString(pauseMillis), clientId));
    if (budget != null) {
      command.add(budget);
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    NodeProcess node = new NodeProcess(clientId, p);
    node.await("READY", 30);
    return node;
  }

  public long pid() {
    return process.pid();
  }

  /** Stops the callers and returns the node's RESULT line. */
  public String stop() throws Exception {
    OutputStream in = process.getOutputStream();
    in.write("stop\n".getBytes(StandardCharsets.UTF_8));
    in.flush();
    String result = await("RESULT", 30);
    process.waitFor(10, TimeUnit.SECONDS);
    return result;
  }

  /** {@code kill -9}. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** {@code kill -STOP}: the JVM freezes, its lease renewals too. */
  public void pause() throws Exception {
    signal("STOP");
  }

  /** {@code kill -CONT}. */
  public void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  private String await(String prefix, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith(prefix)) {
        return line;
      }
      if (line == null && !process.isAlive() && lines.isEmpty()) {
        break;
      }
    }
    throw new IllegalStateException("node " + clientId + " did not print " + prefix + "; output:\n"
        + String.join("\n", output()));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Completes when {@code future} does, or fails after {@code seconds}: for awaiting arrivals. */
  public static <T> T within(CompletableFuture<T> future, int seconds) throws Exception {
    return future.get(seconds, TimeUnit.SECONDS);
  }
}

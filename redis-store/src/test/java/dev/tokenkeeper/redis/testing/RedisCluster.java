package dev.tokenkeeper.redis.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis Cluster of three masters on loopback for one test class (a {@code static
 * @RegisterExtension} field): three {@code redis-server --cluster-enabled yes} on free ports (and
 * free cluster-bus ports, +10000), joined by {@code redis-cli --cluster create ... --cluster-yes},
 * and ready once every node reports {@code cluster_state:ok}. Stopped and deleted afterwards.
 */
public final class RedisCluster implements BeforeAllCallback, AfterAllCallback {
  private static final int MASTERS = 3;

  private final List<Process> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private Path dir;

  /** A {@code redis-cluster://} URI naming every node as a seed. */
  public String uri() {
    StringBuilder uri = new StringBuilder("redis-cluster://");
    for (int i = 0; i < ports.size(); i++) {
      uri.append(i == 0 ? "" : ",").append("127.0.0.1:").append(ports.get(i));
    }
    return uri.toString();
  }

  public List<Integer> ports() {
    return List.copyOf(ports);
  }

  public synchronized void start() {
    try {
      dir = Files.createTempDirectory("tokenkeeper-redis-cluster-");
      for (int i = 0; i < MASTERS; i++) {
        int port = RedisServer.freePort(true);
        Path nodeDir = Files.createDirectories(dir.resolve("node-" + port));
        Process p = RedisServer.launch(nodeDir, port, List.of("--cluster-enabled", "yes",
            "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
            "--cluster-node-timeout", "5000"));
        nodes.add(p);
        ports.add(port);
        RedisServer.awaitPing(port, p);
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      for (int port : ports) {
        create.add("127.0.0.1:" + port);
      }
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      Process cli = new ProcessBuilder(create).redirectErrorStream(true).start();
      String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!cli.waitFor(60, TimeUnit.SECONDS) || cli.exitValue() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
      }
      awaitClusterOk();
    } catch (IOException e) {
      close();
      throw new IllegalStateException("could not start a Redis Cluster (are redis-server and"
          + " redis-cli installed? .ci/test installs them)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException("interrupted while starting a Redis Cluster", e);
    }
  }

  private void awaitClusterOk() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      boolean ok = true;
      for (int port : ports) {
        String info = RedisServer.command(port, "CLUSTER", "INFO");
        ok &= info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384");
      }
      if (ok) {
        return;
      }
      RedisServer.sleepQuietly(50); // gossip converging between processes: nothing to wait on
    }
    throw new IOException("the Redis Cluster on " + ports + " did not reach cluster_state:ok");
  }

  public synchronized void close() {
    for (Process p : nodes) {
      RedisServer.kill(p);
    }
    nodes.clear();
    RedisServer.deleteTree(dir);
    dir = null;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }
}

package dev.tokenkeeper.redis.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis master and one Sentinel watching it ({@code redis-server --sentinel}), on free loopback
 * ports, for one test class (a {@code static @RegisterExtension} field); stopped and deleted
 * afterwards. {@link #uri()} is the {@code redis-sentinel://} URI a store connects with.
 */
public final class RedisSentinel implements BeforeAllCallback, AfterAllCallback {
  public static final String MASTER = "tokenkeeper-master";

  private final RedisServer master = new RedisServer();
  private Path dir;
  private Process sentinel;
  private int port;

  public String uri() {
    return "redis-sentinel://127.0.0.1:" + port + "#" + MASTER;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    master.start();
    dir = Files.createTempDirectory("tokenkeeper-sentinel-");
    port = RedisServer.freePort(false);
    Path conf = dir.resolve("sentinel.conf");
    Files.writeString(conf, String.join("\n",
        "port " + port,
        "bind 127.0.0.1",
        "dir " + dir,
        "sentinel monitor " + MASTER + " 127.0.0.1 " + master.port() + " 1",
        "sentinel down-after-milliseconds " + MASTER + " 5000",
        ""));
    sentinel = new ProcessBuilder(List.of("redis-server", conf.toString(), "--sentinel"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("sentinel.log").toFile()).start();
    RedisServer.awaitPing(port, sentinel);
    // Ready once the Sentinel knows the master's address.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!RedisServer.command(port, "SENTINEL", "get-master-addr-by-name", MASTER)
        .contains(Integer.toString(master.port()))) {
      if (System.nanoTime() > deadline) {
        throw new IOException("the Sentinel on " + port + " does not know " + MASTER);
      }
      RedisServer.sleepQuietly(20);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (sentinel != null) {
      RedisServer.kill(sentinel);
    }
    RedisServer.deleteTree(dir);
    master.close();
  }
}

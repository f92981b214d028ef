package dev.tokenkeeper.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Building twice gives identical jars: the published modules are built again from a copy of the
 * sources, in another directory at another time, and every jar — classes, sources, javadoc — must
 * equal, byte for byte, the one this build made. The javadoc jars hold no {@code .internal}
 * package.
 */
class ReproducibleJarsIT {
  private static final List<String> PUBLISHED = List.of("core", "servlet-filter", "redis-store",
      "micrometer", "testkit", "adapters/okhttp", "adapters/httpclient5", "adapters/spring",
      "adapters/jaxrs", "adapters/jetty-client");

  @TempDir Path copy;

  @Test
  void aSecondBuildFromACopyOfTheSourcesMakesTheSameJars() throws Exception {
    Path root = Path.of(System.getProperty("repo.root")).toRealPath();
    Map<String, String> first = jarDigests(root);
    assertEquals(PUBLISHED.size() * 3, first.size(), "a jar, a sources jar and a javadoc jar"
        + " per published module: " + first.keySet());

    copySources(root, copy);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(),
        "-B", "-q", "-o", "-Dmaven.repo.local=" + System.getProperty("maven.repo.local"),
        "-DskipTests", "-Djacoco.skip=true", "-Denforcer.skip=true",
        "-pl", String.join(",", PUBLISHED), "-am", "package"));
    Process mvn = new ProcessBuilder(command).directory(copy.toFile())
        .redirectErrorStream(true).redirectOutput(copy.resolve("build.log").toFile()).start();
    try {
      assertTrue(mvn.waitFor(10, TimeUnit.MINUTES), "the second build ends");
    } finally {
      stop(mvn);
    }
    assertEquals(0, mvn.exitValue(), Files.readString(copy.resolve("build.log")));

    Map<String, String> second = jarDigests(copy);
    assertEquals(first, second, "jars differ between two builds of the same sources");

    for (String module : PUBLISHED) {
      try (Stream<Path> files = Files.list(root.resolve(module).resolve("target"))) {
        Path javadoc = files.filter(p -> p.toString().endsWith("-javadoc.jar")).findFirst()
            .orElseThrow();
        try (JarFile jar = new JarFile(javadoc.toFile())) {
          assertTrue(jar.stream().anyMatch(e -> e.getName().endsWith("index.html")), module);
          assertFalse(jar.stream().anyMatch(e -> e.getName().contains("/internal/")),
              module + "'s javadoc documents an internal package");
        }
      }
    }
  }

  /**
   * Stops a build that did not end (a failed wait, an interrupted test), with the javadoc and
   * compiler processes it forked: they would go on writing into the temporary directory JUnit
   * deletes, and take the CPU from the tests after this one.
   */
  private static void stop(Process build) throws InterruptedException {
    if (!build.isAlive()) {
      return;
    }
    List<ProcessHandle> forked = build.descendants().toList();
    build.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    for (ProcessHandle p : forked) {
      p.destroyForcibly();
    }
  }

  /** {@code module/jar-name -> sha-256} of the jars in each published module's target. */
  private static Map<String, String> jarDigests(Path root) throws Exception {
    Map<String, String> digests = new TreeMap<>();
    for (String module : PUBLISHED) {
      try (Stream<Path> files = Files.list(root.resolve(module).resolve("target"))) {
        // Not the Redis store's test fixtures (-tests.jar): other modules' tests use them.
        for (Path jar : files.filter(p -> p.toString().endsWith(".jar")
            && !p.toString().endsWith("-tests.jar")).toList()) {
          byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar));
          digests.put(module + "/" + jar.getFileName(), HexFormat.of().formatHex(digest));
        }
      }
    }
    return digests;
  }

  /** The working tree without build output and version control. */
  private static void copySources(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
          throws IOException {
        String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
        if (!dir.equals(from) && (name.equals("target") || name.startsWith("."))) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        Files.createDirectories(to.resolve(from.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.copy(file, to.resolve(from.relativize(file).toString()),
            StandardCopyOption.COPY_ATTRIBUTES);
        return FileVisitResult.CONTINUE;
      }
    });
    assertTrue(Files.readString(to.resolve("pom.xml"), StandardCharsets.UTF_8)
        .contains("<artifactId>tokenkeeper-parent</artifactId>"));
  }
}

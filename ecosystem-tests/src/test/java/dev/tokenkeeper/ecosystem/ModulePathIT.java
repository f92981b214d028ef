package dev.tokenkeeper.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * A small application in a named module — {@code requires dev.tokenkeeper.core} and
 * {@code requires dev.tokenkeeper.servlet} — compiled against the published jars on the module
 * path and run with {@code java --module-path ... --module app/app.Main}: it gets a token from a
 * loopback token endpoint and builds a filter configuration. No class path at all.
 */
class ModulePathIT {
  private static final String MODULE_INFO = """
      module app {
        requires dev.tokenkeeper.core;
        requires dev.tokenkeeper.servlet;
        requires jakarta.servlet;
        requires jdk.httpserver;
      }
      """;

  private static final String MAIN = """
      package app;

      import com.sun.net.httpserver.HttpServer;
      import dev.tokenkeeper.ClientAuthentication;
      import dev.tokenkeeper.Dialect;
      import dev.tokenkeeper.Grant;
      import dev.tokenkeeper.TokenEndpoint;
      import dev.tokenkeeper.TokenManager;
      import dev.tokenkeeper.servlet.EndpointIdResolver;
      import dev.tokenkeeper.servlet.TokenFilter;
      import dev.tokenkeeper.servlet.TokenFilterConfig;
      import java.net.InetAddress;
      import java.net.InetSocketAddress;
      import java.net.URI;
      import java.nio.charset.StandardCharsets;

      public final class Main {
        public static void main(String[] args) throws Exception {
          HttpServer server = HttpServer.create(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
          server.createContext("/token", exchange -> {
            String form = new String(exchange.getRequestBody().readAllBytes(),
                StandardCharsets.UTF_8);
            byte[] body = ("{\\"access_token\\":\\"at-module-path\\",\\"token_type\\":\\"Bearer\\","
                + "\\"expires_in\\":3600,\\"echo\\":\\"" + form.replace("\\"", "") + "\\"}")
                .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
          server.start();
          URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
          // private_key_jwt-free, but the client secret JWT needs Nimbus inside core: it must be
          // on the module path and readable by core without the app requiring it.
          try (TokenEndpoint endpoint = TokenEndpoint.builder(uri,
                  ClientAuthentication.secretJwt("module-client",
                      "a-client-secret-of-at-least-32-bytes!!"))
                  .dialect(Dialect.ringCentral())
                  .build();
              TokenManager manager = TokenManager.builder(endpoint)
                  .primaryGrant(Grant.clientCredentials())
                  .build()) {
            System.out.println("token " + manager.token("alice@example.com").value());
            TokenFilter filter = new TokenFilter(TokenFilterConfig.builder(manager,
                EndpointIdResolver.fixed("svc")).build());
            System.out.println("filter " + filter.getClass().getModule().getName());
            System.out.println("core " + TokenManager.class.getModule().getName()
                + " named=" + TokenManager.class.getModule().isNamed());
            try {
              Class.forName("dev.tokenkeeper.internal.Keys").getMethod("isValid", String.class)
                  .invoke(null, "x");
              System.out.println("internal reachable");
            } catch (IllegalAccessException e) {
              System.out.println("internal hidden");
            }
          } finally {
            server.stop(0);
          }
        }
      }
      """;

  @Test
  void anApplicationOnTheModulePathGetsATokenAndConfiguresTheFilter() throws Exception {
    Path modules = Path.of(System.getProperty("module.path"));
    Path work = Path.of(System.getProperty("work.dir"));
    Path src = work.resolve("src");
    Path out = work.resolve("classes");
    Files.createDirectories(src.resolve("app"));
    Files.createDirectories(out);
    Files.writeString(src.resolve("module-info.java"), MODULE_INFO);
    Files.writeString(src.resolve("app/Main.java"), MAIN);
    String modulePath;
    try (Stream<Path> jars = Files.list(modules)) {
      modulePath = jars.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).sorted()
          .collect(Collectors.joining(File.pathSeparator));
    }
    assertTrue(modulePath.contains("tokenkeeper-core"), modulePath);

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream compilerOutput = new ByteArrayOutputStream();
    int compiled = javac.run(null, compilerOutput, compilerOutput, "--release", "17",
        "--module-path", modulePath, "-d", out.toString(),
        src.resolve("module-info.java").toString(), src.resolve("app/Main.java").toString());
    assertEquals(0, compiled, compilerOutput.toString(StandardCharsets.UTF_8));

    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--module-path", out + File.pathSeparator + modulePath,
        "--module", "app/app.Main"));
    Path log = work.resolve("app.log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    process.getOutputStream().close();
    boolean ended;
    try {
      ended = process.waitFor(60, TimeUnit.SECONDS);
    } finally {
      process.destroyForcibly();
    }
    String output = Files.readString(log);
    assertTrue(ended, "the application ends: " + output);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains("token at-module-path"), output);
    assertTrue(output.contains("filter dev.tokenkeeper.servlet"), output);
    assertTrue(output.contains("core dev.tokenkeeper.core named=true"), output);
    assertTrue(output.contains("internal hidden"),
        "dev.tokenkeeper.internal is not exported: " + output);
  }
}

package dev.tokenkeeper.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.redis.testing.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TokenKeeper on the JPMS module path, against the packaged jars and no class path at all.
 *
 * <p>Every published jar is a named module with its own descriptor that exports its API packages
 * and no {@code .internal} one, and all of them resolve together with their dependencies. A small
 * application in a named module, {@code requires dev.tokenkeeper.core}, the servlet filter, the
 * Redis store and two client adapters, is compiled with {@code javac --module-path} and run with
 * {@code java --module app/app.Main}: it gets a token from a loopback token endpoint through a real
 * {@code redis-server}, sends it with OkHttp and Jetty's client, and builds a filter.
 */
class ModulePathIT {
  @RegisterExtension static final RedisServer REDIS = new RedisServer();

  private static final String MODULE_INFO = """
      module app {
        requires dev.tokenkeeper.core;
        requires dev.tokenkeeper.servlet;
        requires dev.tokenkeeper.redis;
        requires dev.tokenkeeper.okhttp;
        requires dev.tokenkeeper.jetty.client;
        requires jdk.httpserver;
      }
      """;

  private static final String MAIN = """
      package app;

      import com.sun.net.httpserver.HttpServer;
      import dev.tokenkeeper.BearerPolicy;
      import dev.tokenkeeper.ClientAuthentication;
      import dev.tokenkeeper.Dialect;
      import dev.tokenkeeper.Grant;
      import dev.tokenkeeper.TokenEndpoint;
      import dev.tokenkeeper.TokenManager;
      import dev.tokenkeeper.jetty.client.JettyBearer;
      import dev.tokenkeeper.okhttp.BearerInterceptor;
      import dev.tokenkeeper.redis.RedisTokenStore;
      import dev.tokenkeeper.servlet.EndpointIdResolver;
      import dev.tokenkeeper.servlet.TokenFilter;
      import dev.tokenkeeper.servlet.TokenFilterConfig;
      import java.net.InetAddress;
      import java.net.InetSocketAddress;
      import java.net.URI;
      import java.nio.charset.StandardCharsets;
      import java.util.concurrent.atomic.AtomicInteger;

      public final class Main {
        public static void main(String[] args) throws Exception {
          AtomicInteger tokenRequests = new AtomicInteger();
          HttpServer server = HttpServer.create(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
          server.createContext("/token", exchange -> {
            tokenRequests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            answer(exchange, "application/json", "{\\"access_token\\":\\"at-module-path\\","
                + "\\"token_type\\":\\"Bearer\\",\\"expires_in\\":3600}");
          });
          server.createContext("/resource", exchange -> answer(exchange, "text/plain",
              "saw " + exchange.getRequestHeaders().getFirst("Authorization")));
          server.start();
          String base = "http://127.0.0.1:" + server.getAddress().getPort();
          String key = "alice@example.com";
          BearerPolicy policy = BearerPolicy.allowedOrigins(URI.create(base));
          // The client secret JWT needs Nimbus inside core, and the store needs Lettuce and Netty
          // inside the Redis module: on the module path, readable by them without the app
          // requiring either.
          try (TokenEndpoint endpoint = TokenEndpoint.builder(URI.create(base + "/token"),
                  ClientAuthentication.secretJwt("module-client",
                      "a-client-secret-of-at-least-32-bytes!!"))
                  .dialect(Dialect.ringCentral())
                  .build();
              RedisTokenStore store = RedisTokenStore.builder(args[0]).plaintext().build();
              TokenManager manager = TokenManager.builder(endpoint)
                  .primaryGrant(Grant.clientCredentials())
                  .store(store)
                  .build()) {
            System.out.println("token " + manager.token(key).value());

            okhttp3.OkHttpClient okHttp = BearerInterceptor.of(manager, key, policy)
                .install(new okhttp3.OkHttpClient.Builder()).build();
            try (okhttp3.Response response = okHttp.newCall(
                new okhttp3.Request.Builder().url(base + "/resource").build()).execute()) {
              System.out.println("okhttp " + response.body().string());
            }

            org.eclipse.jetty.client.HttpClient jetty = new org.eclipse.jetty.client.HttpClient();
            JettyBearer.of(manager, key, policy).install(jetty);
            jetty.start();
            try {
              System.out.println("jetty " + jetty.GET(base + "/resource").getContentAsString());
            } finally {
              jetty.stop();
            }
            System.out.println("token requests " + tokenRequests.get());

            TokenFilter filter = new TokenFilter(TokenFilterConfig.builder(manager,
                EndpointIdResolver.fixed("svc")).build());
            for (Class<?> type : new Class<?>[] {TokenManager.class, filter.getClass(),
                RedisTokenStore.class, BearerInterceptor.class, JettyBearer.class}) {
              Module module = type.getModule();
              String internal = type.getPackageName() + ".internal";
              System.out.println("module " + module.getName()
                  + " automatic=" + module.getDescriptor().isAutomatic()
                  + " internal-exported=" + module.isExported(internal));
            }
          } finally {
            server.stop(0);
          }
          // OkHttp's and Lettuce's pools would keep the JVM up for their idle time.
          System.exit(0);
        }

        private static void answer(com.sun.net.httpserver.HttpExchange exchange, String type,
            String text) throws java.io.IOException {
          byte[] body = text.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", type);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        }
      }
      """;

  @Test
  void everyPublishedJarIsANamedModuleThatExportsOnlyItsApi() throws Exception {
    List<Path> jars = modulePathJars();
    ModuleFinder finder = ModuleFinder.of(jars.toArray(Path[]::new));
    Map<String, ModuleDescriptor> ours = new TreeMap<>();
    for (ModuleReference reference : finder.findAll()) {
      ModuleDescriptor descriptor = reference.descriptor();
      if (descriptor.name().startsWith("dev.tokenkeeper.")) {
        ours.put(descriptor.name(), descriptor);
      }
    }
    assertEquals(Set.of("dev.tokenkeeper.core", "dev.tokenkeeper.servlet",
        "dev.tokenkeeper.redis", "dev.tokenkeeper.micrometer", "dev.tokenkeeper.testkit",
        "dev.tokenkeeper.okhttp", "dev.tokenkeeper.httpclient5", "dev.tokenkeeper.spring",
        "dev.tokenkeeper.jaxrs", "dev.tokenkeeper.jetty.client"), ours.keySet());
    for (ModuleDescriptor descriptor : ours.values()) {
      String name = descriptor.name();
      assertFalse(descriptor.isAutomatic(), name + " has a module-info");
      Set<String> api = new TreeSet<>();
      for (String pkg : descriptor.packages()) {
        if (!pkg.endsWith(".internal") && !pkg.contains(".internal.")) {
          api.add(pkg);
        }
      }
      Set<String> exported = new TreeSet<>();
      for (ModuleDescriptor.Exports exports : descriptor.exports()) {
        if (exports.isQualified()) {
          // Only core shares its internals, and only with the servlet filter.
          assertEquals("dev.tokenkeeper.core/dev.tokenkeeper.internal",
              name + "/" + exports.source(), name + " exports " + exports);
          assertEquals(Set.of("dev.tokenkeeper.servlet"), exports.targets());
        } else {
          exported.add(exports.source());
        }
      }
      assertEquals(api, exported, name + " exports its API packages and nothing else");
    }
    // All of them, with their required dependencies, in one module graph: no missing module, no
    // package in two modules, no cycle.
    Configuration graph = ModuleLayer.boot().configuration()
        .resolve(finder, ModuleFinder.of(), ours.keySet());
    Set<String> resolved = graph.modules().stream().map(ResolvedModule::name)
        .collect(Collectors.toSet());
    assertTrue(resolved.containsAll(Set.of("lettuce.core", "okhttp3", "org.eclipse.jetty.client",
        "micrometer.core", "jakarta.servlet", "com.nimbusds.jose.jwt")), resolved.toString());
  }

  @Test
  void anApplicationOnTheModulePathGetsATokenThroughRedisAndSendsItWithTwoClients()
      throws Exception {
    Path work = Path.of(System.getProperty("work.dir"));
    Path src = work.resolve("src");
    Path out = work.resolve("classes");
    Files.createDirectories(src.resolve("app"));
    Files.createDirectories(out);
    Files.writeString(src.resolve("module-info.java"), MODULE_INFO);
    Files.writeString(src.resolve("app/Main.java"), MAIN);
    String modulePath = modulePathJars().stream().map(Path::toString)
        .collect(Collectors.joining(File.pathSeparator));
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
        "--module", "app/app.Main", REDIS.uri()));
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
    assertTrue(output.contains("okhttp saw Bearer at-module-path"), output);
    assertTrue(output.contains("jetty saw Bearer at-module-path"), output);
    assertTrue(output.contains("token requests 1"), output);
    for (String module : List.of("dev.tokenkeeper.core", "dev.tokenkeeper.servlet",
        "dev.tokenkeeper.redis", "dev.tokenkeeper.okhttp", "dev.tokenkeeper.jetty.client")) {
      assertTrue(output.contains("module " + module + " automatic=false internal-exported=false"),
          output);
    }
  }

  private static List<Path> modulePathJars() throws Exception {
    try (Stream<Path> jars = Files.list(Path.of(System.getProperty("module.path")))) {
      return jars.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
    }
  }
}

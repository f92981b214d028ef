package dev.tokenkeeper.example;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The packaged example started with {@code java -jar} on a free port, for the ITs. */
final class ExampleProcess implements AutoCloseable {
  /** The last line the app prints when it is up. */
  private static final Pattern READY = Pattern.compile("Open (http://\\S+/) in a browser");

  private final Process process;
  private final StringBuffer output;
  private final URI uri;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private BrowserSession browser;

  private ExampleProcess(Process process, URI uri, StringBuffer output) {
    this.process = process;
    this.uri = uri;
    this.output = output;
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("example.jar", "target/tokenkeeper-jetty-example.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar.toAbsolutePath()
          + " is missing: the ITs run the packaged jar; run them with mvn verify");
    }
    return jar;
  }

  /** Starts the jar with {@code --port 0} plus {@code args} and waits until it prints its URL. */
  static ExampleProcess start(String... args) throws IOException, InterruptedException {
    return start(java.util.Map.of(), args);
  }

  /** {@link #start(String...)} with extra environment variables for the child. */
  static ExampleProcess start(java.util.Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(jar().toString());
    command.add("--port");
    command.add("0");
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    // The child must not pick up a real provider from the developer's environment.
    for (String name : ExampleOptions.ENV_FLAGS) {
      pb.environment().remove(ExampleOptions.envName(name));
    }
    pb.environment().putAll(env);
    Process process = pb.start();
    StringBuffer output = new StringBuffer();
    CompletableFuture<URI> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          output.append(line).append('\n');
          Matcher m = READY.matcher(line);
          if (m.find()) {
            ready.complete(URI.create(m.group(1)));
          }
        }
        ready.completeExceptionally(new IllegalStateException("the example exited:\n" + output));
      } catch (IOException e) {
        ready.completeExceptionally(new UncheckedIOException(e));
      }
    }, "example-output");
    reader.setDaemon(true);
    reader.start();
    try {
      URI uri = ready.get(60, TimeUnit.SECONDS);
      return new ExampleProcess(process, uri, output);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IllegalStateException("the example did not start within 60 s:\n" + output, e);
    }
  }

  URI uri() {
    return uri;
  }

  URI resolve(String path) {
    return uri.resolve(path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(resolve(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A POST without cookies: no browser session. */
  HttpResponse<String> post(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(resolve(path)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The tests' default browser (one session, made on first use). */
  synchronized BrowserSession browser() {
    if (browser == null) {
      browser = new BrowserSession(uri);
    }
    return browser;
  }

  String output() {
    return output.toString();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}

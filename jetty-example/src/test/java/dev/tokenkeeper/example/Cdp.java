package dev.tokenkeeper.example;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven over the Chrome DevTools Protocol (a WebSocket, spoken with
 * {@code java.net.http}): navigate, evaluate script, wait for a condition inside the page, take a
 * screenshot. Enough to run a real sign-in in a real browser without a WebDriver.
 */
final class Cdp implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Map<String, Object>>> pending =
      new ConcurrentHashMap<>();

  private Cdp(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  static Cdp launch(Path chromium) throws Exception {
    Path profile = Files.createTempDirectory("tokenkeeper-cdp-");
    List<String> command = new ArrayList<>(List.of(chromium.toString(),
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile,
        "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1280,1500",
        "about:blank"));
    Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    CompletableFuture<String> ws = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            ws.complete(m.group(1));
          }
        }
        ws.completeExceptionally(new IllegalStateException("Chromium exited"));
      } catch (IOException e) {
        ws.completeExceptionally(e);
      }
    }, "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    try {
      URI browser = URI.create(ws.get(60, TimeUnit.SECONDS));
      HttpClient http = HttpClient.newHttpClient();
      URI list = URI.create("http://" + browser.getAuthority() + "/json/list");
      String pageSocket = null;
      for (int attempt = 0; attempt < 50 && pageSocket == null; attempt++) {
        String body = http.send(HttpRequest.newBuilder(list).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        for (Object target : com.nimbusds.jose.util.JSONArrayUtils.parse(body)) {
          @SuppressWarnings("unchecked")
          Map<String, Object> t = (Map<String, Object>) target;
          if ("page".equals(t.get("type"))) {
            pageSocket = (String) t.get("webSocketDebuggerUrl");
          }
        }
      }
      if (pageSocket == null) {
        throw new IllegalStateException("Chromium shows no page target");
      }
      Cdp[] self = new Cdp[1];
      WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket),
          new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
              text.append(data);
              if (last) {
                String message = text.toString();
                text.setLength(0);
                self[0].received(message);
              }
              w.request(1);
              return null;
            }
          }).get(30, TimeUnit.SECONDS);
      self[0] = new Cdp(p, profile, socket);
      return self[0];
    } catch (Exception e) {
      // Not started after all: no browser, helper or profile is left to the next test.
      try {
        stop(p, profile);
      } catch (Exception cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  private void received(String message) {
    try {
      Map<String, Object> json = JSONObjectUtils.parse(message);
      Object id = json.get("id");
      if (id instanceof Number n) {
        CompletableFuture<Map<String, Object>> f = pending.remove(n.intValue());
        if (f != null) {
          f.complete(json);
        }
      }
    } catch (ParseException e) {
      // not ours
    }
  }

  /** One CDP command; its {@code result}. */
  @SuppressWarnings("unchecked")
  Map<String, Object> send(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
    pending.put(id, answer);
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("id", id);
    message.put("method", method);
    message.put("params", params);
    socket.sendText(JSONObjectUtils.toJSONString(message), true).get(30, TimeUnit.SECONDS);
    Map<String, Object> json = answer.get(60, TimeUnit.SECONDS);
    if (json.get("error") != null) {
      throw new IllegalStateException(method + " failed: " + json.get("error"));
    }
    return (Map<String, Object>) json.get("result");
  }

  void navigate(URI uri) throws Exception {
    send("Page.navigate", Map.of("url", uri.toString()));
  }

  /** Evaluates {@code expression} in the page (awaiting a promise); its JSON value. */
  @SuppressWarnings("unchecked")
  Object eval(String expression) throws Exception {
    Map<String, Object> r = send("Runtime.evaluate", Map.of("expression", expression,
        "returnByValue", true, "awaitPromise", true));
    if (r.get("exceptionDetails") != null) {
      throw new IllegalStateException("script failed: " + r.get("exceptionDetails"));
    }
    Map<String, Object> result = (Map<String, Object>) r.get("result");
    return result == null ? null : result.get("value");
  }

  /**
   * Waits until {@code condition} (a script expression) is true in the page: the page itself
   * polls it and answers within {@code seconds}; a navigation meanwhile is waited out by asking
   * the new page again.
   */
  void waitFor(String condition, int seconds) throws Exception {
    String poll = "new Promise(resolve => { const end = Date.now() + 2000; (function check() {"
        + " let ok = false; try { ok = !!(" + condition + "); } catch (e) { ok = false; }"
        + " if (ok) resolve(true); else if (Date.now() > end) resolve(false);"
        + " else setTimeout(check, 100); })(); })";
    Exception last = null;
    for (int round = 0; round < seconds / 2 + 1; round++) {
      try {
        if (Boolean.TRUE.equals(eval(poll))) {
          return;
        }
      } catch (IllegalStateException e) {
        last = e; // the page navigated away while the script ran: ask the next page
      }
    }
    throw new AssertionError("not true within " + seconds + " s: " + condition
        + "; page: " + eval("location.href + ' ' + document.body.innerText.slice(0, 400)"), last);
  }

  byte[] screenshot() throws Exception {
    Map<String, Object> r = send("Page.captureScreenshot", Map.of("format", "png",
        "captureBeyondViewport", true));
    return Base64.getDecoder().decode((String) r.get("data"));
  }

  @Override
  public void close() throws Exception {
    try {
      socket.abort();
    } finally {
      stop(process, profile);
    }
  }

  /** Stops {@code process} and its helpers, then deletes {@code profile}. */
  private static void stop(Process process, Path profile) throws Exception {
    // Chromium's helpers (zygote, renderers, network service) outlive the browser process for
    // a moment and keep writing to the profile: stop them all before deleting it.
    List<ProcessHandle> helpers = process.descendants().toList();
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    for (ProcessHandle helper : helpers) {
      helper.destroy();
      try {
        helper.onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        helper.destroyForcibly();
      }
    }
    deleteTree(profile);
  }

  /** Deletes {@code dir}; a file that vanished meanwhile is no error. */
  static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.deleteIfExists(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}

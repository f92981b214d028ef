package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

/** {@link ExampleApp#newServer} in this JVM on port 0, as the Jetty examples test themselves. */
class ExampleServerIT {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void newServerOnPortZeroServesTheAppThroughTheFilterAndCleansUpOnStop() throws Exception {
    Server server = ExampleApp.newServer(0);
    server.start();
    Path secretFile;
    try {
      URI uri = server.getURI();
      WebAppContext webapp = server.getDescendant(WebAppContext.class);
      secretFile = Path.of(webapp.getInitParameter("example.client-secret-file"));
      assertTrue(Files.isRegularFile(secretFile));

      HttpResponse<String> call = http.send(HttpRequest.newBuilder(uri.resolve("/app/call"))
              .header("X-Endpoint-Id", "in-process").POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());

      assertEquals(200, call.statusCode(), call.body());
      assertEquals("120", call.headers().firstValue("TokenKeeper-Session-Idle-Timeout").orElse(""),
          "the filter exposes the provider session's idle timeout");
      assertTrue(StatusBoard.of(webapp.getServletContext()).keys().contains("in-process"),
          "the board the filter's attribute: listener feeds");
    } finally {
      server.stop();
    }
    assertFalse(Files.exists(secretFile), "the demo's secret files are deleted on stop");
  }

  @Test
  void aFilterMisconfigurationFailsStartWithTheInitParamNamed() throws Exception {
    ExampleOptions options = ExampleOptions.parse(new String[] {"--port", "0",
        "--token-url", "http://provider.example.com/oauth/token", "--client-id", "c"},
        Map.<String, String>of()::get);
    Server server = ExampleApp.newServer(options);
    try {
      Exception e = assertThrows(Exception.class, server::start);
      StringBuilder messages = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        messages.append(t.getMessage()).append('\n');
      }
      assertTrue(messages.toString().contains("token-endpoint"), messages.toString());
    } finally {
      server.stop();
    }
  }
}

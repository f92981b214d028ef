package dev.tokenkeeper.example.demo;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Delivers the demo provider's back-channel logout tokens to the client (OpenID Connect
 * Back-Channel Logout 1.0, section 2.5: a form POST of {@code logout_token}), outside the
 * provider's lock. Thread-safe.
 */
final class DemoBackChannel {
  private final DemoProvider provider;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5)).build();

  DemoBackChannel(DemoProvider provider) {
    this.provider = provider;
  }

  /** Sends every waiting logout token; returns how many the client accepted. */
  int deliver() {
    URI uri = provider.openId().backChannelLogoutUri();
    int accepted = 0;
    for (String token : provider.drainLogoutTokens()) {
      if (uri == null) {
        continue;
      }
      try {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(
                    "logout_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 || r.statusCode() == 204) {
          provider.backChannelDelivered();
          accepted++;
        }
      } catch (IOException e) {
        // The client is unreachable: it learns of the ended session from its next refresh.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return accepted;
      }
    }
    return accepted;
  }
}

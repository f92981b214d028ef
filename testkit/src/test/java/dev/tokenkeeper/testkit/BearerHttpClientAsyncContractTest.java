package dev.tokenkeeper.testkit;

import dev.tokenkeeper.BearerHttpClient;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.ExecutionException;

/**
 * Core's {@link BearerHttpClient} keeps the contract through {@code sendAsync} too: its retry and
 * redirect steps are composed futures, a different code path from {@code send}.
 */
class BearerHttpClientAsyncContractTest extends BearerContract {

  /** One delegate for all tests: Java 17's HttpClient cannot be closed. */
  private static final HttpClient DELEGATE =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Override
  protected ClientUnderTest newClient(Setup setup) {
    BearerHttpClient client = BearerHttpClient.builder(setup.manager(), setup.key())
        .delegate(DELEGATE)
        .allowedOrigins(api.uri("/"))
        .maxReplayBytes(setup.policy().maxReplayBytes())
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
    return call -> {
      HttpRequest.Builder b = HttpRequest.newBuilder(call.uri());
      call.headers().forEach(b::header);
      if (call.body() == null) {
        b.method(call.method(), BodyPublishers.noBody());
      } else if (call.streamed()) {
        b.method(call.method(),
            BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(call.body())));
      } else {
        b.method(call.method(), BodyPublishers.ofByteArray(call.body()));
      }
      BearerHttpClient forKey = call.key() == null ? client : client.withKey(call.key());
      try {
        HttpResponse<String> r = forKey.sendAsync(b.build(), BodyHandlers.ofString()).get();
        return new Reply(r.statusCode(), r.body());
      } catch (ExecutionException e) {
        // What a caller of join() or get() unwraps: the failure itself.
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    };
  }
}

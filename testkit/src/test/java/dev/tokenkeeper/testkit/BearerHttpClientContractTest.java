package dev.tokenkeeper.testkit;

import dev.tokenkeeper.BearerHttpClient;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;

/** Core's {@link BearerHttpClient} keeps the contract every adapter keeps. */
class BearerHttpClientContractTest extends BearerContract {

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
      HttpResponse<String> r = send(forKey, b.build());
      return new Reply(r.statusCode(), r.body());
    };
  }

  /** How the kit's calls are sent: {@code send}; {@code sendAsync} in the subclass. */
  HttpResponse<String> send(BearerHttpClient client, HttpRequest request) throws Exception {
    return client.send(request, BodyHandlers.ofString());
  }
}

package dev.tokenkeeper.testkit;

import dev.tokenkeeper.BearerHttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.ExecutionException;

/**
 * Core's {@link BearerHttpClient} keeps the contract through {@code sendAsync} too: its retry and
 * redirect steps are composed futures, a different code path from {@code send}.
 */
class BearerHttpClientAsyncContractTest extends BearerHttpClientContractTest {

  @Override
  HttpResponse<String> send(BearerHttpClient client, HttpRequest request) throws Exception {
    try {
      return client.sendAsync(request, BodyHandlers.ofString()).get();
    } catch (ExecutionException e) {
      // What a caller of join() or get() unwraps: the failure itself.
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}

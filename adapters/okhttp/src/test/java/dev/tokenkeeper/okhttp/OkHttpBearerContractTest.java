package dev.tokenkeeper.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.testkit.BearerContract;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;

/** The OkHttp interceptors keep the contract, with OkHttp following redirects itself. */
class OkHttpBearerContractTest extends BearerContract {
  private OkHttpClient client;

  @Override
  protected ClientUnderTest newClient(Setup setup) {
    client = BearerInterceptor.of(setup.manager(), setup.key(), setup.policy())
        .install(new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)))
        .build();
    return new ClientUnderTest() {
      @Override
      public Reply send(Call call) throws IOException {
        Request.Builder b = new Request.Builder().url(call.uri().toString());
        MediaType type = null;
        for (Map.Entry<String, String> h : call.headers().entrySet()) {
          if (h.getKey().equalsIgnoreCase("Content-Type")) {
            type = MediaType.get(h.getValue());
          } else {
            b.header(h.getKey(), h.getValue());
          }
        }
        RequestBody body = null;
        if (call.body() != null) {
          body = call.streamed() ? oneShot(type, call.body()) : RequestBody.create(call.body(), type);
        }
        b.method(call.method(), body);
        if (call.key() != null) {
          b.tag(BearerInterceptor.Key.class, new BearerInterceptor.Key(call.key()));
        }
        try (Response r = client.newCall(b.build()).execute()) {
          return new Reply(r.code(), r.body().string());
        }
      }

      @Override
      public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
    };
  }

  /** A body OkHttp may write once only, of unknown length: as one streamed from a socket. */
  private static RequestBody oneShot(MediaType type, byte[] bytes) {
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        return type;
      }

      @Override
      public long contentLength() {
        return -1;
      }

      @Override
      public boolean isOneShot() {
        return true;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.write(bytes);
      }
    };
  }

  @Test
  void anInterceptorAddedWithoutItsNetworkInterceptorRefusesToRun() {
    OkHttpClient bare = new OkHttpClient.Builder()
        .addInterceptor(BearerInterceptor.of(manager, KEY, BearerPolicy.allowedOrigins(api.uri("/"))))
        .build();

    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> bare.newCall(new Request.Builder().url(api.uri("/x").toString()).build()).execute());
    assertTrue(e.getMessage().contains("install(okHttpClientBuilder)"), e.getMessage());
    bare.dispatcher().executorService().shutdown();
  }

  @Test
  void enqueuedCallsKeepTheContractToo() throws Exception {
    api.script(r -> "Bearer at-1".equals(r.header("Authorization"))
        ? dev.tokenkeeper.testkit.LoopbackServer.Answer.text(401, "no")
        : dev.tokenkeeper.testkit.LoopbackServer.Answer.text(200, "yes"));
    java.util.concurrent.CompletableFuture<String> result = new java.util.concurrent.CompletableFuture<>();
    client.newCall(new Request.Builder().url(api.uri("/x").toString()).build())
        .enqueue(new okhttp3.Callback() {
          @Override
          public void onFailure(okhttp3.Call call, IOException e) {
            result.completeExceptionally(e);
          }

          @Override
          public void onResponse(okhttp3.Call call, Response response) throws IOException {
            try (response) {
              result.complete(response.code() + " " + response.body().string());
            }
          }
        });

    assertEquals("200 yes", result.get(30, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(1, refreshes());
  }
}

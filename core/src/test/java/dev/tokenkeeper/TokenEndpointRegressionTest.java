package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.TokenManagerFixture;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/** One test per bug found in the review of TokenEndpoint; each failed before its fix. */
class TokenEndpointRegressionTest {

  /**
   * The JDK's request timeout stops at the response headers: a provider that sent them and then
   * stalled in the middle of the body left the future pending for ever, and with it the one
   * token request of a key that every caller of TokenManager waits for.
   *
   * <p>The endpoint's own deadline starts when the exchange has been handed to the client. Here
   * the client hands it back only once the headers are in, and its own pre-header timer is
   * stretched to 30 s, so the 300 ms can only run out while the body stalls, however slow the
   * machine: left to the scheduler, a loaded machine sometimes had not even connected within
   * 300 ms, and the JDK then reports its timer as a connect timeout.
   */
  @Test
  void aBodyThatStallsAfterTheHeadersFailsWithinTheRequestTimeout() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread provider = new Thread(() -> {
        try (Socket s = socket.accept()) {
          InputStream in = s.getInputStream();
          in.read(new byte[8192]);
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              + "Content-Length: 200\r\n\r\n{\"access_token\":\"at-")
              .getBytes(StandardCharsets.UTF_8));
          out.flush();
          release.await(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // the client went away
        }
      }, "stalling-provider");
      provider.setDaemon(true);
      provider.start();
      URI uri = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/token");
      HeadersFirstClient client = new HeadersFirstClient(TokenManagerFixture.HTTP);
      TokenEndpoint endpoint = TokenEndpoint.builder(uri,
              ClientAuthentication.basic("client-1", "s3cret-client"))
          .requestTimeout(Duration.ofMillis(300))
          .httpClient(client)
          .build();

      try {
        // 15 s guards the hang; the timeout under test is the endpoint's 300 ms.
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> endpoint.requestAsync(TokenRequest.of(Grant.clientCredentials()))
                .get(15, TimeUnit.SECONDS));

        assertEquals(Optional.of(Duration.ofMillis(300)), client.requestTimeout,
            "the JDK's timer, up to the headers, is set too");
        TokenEndpointException tee = assertInstanceOf(TokenEndpointException.class, e.getCause());
        assertEquals(0, tee.statusCode());
        assertTrue(tee.isTransient());
        assertEquals("the token endpoint at " + uri + " did not answer within 300 ms"
            + " (TokenEndpoint.Builder.requestTimeout)", tee.getMessage());
      } finally {
        release.countDown();
        endpoint.close();
      }
    }
  }

  /**
   * Forwards to a JDK client, but returns from {@code sendAsync} only once the response headers
   * have arrived, with the JDK's own (pre-header) timeout stretched to 30 s; remembers the
   * timeout the caller set.
   */
  private static final class HeadersFirstClient extends HttpClient {
    private final HttpClient delegate;
    volatile Optional<Duration> requestTimeout = Optional.empty();

    HeadersFirstClient(HttpClient delegate) {
      this.delegate = delegate;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
        BodyHandler<T> handler) {
      requestTimeout = request.timeout();
      HttpRequest stretched = HttpRequest.newBuilder(request, (name, value) -> true)
          .timeout(Duration.ofSeconds(30)).build();
      CountDownLatch headers = new CountDownLatch(1);
      CompletableFuture<HttpResponse<T>> sent = delegate.sendAsync(stretched, info -> {
        headers.countDown();
        return handler.apply(info);
      });
      try {
        if (!headers.await(15, TimeUnit.SECONDS)) {
          throw new AssertionError("the provider's headers never came", sent.handle((r, f) -> f)
              .getNow(null));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      return sent;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
        BodyHandler<T> handler, PushPromiseHandler<T> push) {
      return sendAsync(request, handler);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler) {
      throw new UnsupportedOperationException("TokenEndpoint sends asynchronously");
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
      return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
      return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
      return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
      return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return delegate.authenticator();
    }

    @Override
    public Version version() {
      return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
      return delegate.executor();
    }
  }
}

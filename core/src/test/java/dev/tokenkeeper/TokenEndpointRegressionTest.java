package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.StagedHttpClient;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One test per bug found in the review of TokenEndpoint; each failed before its fix. */
class TokenEndpointRegressionTest {

  /**
   * The JDK's request timeout stops at the response headers: a provider that sent them and then
   * stalled in the middle of the body left the future pending for ever, and with it the one
   * token request of a key that every caller of TokenManager waits for.
   *
   * <p>The client hands the exchange back only once the headers are in (see
   * {@link StagedHttpClient}), so the 300 ms can only run out while the body stalls.
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
      StagedHttpClient client = StagedHttpClient.afterHeaders(TokenManagerFixture.HTTP);
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

        assertEquals(Optional.of(Duration.ofMillis(300)), client.requestTimeout(),
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
   * The JDK reports its request timer as an {@code HttpConnectTimeoutException} when it runs out
   * before the connection is up. With a request timeout shorter than the connect timeout, that
   * read "could not connect ... within 10 s (TokenEndpoint.Builder.connectTimeout)" after 300 ms,
   * or "did not answer within 300 ms" when the endpoint's own deadline won the race: the message
   * now names the request timeout either way. The client here returns only once the JDK has
   * given up, so its timer always wins.
   */
  @Test
  void aRequestTimeoutThatRunsOutWhileConnectingIsNamedNotTheConnectTimeout() throws Exception {
    try (Unconnectable provider = new Unconnectable()) {
      TokenEndpointException e = connectFailure(provider.uri, Duration.ofSeconds(10),
          Duration.ofMillis(300));

      assertEquals("the token endpoint at " + provider.uri + " did not answer within 300 ms"
          + " (TokenEndpoint.Builder.requestTimeout)", e.getMessage());
    }
  }

  @Test
  void aConnectTimeoutShorterThanTheRequestTimeoutIsNamed() throws Exception {
    try (Unconnectable provider = new Unconnectable()) {
      TokenEndpointException e = connectFailure(provider.uri, Duration.ofMillis(300),
          Duration.ofSeconds(10));

      assertEquals("could not connect to the token endpoint at " + provider.uri + " within 300 ms"
          + " (TokenEndpoint.Builder.connectTimeout)", e.getMessage());
    }
  }

  private static TokenEndpointException connectFailure(URI uri, Duration connectTimeout,
      Duration requestTimeout) throws Exception {
    try (TokenEndpoint endpoint = TokenEndpoint.builder(uri,
            ClientAuthentication.basic("client-1", "s3cret-client"))
        .connectTimeout(connectTimeout)
        .requestTimeout(requestTimeout)
        .httpClient(StagedHttpClient.afterTheJdkGaveUp(HttpClient.newBuilder()
            .connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build()))
        .build()) {
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> endpoint.requestAsync(TokenRequest.of(Grant.clientCredentials()))
              .get(15, TimeUnit.SECONDS));
      TokenEndpointException tee = assertInstanceOf(TokenEndpointException.class, e.getCause());
      assertEquals(0, tee.statusCode());
      assertTrue(tee.isTransient());
      return tee;
    }
  }

  /**
   * A loopback port whose accept queue is full and never drained: the kernel drops further
   * connection attempts, so a connect there can only time out (whatever the machine's load).
   */
  private static final class Unconnectable implements AutoCloseable {
    final ServerSocket socket;
    final URI uri;
    private final List<Socket> queued = new ArrayList<>();

    Unconnectable() throws IOException {
      socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      uri = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/token");
      for (int i = 0; i < 16; i++) {
        Socket s = new Socket();
        try {
          s.connect(socket.getLocalSocketAddress(), 2_000);
          queued.add(s);
        } catch (SocketTimeoutException full) {
          s.close();
          return;
        }
      }
      close();
      throw new IllegalStateException("the accept queue never filled");
    }

    @Override
    public void close() throws IOException {
      for (Socket s : queued) {
        s.close();
      }
      socket.close();
    }
  }
}

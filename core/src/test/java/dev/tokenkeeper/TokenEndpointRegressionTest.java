package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
      TokenEndpoint endpoint = TokenEndpoint.builder(uri,
              ClientAuthentication.basic("client-1", "s3cret-client"))
          .requestTimeout(Duration.ofMillis(300))
          .build();

      try {
        // 15 s guards the hang; the timeout under test is the endpoint's 300 ms.
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> endpoint.requestAsync(TokenRequest.of(Grant.clientCredentials()))
                .get(15, TimeUnit.SECONDS));

        TokenEndpointException tee = assertInstanceOf(TokenEndpointException.class, e.getCause());
        assertEquals(0, tee.statusCode());
        assertTrue(tee.isTransient());
        assertEquals("the token endpoint at " + uri + " did not answer within 300 ms"
            + " (TokenEndpoint.Builder.requestTimeout)", tee.getMessage());
      } finally {
        release.countDown();
      }
    }
  }
}

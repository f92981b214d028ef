package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.internal.Redactor;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, item 8: a secret the provider echoes back stays hidden wherever it could surface — in
 * the OAuth {@code error} code, behind HTML character references, in the message of a JDK I/O
 * exception, and an access token that could not be sent in a header never gets that far.
 */
class EchoedSecretsTest {
  private static final String SECRET = "cs+4/Zq!x7";
  private static final String PASSWORD = "pw-Secret-91";

  private ScriptedServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private TokenEndpointException refusedWith(Answer answer) {
    server = ScriptedServer.start(r -> answer);
    try (TokenEndpoint endpoint = TokenEndpoint.builder(server.uri("/oauth/token"),
        ClientAuthentication.basic("client-1", SECRET)).build()) {
      return assertThrows(TokenEndpointException.class,
          () -> endpoint.request(TokenRequest.of(Grant.password("alice", PASSWORD))));
    }
  }

  /** Message, OAuth fields, causes and the printed stack trace: nothing shows a secret. */
  private static void assertNoSecret(TokenEndpointException e) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    String everything = trace + " " + e.error().orElse("") + " "
        + e.errorDescription().orElse("") + " " + e.errorUri().orElse("");
    for (String secret : new String[] {SECRET, PASSWORD, "Zq!x7", "Secret-91"}) {
      assertFalse(everything.contains(secret), secret + " shown in: " + everything);
    }
  }

  @Test
  void anEchoedSecretInTheOauthErrorCodeIsMaskedInTheErrorFieldToo() {
    TokenEndpointException e = refusedWith(
        Answer.json(401, "{\"error\":\"invalid_client " + SECRET + "\"}"));

    assertNoSecret(e);
    assertEquals("invalid_client " + Redactor.MASK, e.error().orElseThrow());
    assertEquals(401, e.statusCode());
  }

  @Test
  void anErrorCodeOutsideRfc6749sCharacterSetIsNotTakenAsOne() {
    TokenEndpointException e = refusedWith(
        Answer.json(400, "{\"error\":\"invalid_grant\\\"\\n\\u00e9\"}"));

    assertTrue(e.error().isEmpty(), e.error().toString());
    assertFalse(e.isInvalidGrant());
    assertEquals("the token endpoint answered HTTP 400 with an \"error\" member outside RFC 6749's"
        + " character set (section 5.2: printable ASCII except \" and \\); it is not shown",
        e.getMessage());
  }

  @Test
  void secretsBehindHtmlCharacterReferencesAreDecodedThenMasked() {
    String html = "<html><body><h1>Bad request</h1><p>client secret cs&#43;4&#x2F;Zq&#33;x7"
        + " and password pw&#x2d;Secret&#45;91 &amp;#43;</p></body></html>";
    TokenEndpointException e = refusedWith(
        new Answer(400, Map.of("Content-Type", "text/html"), html));

    assertNoSecret(e);
    assertTrue(e.getMessage().contains("client secret " + Redactor.MASK + " and password "
        + Redactor.MASK), e.getMessage());
  }

  @Test
  void secretsBehindCharacterReferencesInAnErrorDescriptionAreMasked() {
    TokenEndpointException e = refusedWith(Answer.json(400, "{\"error\":\"invalid_request\","
        + "\"error_description\":\"bad secret cs&#x2B;4&#47;Zq!x7 or pw-Secret%2D91\"}"));

    assertNoSecret(e);
    assertEquals("bad secret " + Redactor.MASK + " or " + Redactor.MASK,
        e.errorDescription().orElseThrow());
  }

  @Test
  void aJdkIoExceptionWhoseMessageEchoesASecretIsRedactedInMessageAndCauses() throws Exception {
    // The "provider" answers with a broken status line that repeats the request body.
    CountDownLatch hold = new CountDownLatch(1);
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread echo = new Thread(() -> {
        try (Socket s = socket.accept()) {
          String request = readRequest(s.getInputStream());
          String body = request.substring(request.indexOf("\r\n\r\n") + 4);
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 2x0 " + java.net.URLDecoder.decode(body, StandardCharsets.UTF_8)
              + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          hold.await(30, TimeUnit.SECONDS); // the socket stays open until the test is done
        } catch (Exception ignored) {
          // the test asserts on the client side
        }
      });
      echo.setDaemon(true);
      echo.start();
      URI uri = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/oauth/token");
      try (TokenEndpoint endpoint = TokenEndpoint.builder(uri,
          ClientAuthentication.post("client-1", SECRET)).build()) {
        TokenEndpointException e = assertThrows(TokenEndpointException.class,
            () -> endpoint.request(TokenRequest.of(Grant.password("alice", PASSWORD))));

        assertEquals(0, e.statusCode());
        assertTrue(e.getMessage().startsWith("I/O error talking to the token endpoint at " + uri
            + ": ProtocolException ("), e.getMessage());
        assertTrue(e.getMessage().contains(Redactor.MASK), e.getMessage());
        assertNoSecret(e);
      }
    } finally {
      hold.countDown();
    }
  }

  @Test
  void aResourceServerThatEchoesTheTokenInABrokenHeaderLineDoesNotPutItInTheIoException()
      throws Exception {
    String token = "at-Echoed-Bearer-7c1d";
    CountDownLatch hold = new CountDownLatch(1);
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread echo = new Thread(() -> {
        try (Socket s = socket.accept()) {
          String request = readRequest(s.getInputStream());
          String authorization = request.lines()
              .filter(l -> l.regionMatches(true, 0, "Authorization:", 0, 14))
              .findFirst().orElse("none");
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 2x0 " + authorization + "\r\nContent-Length: 0\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          hold.await(30, TimeUnit.SECONDS); // the socket stays open until the test is done
        } catch (Exception ignored) {
          // the test asserts on the client side
        }
      });
      echo.setDaemon(true);
      echo.start();
      URI api = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/me");
      try (TokenEndpoint endpoint = TokenEndpoint.builder(URI.create("http://127.0.0.1:9/t"),
              ClientAuthentication.basic("client-1", SECRET)).build();
          TokenManager manager = TokenManager.builder(endpoint).build()) {
        manager.put("k", TokenResponse.builder(token, Instant.now())
            .expiresIn(Duration.ofHours(1)).build());
        BearerHttpClient client = BearerHttpClient.builder(manager, "k").allowedOrigins(api)
            .build();

        java.io.IOException e = assertThrows(java.io.IOException.class, () -> client.send(
            java.net.http.HttpRequest.newBuilder(api).build(),
            java.net.http.HttpResponse.BodyHandlers.discarding()));

        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains(token), trace.toString());
        assertTrue(trace.toString().contains("ProtocolException"), trace.toString());
        assertTrue(e.getMessage().contains(Redactor.MASK), e.getMessage());
        client.close();
      }
    } finally {
      hold.countDown();
    }
  }

  private static String readRequest(InputStream in) throws Exception {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    int contentLength = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      seen.write(b);
      String text = seen.toString(StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        if (contentLength < 0) {
          for (String line : text.substring(0, end).split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
              contentLength = Integer.parseInt(line.substring(15).trim());
            }
          }
        }
        if (text.length() - end - 4 >= Math.max(contentLength, 0)) {
          return text;
        }
      }
    }
    return seen.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void anAccessTokenOutsideB64tokenIsRefusedAtParseWithoutShowingIt() {
    TokenEndpointException e = refusedWith(Answer.json(200, "{\"access_token\":\"at-1\\r\\n"
        + "X-Injected: " + SECRET + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));

    assertNoSecret(e);
    assertEquals("the token endpoint answered HTTP 200 with an access_token that is not an RFC"
        + " 6750 b64token (character 5 of 28 is not a letter, digit, '-', '.', '_', '~', '+' or"
        + " '/', nor a trailing '='); it could not be sent in an Authorization header and is not"
        + " shown", e.getMessage());
  }

  @Test
  void anAccessTokenOutsideB64tokenCannotBeBuiltAndSoNeverPut() {
    for (String bad : new String[] {"at 1", "at\r\nX: " + SECRET, "at=x", "=", "at\u00e9",
        "a\"b"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TokenResponse.builder(bad, Instant.EPOCH).expiresIn(Duration.ofHours(1)).build());
      assertTrue(e.getMessage().startsWith("access_token is not an RFC 6750 b64token"),
          e.getMessage());
      assertFalse(e.getMessage().contains(SECRET), e.getMessage());
      assertThrows(IllegalArgumentException.class,
          () -> AccessToken.bearer(bad, Instant.EPOCH));
    }
    for (String good : new String[] {"a", "abc.DEF-123_~+/", "eyJ0.eyJ1.sig==", "x="}) {
      assertEquals(good, AccessToken.bearer(good, Instant.EPOCH).value());
    }
  }
}

package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.LoopbackTokenServer;
import dev.tokenkeeper.testing.LoopbackTokenServer.Reply;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.StagedHttpClient;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every way a provider can answer badly gives a {@link TokenEndpointException} whose message
 * names the problem — never a NullPointerException, a raw parser message or a secret.
 */
class BadResponsesTest {
  private static final String SECRET = "client-secret-0f9e8d";
  private static final String PASSWORD = "hunter2-password";

  @RegisterExtension final LoopbackTokenServer server = LoopbackTokenServer.start();
  private final MutableClock clock = MutableClock.at("2025-03-01T10:00:00Z");

  /** The endpoint at the loopback server, with the secret the messages must never show. */
  private TokenEndpoint.Builder endpoint() {
    return TokenEndpoint.builder(server.uri("/oauth/token"),
        ClientAuthentication.basic("client-id", SECRET));
  }

  private TokenEndpointException failure(Reply reply) {
    return failure(reply, endpoint().clock(clock));
  }

  private TokenEndpointException failure(Reply reply, TokenEndpoint.Builder builder) {
    server.enqueue(reply);
    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> builder.build().request(TokenRequest.of(Grant.password("alice", PASSWORD))));
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
    return e;
  }

  private static String ok(String fields) {
    return "{\"access_token\":\"at\",\"token_type\":\"bearer\"" + fields + "}";
  }

  @Test
  void anHtmlErrorPageGivesTheStatusAndAShortSanitisedExcerpt() {
    TokenEndpointException e = failure(Reply.of(502, "text/html; charset=utf-8",
        "<html><head><title>502 Bad Gateway</title><style>body{color:red}</style>"
            + "<script>var t='x';</script></head><body><h1>Bad   Gateway</h1>\n<p>nginx</p>"
            + "</body></html>"));

    assertEquals("the token endpoint answered HTTP 502 with text/html instead of JSON:"
        + " \"502 Bad Gateway Bad Gateway nginx\"", e.getMessage());
    assertEquals(502, e.statusCode());
    assertTrue(e.isTransient());
    assertTrue(e.error().isEmpty());
  }

  @Test
  void anHtmlPageThatEchoesTheRequestNeverShowsASecretOrATokenLikeString() {
    TokenEndpointException e = failure(Reply.of(400, "text/html",
        "<p>Bad request: password=" + PASSWORD + " secret " + SECRET
            + " token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc</p>"));

    assertEquals("the token endpoint answered HTTP 400 with text/html instead of JSON:"
        + " \"Bad request: password=██ secret ██ token ██\"", e.getMessage());
  }

  @Test
  void aLongHtmlPageIsCutToAShortExcerpt() {
    TokenEndpointException e = failure(Reply.of(500, "text/html",
        "<p>" + "error ".repeat(200) + "</p>"));

    assertTrue(e.getMessage().length() < 260, e.getMessage());
    assertTrue(e.getMessage().endsWith("…\""), e.getMessage());
  }

  @Test
  void a200HtmlPageIsNotATokenResponse() {
    TokenEndpointException e = failure(Reply.of(200, "text/html", "<h1>Login</h1>"));

    assertEquals("the token endpoint answered HTTP 200 with text/html instead of JSON: \"Login\";"
        + " a token response must be a JSON object (RFC 6749, section 5.1)", e.getMessage());
    assertFalse(e.isTransient());
  }

  @Test
  void aPlainTextBodyWithoutContentTypeIsDescribedAsNonJson() {
    TokenEndpointException e = failure(Reply.of(503, null, "Service Unavailable"));

    assertEquals("the token endpoint answered HTTP 503 with a non-JSON body instead of JSON:"
        + " \"Service Unavailable\"", e.getMessage());
  }

  @Test
  void anEmptySuccessBodyIsNamed() {
    TokenEndpointException e = failure(Reply.of(200, "application/json", ""));

    assertEquals("the token endpoint answered HTTP 200 with an empty body; a token response must"
        + " be a JSON object (RFC 6749, section 5.1)", e.getMessage());
  }

  @Test
  void anEmptyErrorBodyIsNamed() {
    TokenEndpointException e = failure(Reply.of(401, null, ""));

    assertEquals("the token endpoint answered HTTP 401 with an empty body", e.getMessage());
    assertEquals(401, e.statusCode());
  }

  @Test
  void truncatedJsonIsNamedWithoutTheParsersMessage() {
    TokenEndpointException e = failure(Reply.json(200, "{\"access_token\":\"at\",\"expi"));

    assertEquals("the token endpoint answered HTTP 200 with malformed JSON (26 bytes, truncated or"
        + " invalid); a token response must be a JSON object (RFC 6749, section 5.1)",
        e.getMessage());
  }

  @Test
  void truncatedJsonInAnErrorAnswerIsNamed() {
    TokenEndpointException e = failure(Reply.json(400, "{\"error\":\"inval"));

    assertEquals("the token endpoint answered HTTP 400 with malformed JSON (15 bytes, truncated or"
        + " invalid)", e.getMessage());
  }

  @Test
  void aJsonArrayIsNotATokenResponse() {
    TokenEndpointException e = failure(Reply.json(200, "[{\"access_token\":\"at\"}]"));

    assertEquals("the token endpoint answered HTTP 200 with a JSON array; a token response must be"
        + " a JSON object (RFC 6749, section 5.1)", e.getMessage());
  }

  @Test
  void a200WithoutAccessTokenIsNamed() {
    TokenEndpointException e = failure(Reply.json(200,
        "{\"token_type\":\"bearer\",\"expires_in\":3600}"));

    assertEquals("the token endpoint answered HTTP 200 without access_token; a token response must"
        + " contain a non-empty access_token (RFC 6749, section 5.1)", e.getMessage());
  }

  @Test
  void anAccessTokenThatIsNotAStringIsNamed() {
    TokenEndpointException e = failure(Reply.json(200,
        "{\"access_token\":{\"v\":1},\"token_type\":\"bearer\"}"));

    assertEquals("the token endpoint answered HTTP 200 with a token response whose access_token is"
        + " not a JSON string", e.getMessage());
  }

  @Test
  void aTokenTypeOtherThanBearerIsRefused() {
    TokenEndpointException e = failure(Reply.json(200,
        "{\"access_token\":\"at\",\"token_type\":\"mac\",\"expires_in\":3600}"));

    assertEquals("the token endpoint answered HTTP 200 with token_type \"mac\"; TokenKeeper supports"
        + " only bearer tokens (RFC 6750), compared case-insensitively", e.getMessage());
  }

  @Test
  void aMissingTokenTypeIsRefused() {
    TokenEndpointException e = failure(Reply.json(200, "{\"access_token\":\"at\"}"));

    assertEquals("the token endpoint answered HTTP 200 without token_type; a token response must"
        + " say token_type \"bearer\" (RFC 6749, section 5.1)", e.getMessage());
  }

  @Test
  void aNegativeExpiresInIsRefused() {
    TokenEndpointException e = failure(Reply.json(200, ok(",\"expires_in\":-5")));

    assertEquals("the token endpoint answered HTTP 200 with a negative expires_in (-5); it must be"
        + " zero or a positive number of seconds", e.getMessage());
  }

  @Test
  void aNegativeExpiresInAsAStringIsRefused() {
    TokenEndpointException e = failure(Reply.json(200, ok(",\"expires_in\":\"-60\"")));

    assertEquals("the token endpoint answered HTTP 200 with a negative expires_in (-60); it must be"
        + " zero or a positive number of seconds", e.getMessage());
  }

  @Test
  void aNonNumericExpiresInIsRefused() {
    TokenEndpointException e = failure(Reply.json(200, ok(",\"expires_in\":\"one hour\"")));

    assertEquals("the token endpoint answered HTTP 200 with expires_in \"one hour\"; it must be a"
        + " number of seconds (a JSON number or a numeric string)", e.getMessage());
  }

  @Test
  void aFractionalSessionTimeoutIsRefused() {
    TokenEndpointException e = failure(Reply.json(200, ok(",\"session_idle_timeout\":1.5")));

    assertEquals("the token endpoint answered HTTP 200 with session_idle_timeout 1.5; it must be a"
        + " whole number of seconds", e.getMessage());
  }

  @Test
  void anObjectWhereSecondsBelongIsRefused() {
    TokenEndpointException e = failure(Reply.json(200, ok(",\"refresh_token_expires_in\":{}")));

    assertEquals("the token endpoint answered HTTP 200 with refresh_token_expires_in a JSON object;"
        + " it must be a number of seconds (a JSON number or a numeric string)", e.getMessage());
  }

  @Test
  void anUnreadableSessionExpirationTimeIsNamed() {
    TokenEndpointException e = failure(Reply.json(200,
        ok(",\"session_expiration_time\":\"next tuesday\"")));

    assertEquals("the token endpoint answered HTTP 200 with session_expiration_time \"next"
        + " tuesday\"; it must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z",
        e.getMessage());
  }

  @Test
  void aBodyDeclaredLargerThanTheCapIsNotRead() {
    String big = ok(",\"pad\":\"" + "x".repeat(2000) + "\"");

    TokenEndpointException e = failure(Reply.json(200, big), endpoint().maxResponseBytes(1024));

    assertEquals("the token endpoint answered HTTP 200 with a body larger than the limit of 1024"
        + " bytes; the body was not read (raise TokenEndpoint.Builder.maxResponseBytes if the"
        + " provider really sends that much)", e.getMessage());
    assertEquals(200, e.statusCode());
  }

  @Test
  void aChunkedBodyThatGrowsPastTheDefaultCapOf256KibIsCutOff() {
    byte[] huge = ("{\"access_token\":\"" + "a".repeat(300 * 1024) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    Reply chunked = new Reply(200, Map.of("Content-Type", "application/json"), huge, 0, false)
        .asChunked();

    TokenEndpointException e = failure(chunked);

    assertEquals("the token endpoint answered HTTP 200 with a body larger than the limit of 262144"
        + " bytes; the body was not read (raise TokenEndpoint.Builder.maxResponseBytes if the"
        + " provider really sends that much)", e.getMessage());
  }

  @Test
  void aRedirectIsNotFollowedAndNamesWhereItPointedWithoutTheQuery() {
    TokenEndpointException e = failure(Reply.of(302, null, "")
        .withHeader("Location", "https://login.example.com/oauth/token?client_secret=leak"));

    assertEquals("the token endpoint answered HTTP 302 (a redirect to"
        + " https://login.example.com/oauth/token); token and revocation requests are not"
        + " redirected: configure the endpoint's final URL", e.getMessage());
    assertEquals(1, server.requests().size());
  }

  @Test
  void anOAuthErrorCarriesErrorDescriptionUriAndStatus() {
    TokenEndpointException e = failure(Reply.json(400, "{\"error\":\"invalid_grant\","
        + "\"error_description\":\"Invalid resource owner credentials\","
        + "\"error_uri\":\"https://developers.example.com/errors#invalid_grant\"}"));

    assertEquals("the token endpoint answered HTTP 400 invalid_grant: Invalid resource owner"
        + " credentials (see https://developers.example.com/errors#invalid_grant)", e.getMessage());
    assertEquals("invalid_grant", e.error().orElseThrow());
    assertEquals("Invalid resource owner credentials", e.errorDescription().orElseThrow());
    assertEquals("https://developers.example.com/errors#invalid_grant", e.errorUri().orElseThrow());
    assertTrue(e.isInvalidGrant());
    assertFalse(e.isTransient());
    assertTrue(e.retryAfter().isEmpty());
  }

  @Test
  void anErrorDescriptionThatEchoesTheSecretIsRedactedInTheMessage() {
    TokenEndpointException e = failure(Reply.json(401, "{\"error\":\"invalid_client\","
        + "\"error_description\":\"secret " + SECRET + " is wrong\"}"));

    assertEquals("the token endpoint answered HTTP 401 invalid_client: secret ██ is wrong",
        e.getMessage());
  }

  @Test
  void retryAfterInSecondsIsCarried() {
    TokenEndpointException e = failure(Reply.json(429, "{\"error\":\"rate_limited\"}")
        .withHeader("Retry-After", "30"));

    assertEquals(Duration.ofSeconds(30), e.retryAfter().orElseThrow());
    assertTrue(e.isTransient());
    assertEquals("the token endpoint answered HTTP 429 rate_limited; retry after 30 s",
        e.getMessage());
  }

  @Test
  void retryAfterAsAnHttpDateIsReadRelativeToTheEndpointClock() {
    TokenEndpointException e = failure(Reply.of(503, "text/plain", "busy")
        .withHeader("Retry-After", "Sat, 01 Mar 2025 10:02:00 GMT"));

    assertEquals(Duration.ofMinutes(2), e.retryAfter().orElseThrow());
    assertEquals(503, e.statusCode());
  }

  @Test
  void aJsonErrorBodyWithoutErrorMemberIsNamed() {
    TokenEndpointException e = failure(Reply.json(500, "{\"message\":\"internal\"}"));

    assertEquals("the token endpoint answered HTTP 500 with a JSON body that has no \"error\""
        + " member (RFC 6749, section 5.2)", e.getMessage());
  }

  @Test
  void aConnectionClosedWithoutAnAnswerFailsWithStatusZeroAndIsTransient() throws Exception {
    try (java.net.ServerSocket rude = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      Thread closer = new Thread(() -> {
        try (java.net.Socket s = rude.accept()) {
          s.getInputStream().read(new byte[64]);
        } catch (java.io.IOException ignored) {
          // the test only needs the connection to end without an answer
        }
      });
      closer.start();
      java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + rude.getLocalPort() + "/t");

      TokenEndpointException e = assertThrows(TokenEndpointException.class,
          () -> TokenEndpoint.builder(uri, ClientAuthentication.basic("id", SECRET)).build()
              .request(TokenRequest.of(Grant.password("alice", PASSWORD))));
      closer.join();

      assertEquals(0, e.statusCode());
      assertTrue(e.isTransient());
      assertTrue(e.getMessage().startsWith("I/O error talking to the token endpoint at " + uri
          + ": "), e.getMessage());
      assertFalse(e.getMessage().contains(PASSWORD));
    }
  }

  /**
   * The endpoint's deadline starts once the provider has the request ({@link StagedHttpClient}):
   * the 300 ms then run out while the provider sits on it, never while a loaded machine connects.
   */
  @Test
  void aServerThatDoesNotAnswerInTimeFailsWithStatusZeroNamingTheSetting() {
    CountDownLatch release = new CountDownLatch(1);
    server.holdRepliesUntil(release);
    StagedHttpClient client = StagedHttpClient.after(TokenManagerFixture.HTTP,
        "the provider has the request", () -> server.requests().size() == 1);
    try {
      TokenEndpointException e = failure(Reply.json(200, ok("")),
          endpoint().requestTimeout(Duration.ofMillis(300)).httpClient(client));

      assertEquals(Optional.of(Duration.ofMillis(300)), client.requestTimeout());
      assertEquals(0, e.statusCode());
      assertTrue(e.isTransient());
      assertEquals("the token endpoint at " + server.uri("/oauth/token") + " did not answer within"
          + " 300 ms (TokenEndpoint.Builder.requestTimeout)", e.getMessage());
    } finally {
      release.countDown();
    }
  }
}

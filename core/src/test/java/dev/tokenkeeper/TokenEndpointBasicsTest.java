package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.LoopbackTokenServer;
import dev.tokenkeeper.testing.LoopbackTokenServer.Reply;
import dev.tokenkeeper.testing.MutableClock;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TokenEndpointBasicsTest {
  @RegisterExtension final LoopbackTokenServer server = LoopbackTokenServer.start();
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");

  private TokenEndpoint endpoint(ClientAuthentication auth) {
    return TokenEndpoint.builder(server.uri("/oauth/token"), auth).clock(clock).build();
  }

  @Test
  void passwordGrantWithBasicAuthenticationPostsTheFormAndParsesTheAnswer() {
    server.enqueue(Reply.json(200, "{\"access_token\":\"AT-1\",\"token_type\":\"bearer\","
        + "\"expires_in\":3600,\"refresh_token\":\"RT-1\",\"scope\":\"ReadAccounts\"}"));

    TokenResponse response = endpoint(ClientAuthentication.basic("my client", "s3cr:t&"))
        .request(TokenRequest.of(Grant.password("alice", "pa ss")));

    LoopbackTokenServer.Recorded sent = server.onlyRequest();
    assertEquals("POST", sent.method());
    assertEquals("/oauth/token", sent.path());
    assertEquals("application/x-www-form-urlencoded; charset=UTF-8", sent.header("Content-Type"));
    assertEquals(Map.of("grant_type", "password", "username", "alice", "password", "pa ss"),
        sent.form());
    String expectedBasic = Base64.getEncoder().encodeToString(
        "my+client:s3cr%3At%26".getBytes(StandardCharsets.UTF_8));
    assertEquals("Basic " + expectedBasic, sent.header("Authorization"));

    assertEquals("AT-1", response.accessToken().value());
    assertEquals(Instant.parse("2025-01-01T01:00:00Z"), response.expiresAt());
    assertEquals("RT-1", response.refreshToken().orElseThrow());
    assertEquals("ReadAccounts", response.scope().orElseThrow());
  }

  @Test
  void anOAuthErrorCompletesTheFutureWithTheTokenEndpointExceptionItself() {
    server.enqueue(Reply.json(400, "{\"error\":\"invalid_grant\",\"error_description\":\"gone\"}"));
    AtomicReference<Throwable> seen = new AtomicReference<>();

    CompletableFuture<TokenResponse> future = endpoint(ClientAuthentication.post("id", "secret"))
        .requestAsync(TokenRequest.of(Grant.refreshToken("RT")))
        .whenComplete((r, t) -> seen.set(t));

    CompletionException wrapped = assertThrows(CompletionException.class, future::join);
    TokenEndpointException e = assertInstanceOf(TokenEndpointException.class, wrapped.getCause());
    assertInstanceOf(TokenEndpointException.class, seen.get());
    assertTrue(e.isInvalidGrant());
    assertEquals(400, e.statusCode());
    assertEquals("the token endpoint answered HTTP 400 invalid_grant: gone", e.getMessage());
  }

  @Test
  void anUnreachableEndpointFailsWithStatusZeroAndIsTransient() throws Exception {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    TokenEndpoint endpoint = TokenEndpoint.builder(
        URI.create("http://127.0.0.1:" + freePort + "/token"), ClientAuthentication.none("app"))
        .connectTimeout(Duration.ofSeconds(2)).build();

    TokenEndpointException e = assertThrows(TokenEndpointException.class,
        () -> endpoint.request(TokenRequest.of(Grant.clientCredentials())));

    assertEquals(0, e.statusCode());
    assertTrue(e.isTransient());
  }
}

package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.HTTP;
import static dev.tokenkeeper.testing.TokenManagerFixture.T0;
import static dev.tokenkeeper.testing.TokenManagerFixture.endpoint;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Bearer client against real loopback servers: a provider, an API, and another origin. */
class BearerHttpClientTest {
  private final MutableClock clock = new MutableClock(T0);
  private ScriptedServer provider;
  private ScriptedServer api;
  private ScriptedServer other;
  private TokenManager manager;

  @BeforeEach
  void start() {
    // client_credentials gives "<endpoint_id>-1", a refresh "<endpoint_id>-2".
    provider = ScriptedServer.start(r -> ok(r.param("endpoint_id")
        + ("refresh_token".equals(r.grantType()) ? "-2" : "-1"), 3600, "rt"));
    api = ScriptedServer.start(r -> Answer.text(200, "api"));
    other = ScriptedServer.start(r -> Answer.text(200, "other"));
    manager = TokenManager.builder(endpoint(provider, clock)).ticker(clock)
        .primaryGrant(Grant.clientCredentials()).build();
  }

  @AfterEach
  void stop() {
    manager.close();
    provider.close();
    api.close();
    other.close();
  }

  private BearerHttpClient.Builder client() {
    return BearerHttpClient.builder(manager, "k1").delegate(HTTP).allowedOrigins(api.uri("/"));
  }

  private static HttpRequest get(URI uri) {
    return HttpRequest.newBuilder(uri).GET().build();
  }

  private static long refreshes(ScriptedServer provider) {
    return provider.count(r -> "refresh_token".equals(r.grantType()));
  }

  /** Rejects "k1-1" with 401 invalid_token; echoes the body otherwise. */
  private static Answer rejectFirstToken(ScriptedServer.Request r) {
    if ("Bearer k1-1".equals(r.header("Authorization"))) {
      return Answer.text(401, "expired")
          .withHeader("WWW-Authenticate", "Bearer realm=\"api\", error=\"invalid_token\"");
    }
    return Answer.text(200, "got " + r.body());
  }

  @Test
  void sendAttachesTheBearerHeaderForAnAllowedOrigin() throws Exception {
    HttpResponse<String> response = client().build()
        .send(get(api.uri("/accounts")), BodyHandlers.ofString());

    assertEquals(200, response.statusCode());
    assertEquals("api", response.body());
    assertEquals("Bearer k1-1", api.requests().get(0).header("Authorization"));
  }

  @Test
  void sendWhen401ThenOneRefreshAndOneRetryWithTheSameBody() throws Exception {
    api.script(BearerHttpClientTest::rejectFirstToken);
    HttpRequest post = HttpRequest.newBuilder(api.uri("/messages"))
        .header("Content-Type", "text/plain")
        .POST(BodyPublishers.ofString("hello")).build();

    HttpResponse<String> response = client().build().send(post, BodyHandlers.ofString());

    assertEquals(200, response.statusCode());
    assertEquals("got hello", response.body());
    assertEquals(2, api.count());
    assertEquals("Bearer k1-2", api.requests().get(1).header("Authorization"));
    assertEquals("hello", api.requests().get(1).body());
    assertEquals(1, refreshes(provider));
  }

  @Test
  void sendWhenTheRetryIsRejectedTooThenThe401IsReturnedWithoutALoop() throws Exception {
    api.script(r -> Answer.text(401, "denied " + r.header("Authorization"))
        .withHeader("WWW-Authenticate", "Bearer realm=\"api\""));

    HttpResponse<String> response =
        client().build().send(get(api.uri("/x")), BodyHandlers.ofString());

    assertEquals(401, response.statusCode());
    assertEquals("denied Bearer k1-2", response.body());
    assertEquals(2, api.count());
    assertEquals(1, refreshes(provider));
  }

  @Test
  void sendAsyncWhen401ThenOneRefreshAndOneRetry() {
    api.script(BearerHttpClientTest::rejectFirstToken);
    HttpResponse<String> response = client().build()
        .sendAsync(HttpRequest.newBuilder(api.uri("/m")).PUT(BodyPublishers.ofString("x")).build(),
            BodyHandlers.ofString())
        .join();

    assertEquals("got x", response.body());
    assertEquals(1, refreshes(provider));
  }

  @Test
  void sendAsyncWhenTheRetryIsRejectedTooThenThe401IsReturned() {
    api.script(r -> Answer.status(401));
    HttpResponse<String> response = client().build()
        .sendAsync(get(api.uri("/x")), BodyHandlers.ofString(), null).join();
    assertEquals(401, response.statusCode());
    assertEquals(2, api.count());
  }

  @Test
  void sendWhen32ConcurrentCallsAreRejectedThenOneRefresh() {
    api.script(BearerHttpClientTest::rejectFirstToken);
    BearerHttpClient client = client().build();
    manager.token("k1"); // every call starts with the same token

    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      calls.add(client.sendAsync(
          HttpRequest.newBuilder(api.uri("/c")).POST(BodyPublishers.ofString("n" + i)).build(),
          BodyHandlers.ofString()));
    }
    for (int i = 0; i < 32; i++) {
      assertEquals("got n" + i, calls.get(i).join().body());
    }
    assertEquals(1, refreshes(provider));
  }

  @Test
  void noTokenIsSentToAnOriginThatIsNotAllowed() throws Exception {
    HttpResponse<String> response =
        client().build().send(get(other.uri("/elsewhere")), BodyHandlers.ofString());

    assertEquals("other", response.body());
    assertNull(other.requests().get(0).header("Authorization"));
    assertEquals(0, provider.count(), "no token was even fetched");
  }

  @Test
  void crossOriginRedirectIsFollowedWithoutTheToken() throws Exception {
    api.script(r -> Answer.status(302).withHeader("Location", other.uri("/landing").toString()));
    BearerHttpClient client = client()
        .allowedOrigins(other.uri("/")) // even an allowed origin gets no token after a redirect
        .followRedirects(HttpClient.Redirect.NORMAL).build();
    HttpRequest request = HttpRequest.newBuilder(api.uri("/start"))
        .header("Authorization", "Bearer caller-own").GET().build();

    HttpResponse<String> response = client.send(request, BodyHandlers.ofString());

    assertEquals("other", response.body());
    assertEquals("Bearer k1-1", api.requests().get(0).header("Authorization"),
        "ours replaces the caller's for an allowed origin");
    assertNull(other.requests().get(0).header("Authorization"));
    assertEquals(other.uri("/landing"), response.uri());
  }

  @Test
  void crossOriginRedirectDropsTheCallersCookieAndProxyCredentialsToo() throws Exception {
    api.script(r -> Answer.status(302).withHeader("Location", other.uri("/landing").toString()));
    BearerHttpClient client = client().followRedirects(HttpClient.Redirect.NORMAL).build();
    HttpRequest request = HttpRequest.newBuilder(api.uri("/start"))
        .header("Cookie", "session=caller-cookie")
        .header("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0")
        .header("X-Trace", "kept")
        .GET().build();

    client.send(request, BodyHandlers.ofString());

    assertEquals("session=caller-cookie", api.requests().get(0).header("Cookie"));
    ScriptedServer.Request landed = other.requests().get(0);
    assertNull(landed.header("Cookie"));
    assertNull(landed.header("Proxy-Authorization"));
    assertEquals("kept", landed.header("X-Trace"), "other headers follow the redirect");
  }

  @Test
  void crossOriginRedirectIsFollowedWithoutTheTokenAsync() {
    api.script(r -> Answer.status(307).withHeader("Location", other.uri("/landing").toString()));
    BearerHttpClient client = client().followRedirects(HttpClient.Redirect.ALWAYS).build();

    HttpResponse<String> response =
        client.sendAsync(get(api.uri("/start")), BodyHandlers.ofString()).join();

    assertEquals("other", response.body());
    assertNull(other.requests().get(0).header("Authorization"));
  }

  @Test
  void sameOriginRedirectsKeepTheTokenAndFollowTheMethodRules() throws Exception {
    api.script(r -> switch (r.path()) {
      case "/a" -> Answer.status(307).withHeader("Location", "/b");
      case "/b" -> Answer.status(303).withHeader("Location", "/c");
      default -> Answer.text(200, r.method() + " " + r.body());
    });
    BearerHttpClient client = client().followRedirects(HttpClient.Redirect.NORMAL).build();

    HttpResponse<String> response = client.send(
        HttpRequest.newBuilder(api.uri("/a")).POST(BodyPublishers.ofString("form")).build(),
        BodyHandlers.ofString());

    assertEquals("GET ", response.body(), "303 turns the POST into a GET");
    List<ScriptedServer.Request> seen = api.requests();
    assertEquals(List.of("POST form", "POST form", "GET "),
        seen.stream().map(r -> r.method() + " " + r.body()).toList(), "307 keeps method and body");
    assertTrue(seen.stream().allMatch(r -> "Bearer k1-1".equals(r.header("Authorization"))));
  }

  @Test
  void redirectsAreReturnedByDefaultAndLimitedWhenFollowed() throws Exception {
    api.script(r -> Answer.status(302).withHeader("Location", "/again"));
    assertEquals(302, client().build().send(get(api.uri("/")), BodyHandlers.ofString())
        .statusCode());
    assertEquals(1, api.count());

    HttpResponse<String> looped = client().followRedirects(HttpClient.Redirect.NORMAL).build()
        .send(get(api.uri("/")), BodyHandlers.ofString());
    assertEquals(302, looped.statusCode());
    assertEquals(1 + 6, api.count(), "the first request and 5 redirects");
  }

  @Test
  void a401WithAnotherBearerErrorIsReturnedAsIs() throws Exception {
    api.script(r -> Answer.status(401)
        .withHeader("WWW-Authenticate", "Bearer error=\"invalid_request\""));
    HttpResponse<String> response =
        client().build().send(get(api.uri("/")), BodyHandlers.ofString());
    assertEquals(401, response.statusCode());
    assertEquals(1, api.count());
    assertEquals(0, refreshes(provider));
  }

  @Test
  void a403WithInvalidTokenIsTreatedAsARejection() throws Exception {
    api.script(r -> "Bearer k1-1".equals(r.header("Authorization"))
        ? Answer.status(403).withHeader("WWW-Authenticate",
            "Basic realm=\"x\", Bearer error=\"invalid_token\", error_description=\"a, b\"")
        : Answer.text(200, "ok"));
    HttpResponse<String> response =
        client().build().send(get(api.uri("/")), BodyHandlers.ofString());
    assertEquals("ok", response.body());
    assertEquals(1, refreshes(provider));
  }

  @Test
  void withKeySendsTheTokenOfAnotherKeyAndSharesTheRest() throws Exception {
    BearerHttpClient first = client().build();
    BearerHttpClient second = first.withKey("k2");

    second.send(get(api.uri("/")), BodyHandlers.ofString());
    assertEquals("Bearer k2-1", api.requests().get(0).header("Authorization"));
    assertEquals("k2", second.key());
    assertSame(manager, second.manager());
    assertEquals(first.followRedirects(), second.followRedirects());
  }

  @Test
  void whenNoTokenCanBeHadTheManagersExceptionReachesTheCaller() {
    TokenManager noGrant = TokenManager.builder(endpoint(provider, clock)).ticker(clock).build();
    BearerHttpClient client = BearerHttpClient.builder(noGrant, "k1").delegate(HTTP)
        .allowedOrigins(api.uri("/")).build();

    assertThrows(ReauthenticationRequiredException.class,
        () -> client.send(get(api.uri("/")), BodyHandlers.ofString()));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.sendAsync(get(api.uri("/")), BodyHandlers.ofString()).get());
    assertInstanceOf(ReauthenticationRequiredException.class, e.getCause());
    assertEquals(0, api.count());
  }

  @Test
  void whenTheRefreshAfterA401FailsThenSendThrowsItsException() {
    TokenManager userSession = TokenManager.builder(endpoint(provider, clock)).ticker(clock).build();
    userSession.put("k1", TokenManagerFixture.response(clock, "k1-1", 3600, null));
    api.script(r -> Answer.status(401));
    BearerHttpClient client = BearerHttpClient.builder(userSession, "k1").delegate(HTTP)
        .allowedOrigins(api.uri("/")).build();

    assertThrows(ReauthenticationRequiredException.class,
        () -> client.send(get(api.uri("/")), BodyHandlers.ofString()));
    CompletionException e = assertThrows(CompletionException.class,
        () -> client.withKey("k1").sendAsync(get(api.uri("/")), BodyHandlers.ofString()).join());
    assertInstanceOf(ReauthenticationRequiredException.class, e.getCause());
  }

  @Test
  void builderRefusesUnsafeOrIncompleteConfiguration() {
    IllegalStateException noOrigin = assertThrows(IllegalStateException.class,
        () -> BearerHttpClient.builder(manager, "k1").build());
    assertTrue(noOrigin.getMessage().contains("allowedOrigins"));

    HttpClient following = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL).build();
    IllegalArgumentException redirects = assertThrows(IllegalArgumentException.class,
        () -> client().delegate(following).build());
    assertTrue(redirects.getMessage().contains("Redirect.NEVER"), redirects.getMessage());

    assertThrows(IllegalArgumentException.class,
        () -> client().allowedOrigins(URI.create("/relative")));
    assertThrows(IllegalArgumentException.class,
        () -> client().allowedOrigins(URI.create("ftp://files.example.com")));
    assertThrows(IllegalArgumentException.class, () -> BearerHttpClient.builder(manager, " "));
    assertThrows(IllegalArgumentException.class, () -> client().build().withKey(null));
  }

  @Test
  void theRestOfHttpClientComesFromTheDelegate() {
    BearerHttpClient client = client().build();
    assertEquals(HTTP.version(), client.version());
    assertEquals(HTTP.connectTimeout(), client.connectTimeout());
    assertEquals(HTTP.cookieHandler(), client.cookieHandler());
    assertEquals(HTTP.proxy(), client.proxy());
    assertEquals(HTTP.authenticator(), client.authenticator());
    assertEquals(HTTP.executor(), client.executor());
    assertSame(HTTP.sslContext(), client.sslContext());
    assertEquals(HTTP.sslParameters().getProtocols().length,
        client.sslParameters().getProtocols().length);
    assertEquals(HttpClient.Redirect.NEVER, client.followRedirects());
    assertTrue(client.toString().contains("k1"));
    // a default delegate is built when none is given
    assertEquals(HttpClient.Redirect.NEVER,
        BearerHttpClient.builder(manager, "k1").allowedOrigins(api.uri("/")).build()
            .followRedirects());
  }

  /**
   * The refresh the streamed request's 401 reports is held at the provider until the next
   * request has been rejected with the old token too, so that request always joins the one
   * refresh and is sent again with the new token. (Left to the scheduler, the next request
   * sometimes set out with the old token just as the refresh landed and got its 401 back:
   * RejectionStormTest.aRejectionJudgedWhileTheRefreshLandsGetsTheNewToken pins that down.)
   */
  @Test
  void aStreamedBodyIsNotSentAgainButTheTokenIsStillReported() throws Exception {
    CountDownLatch nextRejected = new CountDownLatch(1);
    provider.script(r -> {
      if ("refresh_token".equals(r.grantType())) {
        assertTrue(nextRejected.await(15, TimeUnit.SECONDS), "the next request never came");
      }
      return ok(r.param("endpoint_id")
          + ("refresh_token".equals(r.grantType()) ? "-2" : "-1"), 3600, "rt");
    });
    api.script(r -> {
      Answer answer = rejectFirstToken(r);
      if ("/next".equals(r.path()) && answer.status() == 401) {
        nextRejected.countDown();
      }
      return answer;
    });
    HttpRequest post = HttpRequest.newBuilder(api.uri("/upload"))
        .POST(BodyPublishers.ofInputStream(
            () -> new ByteArrayInputStream("once".getBytes(StandardCharsets.UTF_8))))
        .build();
    BearerHttpClient client = client().build();

    HttpResponse<String> response = client.send(post, BodyHandlers.ofString());
    HttpResponse<String> next = client.send(get(api.uri("/next")), BodyHandlers.ofString());

    assertEquals(401, response.statusCode());
    assertEquals(200, next.statusCode());
    assertEquals(List.of("POST /upload once Bearer k1-1", "GET /next  Bearer k1-1",
            "GET /next  Bearer k1-2"),
        api.requests().stream().map(r -> r.method() + " " + r.path() + " " + r.body() + " "
            + r.header("Authorization")).toList(),
        "the streamed body went once; the next request joined the refresh it reported");
    assertEquals(1, refreshes(provider));
  }

  @Test
  void aBodyOverMaxReplayBytesIsNotSentAgain() throws Exception {
    api.script(BearerHttpClientTest::rejectFirstToken);
    HttpRequest post = HttpRequest.newBuilder(api.uri("/upload"))
        .POST(BodyPublishers.ofString("six b!")).build();

    HttpResponse<String> response = client().maxReplayBytes(5).build()
        .send(post, BodyHandlers.ofString());

    assertEquals(401, response.statusCode());
    assertEquals(1, api.count());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> client().maxReplayBytes(-1));
    assertEquals("maxReplayBytes must be 0 or more, not -1", e.getMessage());
  }
}

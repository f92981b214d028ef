package dev.tokenkeeper.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenKeeperException;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.testkit.LoopbackServer.Answer;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every TokenKeeper HTTP client integration keeps, as one JUnit 5 test: extend it,
 * implement {@link #newClient} for your client, and the scenarios run against real loopback
 * servers (a token endpoint, the resource server {@code api} whose origin is allowed, and
 * {@code other}, an origin that is not):
 *
 * <ul>
 *   <li>the token goes to allowed origins only, replacing the caller's {@code Authorization}
 *       there and leaving it alone elsewhere;
 *   <li>after a 401, or {@code WWW-Authenticate: Bearer error="invalid_token"}, one refresh
 *       through {@link TokenManager#rejected} and one retry of the same request, body included
 *       (POST and PUT), and no loop when the retry is rejected too;
 *   <li>a streamed body, and one over {@link #MAX_REPLAY_BYTES}, answered with the 401 unretried,
 *       and so is a request whose token the manager keeps (no new token to retry with);
 *   <li>a redirect to another origin followed without the token or the caller's cookies;
 *   <li>16 concurrent 401s: one refresh;
 *   <li>a request may name another key than the client's: its token is sent, and refreshed;
 *   <li>when no token can be had, before the request or after a 401, the manager's exception
 *       reaches the caller (as the exception or one of its causes) and nothing more is sent.
 * </ul>
 *
 * <p>Every 401 of the kit carries a {@code WWW-Authenticate} challenge, as RFC 9110, section
 * 15.5.2 requires (Jetty's client fails a 401 without one). The client under test must follow
 * redirects (as its adapter documents how).
 *
 * <p>Not thread-safe, and need not be: JUnit makes a new instance, and so new servers and a new
 * manager, for every test, and the instance is used by one test thread (the concurrency
 * scenarios start and join their own threads).
 */
public abstract class BearerContract {
  /** The manager's client for the token endpoint, shared: Java 17's HttpClient cannot be closed. */
  private static final HttpClient TOKEN_HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** The key whose tokens the client under test sends. */
  protected static final String KEY = "k1";
  /** The largest body sent again, in the {@link Setup#policy() policy} handed to the client. */
  protected static final long MAX_REPLAY_BYTES = 64 * 1024;

  /** For subclasses: one per adapter under test. */
  protected BearerContract() {}

  /**
   * What the client under test is built from. Immutable.
   *
   * @param manager the manager to take tokens from
   * @param key the key whose token to send
   * @param policy allowed origins ({@code api}'s) and {@link #MAX_REPLAY_BYTES}
   */
  public record Setup(TokenManager manager, String key, BearerPolicy policy) {}

  /**
   * A request the kit asks the client under test to send. Immutable (the body is not changed).
   *
   * @param method GET, POST or PUT
   * @param uri the absolute URI
   * @param headers headers to set, such as the caller's own {@code Authorization} or
   *     {@code Cookie}, and {@code Content-Type} for a body
   * @param body the body, or {@code null} for none
   * @param streamed whether to send the body as the client streams it: of unknown length, read
   *     once (an {@code InputStream}, a one-shot body); otherwise as bytes the client can send
   *     again
   * @param key the key this request names for itself (as the adapter documents: a request
   *     attribute, tag or property), or {@code null} to send the token of {@link Setup#key()}
   */
  public record Call(String method, URI uri, Map<String, String> headers, byte[] body,
      boolean streamed, String key) {}

  /**
   * What the caller got. Immutable.
   *
   * @param status the final status code
   * @param body the final body as UTF-8 text
   */
  public record Reply(int status, String body) {}

  /**
   * The client under test, driven through one blocking method; called from several threads at
   * once by the concurrency scenario, so it must be as thread-safe as the client it drives.
   */
  public interface ClientUnderTest extends AutoCloseable {
    /** Sends the call the way a user of this client would, and waits for the answer. */
    Reply send(Call call) throws Exception;

    /** Releases what {@link #newClient} built; nothing by default. */
    @Override
    default void close() throws java.io.IOException {}
  }

  /** Builds the client under test: the adapter installed as its users would install it. */
  protected abstract ClientUnderTest newClient(Setup setup) throws Exception;

  /** The token endpoint: every token request is answered with {@code at-<n>}. */
  protected LoopbackServer provider;
  /** The resource server whose origin is allowed. */
  protected LoopbackServer api;
  /** A resource server on an origin that is not allowed. */
  protected LoopbackServer other;
  /** The manager handed to the client under test. */
  protected TokenManager manager;
  private ClientUnderTest client;
  private final AtomicInteger issued = new AtomicInteger();

  @BeforeEach
  void startServersAndClient() throws Exception {
    provider = LoopbackServer.start(r -> tokenAnswer(issued.incrementAndGet()));
    api = LoopbackServer.start(r -> Answer.text(200, "api"));
    other = LoopbackServer.start(r -> Answer.text(200, "other"));
    manager = TokenManager.builder(TokenEndpoint.builder(provider.uri("/token"),
                ClientAuthentication.basic("client-1", "client-secret-1"))
            .httpClient(TOKEN_HTTP)
            .requestTimeout(Duration.ofSeconds(20))
            .build())
        .primaryGrant(Grant.clientCredentials())
        // One refresh per key per interval, on the real ticker: a scenario that expects a second
        // 401 to be passed on unrefreshed must run within one interval. The default 10 s is
        // exceeded by a loaded machine between two requests, and the second 401 then refreshes
        // again (at-3): an hour keeps the scenarios within one interval whatever the machine.
        .rejectionInterval(Duration.ofHours(1))
        .build();
    client = newClient(new Setup(manager, KEY,
        BearerPolicy.allowedOrigins(api.uri("/")).withMaxReplayBytes(MAX_REPLAY_BYTES)));
  }

  @AfterEach
  void stopClientAndServers() throws Exception {
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      manager.close();
      api.close();
      other.close();
      provider.close();
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** Sends through the client under test. */
  protected Reply send(String method, URI uri, Map<String, String> headers, byte[] body,
      boolean streamed) throws Exception {
    return client.send(new Call(method, uri, headers, body, streamed, null));
  }

  /** Sends a GET that names {@code key} for itself. */
  protected Reply getWithKey(URI uri, String key) throws Exception {
    return client.send(new Call("GET", uri, Map.of(), null, false, key));
  }

  private Reply get(URI uri, Map<String, String> headers) throws Exception {
    return send("GET", uri, headers, null, false);
  }

  private static Answer tokenAnswer(int n) {
    return Answer.json(200, "{\"access_token\":\"at-" + n + "\",\"token_type\":\"Bearer\","
        + "\"expires_in\":3600,\"refresh_token\":\"rt-" + n + "\"}");
  }

  /** Token requests with the refresh_token grant. */
  protected long refreshes() {
    return provider.count(r -> r.text().contains("grant_type=refresh_token"));
  }

  /** Token requests with the primary (client_credentials) grant. */
  protected long acquisitions() {
    return provider.count(r -> r.text().contains("grant_type=client_credentials"));
  }

  /** Answers 401 to the first token, and echoes method and (short) body to any other. */
  private static Answer rejectFirstToken(LoopbackServer.Request r) {
    if ("Bearer at-1".equals(r.header("Authorization"))) {
      return Answer.text(401, "expired").withHeader("WWW-Authenticate", "Bearer realm=\"api\"");
    }
    String body = r.body().length <= 64 ? r.text() : r.body().length + " bytes";
    return Answer.text(200, "got " + r.method() + " " + body);
  }

  private static Map<String, String> text() {
    return Map.of("Content-Type", "text/plain");
  }

  private static byte[] bytes(int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) ('a' + i % 26);
    }
    return b;
  }

  // ---- origins ---------------------------------------------------------------------------

  @Test
  void theTokenIsSentToAnAllowedOrigin() throws Exception {
    Reply reply = get(api.uri("/accounts"), Map.of());

    assertEquals(new Reply(200, "api"), reply);
    assertEquals(List.of("Bearer at-1"), api.requests().get(0).headers("Authorization"));
  }

  @Test
  void theCallersAuthorizationIsReplacedOnAnAllowedOrigin() throws Exception {
    get(api.uri("/accounts"), Map.of("Authorization", "Basic dXNlcjpwYXNz"));

    assertEquals(List.of("Bearer at-1"), api.requests().get(0).headers("Authorization"));
  }

  @Test
  void anotherOriginGetsNoTokenAndKeepsTheCallersAuthorization() throws Exception {
    other.script(r -> Answer.text(401, "no").withHeader("WWW-Authenticate", "Bearer"));

    Reply bare = get(other.uri("/a"), Map.of());
    Reply own = get(other.uri("/b"), Map.of("Authorization", "Basic dXNlcjpwYXNz"));

    assertEquals(401, bare.status());
    assertEquals(401, own.status());
    assertNull(other.requests().get(0).header("Authorization"));
    assertEquals(List.of("Basic dXNlcjpwYXNz"), other.requests().get(1).headers("Authorization"));
    assertEquals(2, other.count(), "a 401 from an origin without the token is not retried");
    assertEquals(0, provider.count(), "no token is needed for another origin");
  }

  @Test
  void aRequestCanNameAnotherKeyAndItsRejectionRefreshesThatKeyOnly() throws Exception {
    api.script(r -> "Bearer at-2".equals(r.header("Authorization"))
        ? Answer.text(401, "expired").withHeader("WWW-Authenticate", "Bearer")
        : Answer.text(200, "ok " + r.header("Authorization")));

    Reply own = get(api.uri("/a"), Map.of());
    Reply other = getWithKey(api.uri("/b"), "k2");
    Reply ownAgain = get(api.uri("/c"), Map.of());

    assertEquals(new Reply(200, "ok Bearer at-1"), own);
    assertEquals(new Reply(200, "ok Bearer at-3"), other, "k2's token at-2, refreshed to at-3");
    assertEquals(new Reply(200, "ok Bearer at-1"), ownAgain, "k1's token is untouched");
    assertEquals(2, acquisitions());
    assertEquals(1, refreshes());
  }

  // ---- no token --------------------------------------------------------------------------

  @Test
  void whenNoTokenCanBeHadTheManagersExceptionReachesTheCaller() {
    provider.script(r -> Answer.json(400, "{\"error\":\"invalid_client\"}"));

    Exception e = assertThrows(Exception.class, () -> get(api.uri("/x"), Map.of()));

    assertCausedBy(TokenEndpointException.class, e);
    assertEquals(0, api.count(), "nothing is sent without a token");
  }

  @Test
  void whenTheRefreshAfterA401FailsTheManagersExceptionReachesTheCaller() {
    api.script(BearerContract::rejectFirstToken);
    provider.script(r -> issued.get() == 0
        ? tokenAnswer(issued.incrementAndGet())
        : Answer.json(400, "{\"error\":\"invalid_client\"}"));

    Exception e = assertThrows(Exception.class, () -> get(api.uri("/x"), Map.of()));

    assertCausedBy(TokenKeeperException.class, e);
    assertEquals(1, api.count(), "the request is not sent again without a new token");
  }

  private static void assertCausedBy(Class<? extends Throwable> type, Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    assertTrue(chain.stream().anyMatch(type::isInstance), "the manager's "
        + type.getSimpleName() + " is the exception or one of its causes: " + chain);
  }

  // ---- one refresh, one retry ------------------------------------------------------------

  @Test
  void aPostRejectedWith401IsSentOnceMoreWithTheSameBodyAfterOneRefresh() throws Exception {
    api.script(BearerContract::rejectFirstToken);

    Reply reply = send("POST", api.uri("/messages"), text(),
        "hello".getBytes(StandardCharsets.UTF_8), false);

    assertEquals(new Reply(200, "got POST hello"), reply);
    List<LoopbackServer.Request> seen = api.requests();
    assertEquals(2, seen.size());
    assertEquals(List.of("Bearer at-2"), seen.get(1).headers("Authorization"));
    assertEquals("hello", seen.get(1).text());
    assertEquals(List.of("text/plain"), seen.get(1).headers("Content-Type"));
    assertEquals(1, refreshes());
  }

  @Test
  void aPutWithALargerBodyIsSentOnceMoreWithTheSameBody() throws Exception {
    api.script(BearerContract::rejectFirstToken);
    byte[] body = bytes((int) MAX_REPLAY_BYTES);

    Reply reply = send("PUT", api.uri("/files/1"), text(), body, false);

    assertEquals(200, reply.status());
    List<LoopbackServer.Request> seen = api.requests();
    assertEquals(2, seen.size());
    assertEquals("PUT", seen.get(1).method());
    assertArrayEquals(body, seen.get(0).body());
    assertArrayEquals(body, seen.get(1).body());
    assertEquals(List.of("Bearer at-2"), seen.get(1).headers("Authorization"));
    assertEquals(1, refreshes());
  }

  @Test
  void anInvalidTokenChallengeIsARejection() throws Exception {
    api.script(r -> "Bearer at-1".equals(r.header("Authorization"))
        ? Answer.text(401, "expired").withHeader("WWW-Authenticate",
            "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"expired, sorry\"")
        : Answer.text(200, "ok"));

    assertEquals(new Reply(200, "ok"), get(api.uri("/x"), Map.of()));
    assertEquals(2, api.count());
    assertEquals(1, refreshes());
  }

  @Test
  void anInvalidTokenChallengeIsARejectionWhateverTheStatus() throws Exception {
    api.script(r -> "Bearer at-1".equals(r.header("Authorization"))
        ? Answer.text(403, "expired")
            .withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
        : Answer.text(200, "ok"));

    assertEquals(new Reply(200, "ok"), get(api.uri("/x"), Map.of()));
    assertEquals(1, refreshes());
  }

  @Test
  void a401WithAnotherBearerErrorIsReturnedAsIs() throws Exception {
    api.script(r -> Answer.text(401, "scope").withHeader("WWW-Authenticate",
        "Bearer error=\"insufficient_scope\", scope=\"admin\""));

    assertEquals(new Reply(401, "scope"), get(api.uri("/x"), Map.of()));
    assertEquals(1, api.count());
    assertEquals(0, refreshes());
  }

  @Test
  void whenTheRetryIsRejectedTooThe401IsReturnedWithoutALoop() throws Exception {
    api.script(r -> Answer.text(401, "denied " + r.header("Authorization"))
        .withHeader("WWW-Authenticate", "Bearer realm=\"api\""));

    Reply reply = send("POST", api.uri("/x"), text(), "hi".getBytes(StandardCharsets.UTF_8),
        false);

    assertEquals(new Reply(401, "denied Bearer at-2"), reply);
    assertEquals(2, api.count());
    assertEquals(1, refreshes());
  }

  @Test
  void whenTheManagerKeepsTheRejectedTokenThe401IsReturnedWithoutARetry() throws Exception {
    // The refresh answers with the same access token: sending it again cannot help.
    provider.script(r -> tokenAnswer(1));
    api.script(BearerContract::rejectFirstToken);

    Reply reply = send("POST", api.uri("/x"), text(), "hi".getBytes(StandardCharsets.UTF_8),
        false);

    assertEquals(new Reply(401, "expired"), reply, "the 401 reaches the caller with its body");
    assertEquals(1, api.count(), "no retry with the token just rejected");
    assertEquals(1, refreshes());
  }

  @Test
  void aLarge401BodyReachesTheCallerWholeWhenTheManagerKeepsTheToken() throws Exception {
    // The refresh brings the same token back while the 401's body (192 KiB: three times what an
    // asynchronous adapter reads ahead while the manager decides, within what clients buffer by
    // default, e.g. WebClient's 256 KiB) is still arriving: it must not be cut.
    String large = new String(bytes(192 * 1024), StandardCharsets.US_ASCII);
    provider.script(r -> tokenAnswer(1));
    api.script(r -> Answer.text(401, large).withHeader("WWW-Authenticate", "Bearer realm=\"api\""));

    Reply reply = get(api.uri("/x"), Map.of());

    assertEquals(401, reply.status());
    assertEquals(large.length(), reply.body().length(), "the whole body reaches the caller");
    assertTrue(large.equals(reply.body()), "byte for byte");
    assertEquals(1, api.count(), "no retry with the token just rejected");
    assertEquals(1, refreshes());
  }

  @Test
  void a401PassedOnWithoutARefreshReachesTheCallerWithItsBody() throws Exception {
    // A resource server that rejects every token: the first 401 costs one refresh, a second one
    // within the manager's rejection interval is passed on to the caller as it came.
    api.script(r -> Answer.text(401, "denied " + r.header("Authorization"))
        .withHeader("WWW-Authenticate", "Bearer realm=\"api\""));
    assertEquals(new Reply(401, "denied Bearer at-2"), get(api.uri("/x"), Map.of()));

    Reply passedOn = send("POST", api.uri("/x"), text(), "hi".getBytes(StandardCharsets.UTF_8),
        false);

    assertEquals(new Reply(401, "denied Bearer at-2"), passedOn);
    assertEquals(3, api.count(), "the passed-on 401 is not retried");
    assertEquals(1, refreshes(), "one refresh per rejection interval");
  }

  // ---- bodies that cannot be sent again --------------------------------------------------

  /**
   * Whether a streamed body within {@link #MAX_REPLAY_BYTES} is sent again after a rejection.
   * {@code false} by default: a stream is read once. A client or adapter that keeps a copy of
   * every body it sends (Spring's interceptor chain buffers bodies; the WebClient filter copies
   * them as they are written, up to the limit) overrides this with {@code true}, and the kit then
   * checks that the copy is sent again, byte for byte.
   */
  protected boolean streamedBodiesWithinTheLimitAreSentAgain() {
    return false;
  }

  @Test
  void aStreamedBodyIsAnsweredWithThe401Unretried() throws Exception {
    api.script(BearerContract::rejectFirstToken);

    Reply reply = send("POST", api.uri("/upload"), text(),
        "streamed".getBytes(StandardCharsets.UTF_8), true);

    if (streamedBodiesWithinTheLimitAreSentAgain()) {
      assertEquals(new Reply(200, "got POST streamed"), reply);
      assertEquals(2, api.count());
      assertEquals("streamed", api.requests().get(1).text());
      assertEquals(1, refreshes());
      return;
    }
    assertEquals(new Reply(401, "expired"), reply);
    assertEquals(1, api.count());
    assertEquals("streamed", api.requests().get(0).text());
    // The token was still reported: the next request carries a new one, after one refresh.
    assertEquals(new Reply(200, "got GET "), get(api.uri("/next"), Map.of()));
    assertEquals(List.of("Bearer at-2"), api.requests().get(api.count() - 1)
        .headers("Authorization"));
    assertEquals(1, refreshes());
  }

  @Test
  void aBodyOverTheReplayLimitIsAnsweredWithThe401Unretried() throws Exception {
    api.script(BearerContract::rejectFirstToken);
    byte[] body = bytes((int) MAX_REPLAY_BYTES + 1);

    Reply reply = send("POST", api.uri("/upload"), text(), body, false);

    assertEquals(new Reply(401, "expired"), reply);
    assertEquals(1, api.count());
    assertArrayEquals(body, api.requests().get(0).body());
  }

  // ---- redirects -------------------------------------------------------------------------

  /**
   * Whether the client follows a redirect to another origin when the caller's request carries
   * its own {@code Cookie} header. {@code true} by default; a client that refuses such redirects
   * itself (Apache HttpClient 5.6 does) overrides this with {@code false}, and the kit then checks
   * that the redirect is returned and nothing reaches the other origin.
   */
  protected boolean followsCrossOriginRedirectsWithCallersCookies() {
    return true;
  }

  @Test
  void aCrossOriginRedirectIsFollowedWithoutTheToken() throws Exception {
    api.script(r -> Answer.redirect(302, other.uri("/landing").toString()));

    Reply reply = get(api.uri("/go"), Map.of());

    assertEquals(new Reply(200, "other"), reply);
    assertEquals(List.of("Bearer at-1"), api.requests().get(0).headers("Authorization"));
    assertEquals(1, other.count());
    assertEquals("/landing", other.requests().get(0).path());
    assertEquals(List.of(), other.requests().get(0).headers("Authorization"));
  }

  @Test
  void aCrossOriginRedirectCarriesNeitherTheTokenNorTheCallersCookies() throws Exception {
    api.script(r -> Answer.redirect(307, other.uri("/landing").toString()));

    Reply reply = get(api.uri("/go"), Map.of("Cookie", "sid=s3cret-session"));

    assertEquals(List.of("Bearer at-1"), api.requests().get(0).headers("Authorization"));
    assertEquals(List.of("sid=s3cret-session"), api.requests().get(0).headers("Cookie"));
    if (!followsCrossOriginRedirectsWithCallersCookies()) {
      assertEquals(307, reply.status());
      assertEquals(0, other.count());
      return;
    }
    assertEquals(new Reply(200, "other"), reply);
    assertEquals(1, other.count());
    LoopbackServer.Request landed = other.requests().get(0);
    assertEquals(List.of(), landed.headers("Authorization"));
    assertEquals(List.of(), landed.headers("Cookie"));
  }

  @Test
  void afterACrossOriginHopNoTokenIsSentEvenBackOnTheAllowedOrigin() throws Exception {
    api.script(r -> r.path().equals("/go")
        ? Answer.redirect(302, other.uri("/bounce").toString())
        : Answer.text(200, "back"));
    other.script(r -> Answer.redirect(302, api.uri("/back").toString()));

    Reply reply = get(api.uri("/go"), Map.of());

    assertEquals(new Reply(200, "back"), reply);
    assertEquals(2, api.count());
    assertEquals(List.of(), api.requests().get(1).headers("Authorization"));
  }

  @Test
  void aSameOriginRedirectKeepsTheToken() throws Exception {
    api.script(r -> r.path().equals("/go")
        ? Answer.redirect(302, "/there")
        : Answer.text(200, "there"));

    assertEquals(new Reply(200, "there"), get(api.uri("/go"), Map.of()));
    assertEquals(2, api.count());
    assertEquals(List.of("Bearer at-1"), api.requests().get(1).headers("Authorization"));
  }

  // ---- many callers ----------------------------------------------------------------------

  @Test
  void sixteenConcurrent401sCauseOneRefresh() throws Exception {
    api.script(BearerContract::rejectFirstToken);
    int callers = 16;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch ready = new CountDownLatch(callers);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Reply>> replies = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        byte[] body = ("caller " + i).getBytes(StandardCharsets.UTF_8);
        replies.add(pool.submit(() -> {
          ready.countDown();
          assertTrue(go.await(20, TimeUnit.SECONDS));
          return send("POST", api.uri("/x"), text(), body, false);
        }));
      }
      assertTrue(ready.await(20, TimeUnit.SECONDS));
      go.countDown();
      for (int i = 0; i < callers; i++) {
        assertEquals(new Reply(200, "got POST caller " + i), replies.get(i).get(60,
            TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, acquisitions(), "one token request for 16 callers of an empty key");
    assertEquals(1, refreshes(), "one refresh for 16 rejections of the same token");
    Map<String, Long> byToken = new LinkedHashMap<>();
    for (LoopbackServer.Request r : api.requests()) {
      byToken.merge(String.valueOf(r.header("Authorization")), 1L, Long::sum);
    }
    assertEquals(Long.valueOf(callers), byToken.get("Bearer at-2"), byToken::toString);
    assertEquals(callers + byToken.getOrDefault("Bearer at-1", 0L), (long) api.count(),
        byToken::toString);
  }
}

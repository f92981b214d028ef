package dev.tokenkeeper.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a {@link TokenManager} test stands on: a {@link MutableClock} at {@link #T0}, a
 * {@link ManualScheduler} on it, a {@link ScriptedServer} playing the token and revocation
 * endpoints, and managers built against that server. Register one per test instance:
 *
 * <pre>{@code
 * @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
 *
 * ScriptedServer server = fx.serve(r -> ok("at-1", 3600, null));
 * TokenManager manager = fx.manager(fx.builder().primaryGrant(Grant.clientCredentials()));
 * }</pre>
 *
 * <p>After each test it closes the managers it built, then the servers it started. JUnit makes a
 * new test instance, and so a new fixture, for every test: nothing is shared between tests.
 * Not thread-safe to set up; the clock, scheduler and server it hands out are.
 */
public final class TokenManagerFixture implements AfterEachCallback {

  /** Where every test clock starts. */
  public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** One client for every test: HTTP/1.1 (no h2c upgrade dance), no redirects. */
  public static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  private final MutableClock clock = new MutableClock(T0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  private ScriptedServer server;

  /** The test's clock, at {@link #T0} until the test moves it. */
  public MutableClock clock() {
    return clock;
  }

  /** A scheduler on {@link #clock()}; a manager uses it only if the test passes it in. */
  public ManualScheduler scheduler() {
    return scheduler;
  }

  /** Starts the test's token endpoint (closed after the test); {@link #server()} returns it. */
  public ScriptedServer serve(ScriptedServer.Script script) {
    if (server != null) {
      throw new IllegalStateException("serve(...) once per test; use server().script(...)");
    }
    server = ScriptedServer.start(script);
    toClose.push(server);
    return server;
  }

  /** The server {@link #serve} started. */
  public ScriptedServer server() {
    if (server == null) {
      throw new IllegalStateException("call serve(...) first");
    }
    return server;
  }

  /** The endpoint at {@link #server()}: {@code /token}, {@code /revoke}, basic auth. */
  public TokenEndpoint endpoint() {
    return endpoint(server(), clock);
  }

  /**
   * A manager builder on {@link #endpoint()} whose ticker is {@link #clock()}, with the library's
   * defaults otherwise.
   */
  public TokenManager.Builder builder() {
    return TokenManager.builder(endpoint()).ticker(clock);
  }

  /** A manager with the library's defaults on {@link #endpoint()}, closed after the test. */
  public TokenManager manager() {
    return manager(builder());
  }

  /** Builds the manager and closes it after the test. */
  public TokenManager manager(TokenManager.Builder builder) {
    TokenManager manager = builder.build();
    toClose.push(manager);
    return manager;
  }

  /** A response received now on {@link #clock()}, as a login callback would {@code put} it. */
  public TokenResponse response(String access, long expiresIn, String refresh) {
    return response(clock, access, expiresIn, refresh);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    // Managers before the server they talk to: the last one built is closed first.
    while (!toClose.isEmpty()) {
      toClose.pop().close();
    }
  }

  /**
   * The endpoint at {@code server}: {@code /token}, {@code /revoke}, basic auth, RingCentral's
   * dialect.
   */
  public static TokenEndpoint endpoint(ScriptedServer server, Clock clock) {
    return TokenEndpoint.builder(server.uri("/token"),
            ClientAuthentication.basic("client-1", "s3cret-client"))
        .revocationUri(server.uri("/revoke"))
        .requestTimeout(Duration.ofSeconds(20))
        // RingCentral's dialect: keys are sent as endpoint_id, which many tests look for.
        .dialect(Dialect.ringCentral())
        .budget(null) // not RingCentral's 5 requests a minute: tests make many
        .clock(clock)
        .httpClient(HTTP)
        .build();
  }

  /** A token answer: {@code extra} are JSON members such as {@code "session_id":"s-1"}. */
  public static String tokenJson(String access, long expiresIn, String refresh,
      String... extra) {
    StringBuilder b = new StringBuilder("{\"access_token\":\"").append(access)
        .append("\",\"token_type\":\"bearer\",\"expires_in\":").append(expiresIn)
        .append(",\"scope\":\"ReadAccounts\"");
    if (refresh != null) {
      b.append(",\"refresh_token\":\"").append(refresh).append('"');
    }
    for (String e : extra) {
      b.append(',').append(e);
    }
    return b.append('}').toString();
  }

  /** A 200 token answer; see {@link #tokenJson}. */
  public static ScriptedServer.Answer ok(String access, long expiresIn, String refresh,
      String... extra) {
    return ScriptedServer.Answer.json(200, tokenJson(access, expiresIn, refresh, extra));
  }

  /** A response received at {@code clock}'s now, as a login callback would {@code put} it. */
  public static TokenResponse response(Clock clock, String access, long expiresIn,
      String refresh) {
    TokenResponse.Builder b = TokenResponse.builder(access, clock.instant())
        .expiresIn(Duration.ofSeconds(expiresIn));
    if (refresh != null) {
      b.refreshToken(refresh);
    }
    return b.build();
  }

  /** Polls (in real time) until the condition holds: for other threads, never for clock logic. */
  public static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting until " + what);
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }

  /** Whether every thread is parked (waiting on a future, a latch or a lock) or done. */
  public static boolean allWaiting(Collection<Thread> threads) {
    return threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING
        || t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.TERMINATED);
  }
}

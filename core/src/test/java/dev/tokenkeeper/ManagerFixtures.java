package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tokenkeeper.testing.ScriptedServer;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Shared pieces of the TokenManager and BearerHttpClient tests. */
final class ManagerFixtures {
  private ManagerFixtures() {}

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** One client for every test: HTTP/1.1 (no h2c upgrade dance), no redirects. */
  static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  static TokenEndpoint endpoint(ScriptedServer server, Clock clock) {
    return TokenEndpoint.builder(server.uri("/token"),
            ClientAuthentication.basic("client-1", "s3cret-client"))
        .revocationUri(server.uri("/revoke"))
        .requestTimeout(Duration.ofSeconds(20))
        .clock(clock)
        .httpClient(HTTP)
        .build();
  }

  /** A token answer: {@code extra} are JSON members such as {@code "session_id":"s-1"}. */
  static String tokenJson(String access, long expiresIn, String refresh, String... extra) {
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

  static ScriptedServer.Answer ok(String access, long expiresIn, String refresh, String... extra) {
    return ScriptedServer.Answer.json(200, tokenJson(access, expiresIn, refresh, extra));
  }

  /** A response as a login callback would {@code put} it. */
  static TokenResponse response(Clock clock, String access, long expiresIn, String refresh) {
    TokenResponse.Builder b = TokenResponse.builder(access, clock.instant())
        .expiresIn(Duration.ofSeconds(expiresIn));
    if (refresh != null) {
      b.refreshToken(refresh);
    }
    return b.build();
  }

  /** Polls (in real time) until the condition holds: for other threads, never for clock logic. */
  static void await(String what, BooleanSupplier condition) {
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
  static boolean allWaiting(Collection<Thread> threads) {
    return threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING
        || t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.TERMINATED);
  }
}

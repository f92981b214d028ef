package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.T0;
import static dev.tokenkeeper.testing.TokenManagerFixture.await;
import static dev.tokenkeeper.testing.TokenManagerFixture.endpoint;
import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.testing.HookTicker;
import dev.tokenkeeper.testing.ManualScheduler;
import dev.tokenkeeper.testing.MutableClock;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The provider session's idle and absolute timeouts (the session fields of RingCentral's
 * {@code TokenInfo} answer) and their events.
 */
class TokenManagerSessionTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final MutableClock clock = fx.clock();
  private final ManualScheduler scheduler = fx.scheduler();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final TokenListener recorder = new TokenListener() {
    @Override
    public void onSessionEnding(String key, SessionTimeouts timeouts) {
      events.add("ending " + key + " at " + timeouts.endsAt().orElseThrow());
    }

    @Override
    public void onSessionEnded(String key, SessionTimeouts timeouts) {
      events.add("ended " + key + " at " + timeouts.endsAt().orElseThrow());
    }
  };

  private TokenManager.Builder builder() {
    return fx.builder().scheduler(scheduler).listener(recorder);
  }

  /** A login's answer, parsed from the wire by the endpoint, as the host app would put() it. */
  private TokenResponse login() {
    return fx.endpoint().request(TokenRequest.of(Grant.password("alice", "pa55word")));
  }

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  @Test
  void sessionTimeoutsComeFromTheTokenInfoSessionFields() {
    fx.serve(r -> ok("at-1", 3600, "rt-1", "\"session_id\":\"s-42\"",
        "\"session_idle_timeout\":900", "\"session_expires_in\":28800"));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", login());

    SessionTimeouts t = manager.session("k1");
    assertEquals("s-42", t.sessionId());
    assertEquals("s-42", t.sessionIdValue().orElseThrow());
    assertEquals(Duration.ofSeconds(900), t.idleTimeout());
    assertEquals(at(900), t.idleDeadline());
    assertEquals(at(28800), t.absoluteDeadline());
    assertEquals(at(900), t.endsAt().orElseThrow());

    // The idle deadline runs from the last use.
    clock.advance(Duration.ofSeconds(600));
    manager.token("k1");
    assertEquals(at(1500), manager.session("k1").idleDeadline());
    assertSame(SessionTimeouts.NONE, manager.session("unknown"));
  }

  @Test
  void aShortIdleTimeoutIsTrackedToAHundredthOfIt() {
    fx.serve(r -> ok("at-1", 3600, "rt-1", "\"session_idle_timeout\":10"));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", login());

    clock.advance(Duration.ofMillis(150));
    manager.token("k1");
    assertEquals(at(10).plusMillis(150), manager.session("k1").idleDeadline());
    clock.advance(Duration.ofMillis(99)); // within 100 ms of the recorded use: not recorded again
    manager.token("k1");
    assertEquals(at(10).plusMillis(150), manager.session("k1").idleDeadline());
    clock.advance(Duration.ofMillis(1));
    manager.token("k1");
    assertEquals(at(10).plusMillis(250), manager.session("k1").idleDeadline());
  }

  @Test
  void sessionExpirationTimeWinsOverSessionExpiresIn() {
    fx.serve(r -> ok("at-1", 3600, "rt-1",
        "\"session_expires_in\":28800", "\"session_expiration_time\":\"2026-01-01T04:00:00Z\""));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", login());

    SessionTimeouts t = manager.session("k1");
    assertEquals(Instant.parse("2026-01-01T04:00:00Z"), t.absoluteDeadline());
    assertNull(t.idleTimeout());
    assertNull(t.idleDeadline());
    assertTrue(t.isEndedAt(Instant.parse("2026-01-01T04:00:00Z")));
  }

  @Test
  void tokenWhenPastTheIdleDeadlineThenNoRefreshIsSentAndTheUserMustSignIn() {
    ScriptedServer server = fx.serve(r -> ok("at-1", 3600, "rt-1", "\"session_idle_timeout\":900"));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", login());
    int sent = server.count();

    clock.advance(Duration.ofSeconds(900));
    ReauthenticationRequiredException e =
        assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));
    assertTrue(e.getMessage().contains("session"), e.getMessage());
    assertEquals(sent, server.count(), "the refresh token of an ended session is not sent");
    assertEquals(List.of("ended k1 at " + at(900)), events);
    assertSame(SessionTimeouts.NONE, manager.session("k1"));
  }

  @Test
  void tokenWhenPastTheAbsoluteDeadlineThenThePrimaryGrantStartsANewSession() {
    ScriptedServer server = fx.serve(r -> ok("at-" + r.grantType(), 3600, "rt-1",
        "\"session_expires_in\":1800", "\"session_id\":\"s-" + System.nanoTime() + "\""));
    TokenManager manager = fx.manager(builder().primaryGrant(Grant.password("alice", "pa55word")));
    manager.token("k1");
    String firstSession = manager.session("k1").sessionId();

    clock.advance(Duration.ofSeconds(1800));
    assertEquals("at-password", manager.token("k1").value());
    assertEquals(List.of("password", "password"),
        server.requests().stream().map(ScriptedServer.Request::grantType).toList());
    assertEquals(at(3600), manager.session("k1").absoluteDeadline());
    assertTrue(!firstSession.equals(manager.session("k1").sessionId()));
    assertEquals(List.of(), events, "renewed by the primary grant: not 'ended'");
  }

  @Test
  void refreshContinuesTheSessionWhenTheAnswerLeavesTheFieldsOut() {
    ScriptedServer server = fx.serve(r -> r.grantType().equals("password")
        ? ok("at-1", 3600, "rt-1", "\"session_id\":\"s-1\"", "\"session_idle_timeout\":7200",
            "\"session_expires_in\":28800")
        : ok("at-2", 3600, "rt-2"));
    TokenManager manager = fx.manager(builder().primaryGrant(Grant.password("alice", "pa55word")));
    manager.token("k1");

    clock.advance(Duration.ofSeconds(3600));
    assertEquals("at-2", manager.token("k1").value());
    SessionTimeouts t = manager.session("k1");
    assertEquals("s-1", t.sessionId());
    assertEquals(Duration.ofSeconds(7200), t.idleTimeout());
    assertEquals(at(28800), t.absoluteDeadline());
    assertEquals("refresh_token", server.requests().get(1).grantType());
  }

  @Test
  void idleSessionIsReportedEndingThenEndedByTheTimerWithoutAnyUse() {
    ScriptedServer server = fx.serve(r -> ok("at-1", 3600, "rt-1", "\"session_idle_timeout\":900"));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", login());
    int sent = server.count();

    // Warning: 2 minutes before the idle deadline (at most half the idle timeout).
    assertEquals(Duration.ofSeconds(780).toNanos(), scheduler.pending().get(0).dueAt());
    clock.advance(Duration.ofSeconds(779));
    scheduler.runDue();
    assertEquals(List.of(), events);
    clock.advance(Duration.ofSeconds(1));
    scheduler.runDue();
    assertEquals(List.of("ending k1 at " + at(900)), events);

    clock.advance(Duration.ofSeconds(120));
    scheduler.runDue();
    assertEquals(List.of("ending k1 at " + at(900), "ended k1 at " + at(900)), events);
    assertSame(SessionTimeouts.NONE, manager.session("k1"));
    assertEquals(sent, server.count());
    assertTrue(scheduler.pending().isEmpty(), "no timer is left for an ended session");
  }

  @Test
  void aUseMovesTheIdleDeadlineAndTheTimerFollowsIt() {
    fx.serve(r -> ok("at-1", 3600, "rt-1", "\"session_idle_timeout\":900"));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", login());

    clock.advance(Duration.ofSeconds(700));
    manager.token("k1");
    clock.advance(Duration.ofSeconds(80));
    scheduler.runDue();
    assertEquals(List.of(), events, "used 80 s ago: not ending");
    assertEquals(Duration.ofSeconds(1480).toNanos(), scheduler.pending().get(0).dueAt());

    clock.advance(Duration.ofSeconds(700));
    scheduler.runDue();
    assertEquals(List.of("ending k1 at " + at(1600)), events);
  }

  @Test
  void absoluteDeadlineWarningFiresOnUseAndNoRefreshIsSentPastIt() {
    ScriptedServer server = fx.serve(r -> ok("at-1", 3600, "rt-1", "\"session_expires_in\":3000"));
    TokenManager manager = fx.manager(builder().sessionEndingWarning(Duration.ofMinutes(10)));
    manager.put("k1", login());
    int sent = server.count();

    clock.advance(Duration.ofSeconds(2399));
    manager.token("k1");
    assertEquals(List.of(), events);
    clock.advance(Duration.ofSeconds(2));
    assertEquals("at-1", manager.token("k1").value());
    assertEquals(List.of("ending k1 at " + at(3000)), events, "checked on use, no timer run");

    clock.advance(Duration.ofSeconds(599));
    assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));
    assertEquals(sent, server.count());
    assertEquals(2, events.size());
  }

  @Test
  void anEndedSessionEvictedByTheCacheIsReportedToo() {
    fx.serve(r -> ok("at-1", 3600, "rt-1", "\"session_idle_timeout\":900"));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", login());

    clock.advance(Duration.ofSeconds(1000));
    manager.cleanUp(); // Caffeine's expiry fires before the timer is run
    await("ended reported", () -> events.contains("ended k1 at " + at(900)));
    assertEquals(0, manager.indexSize());
  }

  @Test
  void aPutThatLandsWhileTheOldTokenIsJudgedDeadIsKept() {
    ScriptedServer server = fx.serve(r -> ok("never", 3600, null));
    HookTicker hookTicker = new HookTicker(clock);
    TokenManager manager = fx.manager(fx.builder().ticker(hookTicker).scheduler(scheduler)
        .listener(recorder));
    manager.put("k1", fx.response("at-1", 3600, null));
    // Inside the expiry margin, with nothing to renew it: dead, though the cache still holds it.
    clock.advance(Duration.ofSeconds(3590));

    // The user signs in again just as a caller finds the old token dead: the second clock
    // reading of token() is the slow path's, after it has read the old state.
    hookTicker.onReading(2, () -> manager.put("k1", fx.response("at-new", 3600, "rt-new")));
    assertEquals("at-new", manager.token("k1").value());
    assertEquals("at-new", manager.token("k1").value());
    assertEquals(List.of(), events, "nothing ended");
    assertEquals(0, server.count());
  }

  @Test
  void aNewSessionThatEndsSoonerGetsAnEarlierTimer() {
    fx.serve(r -> ok("never", 3600, null));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", TokenResponse.builder("at-1", clock.instant())
        .expiresIn(Duration.ofSeconds(3600)).sessionIdleTimeout(Duration.ofSeconds(900)).build());
    manager.put("k1", TokenResponse.builder("at-2", clock.instant())
        .expiresIn(Duration.ofSeconds(3600)).sessionIdleTimeout(Duration.ofSeconds(300)).build());

    clock.advance(Duration.ofSeconds(180)); // 300 s idle: warned at most 150 s ahead -> 120 s
    scheduler.runDue();
    assertEquals(List.of("ending k1 at " + at(300)), events);
    clock.advance(Duration.ofSeconds(600)); // the first session's timer fires and does nothing
    scheduler.runDue();
    assertEquals(List.of("ending k1 at " + at(300), "ended k1 at " + at(300)), events);
  }

  @Test
  void putOfASessionThatIsAlreadyOverEndsItOnce() {
    ScriptedServer server = fx.serve(r -> ok("never", 3600, null));
    TokenManager manager = fx.manager(builder());
    manager.put("k1", TokenResponse.builder("at-1", clock.instant())
        .expiresIn(Duration.ofSeconds(3600)).refreshToken("rt-1")
        .sessionExpirationTime(T0.minusSeconds(1)).build());

    assertEquals(List.of("ended k1 at " + T0.minusSeconds(1)), events);
    assertThrows(ReauthenticationRequiredException.class, () -> manager.token("k1"));
    assertEquals(0, server.count());
  }
}

package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusBoardTest {
  private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  private static final String SECRET_TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";

  private Instant now = T0;
  private final StatusBoard board = new StatusBoard(new Clock() {
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return now; }
  });

  private static TokenResponse response(String token, Instant at) {
    return TokenResponse.builder(token, at)
        .expiresIn(Duration.ofSeconds(60))
        .scope("ReadAccounts")
        .sessionId("sess-1")
        .sessionIdleTimeout(Duration.ofSeconds(120))
        .sessionExpiresIn(Duration.ofSeconds(360))
        .build();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> endpoint(String key) {
    List<Object> list = (List<Object>) board.snapshot().get("endpoints");
    return list.stream().map(o -> (Map<String, Object>) o)
        .filter(m -> key.equals(m.get("endpoint_id"))).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> m, String name) {
    return (Map<String, Object>) m.get(name);
  }

  @Test
  void firstTokenShowsMaskedTokenLifetimeAndSessionDeadlines() {
    board.token("laptop", response(SECRET_TOKEN, T0), RefreshCause.INITIAL);

    Map<String, Object> e = endpoint("laptop");
    Map<String, Object> token = map(e, "token");
    Map<String, Object> session = map(e, "session");

    assertEquals("AbCd\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u20226789", token.get("masked"));
    assertEquals(8, ((String) token.get("fingerprint")).length());
    assertEquals(T0.toEpochMilli(), token.get("issued_at"));
    assertEquals(T0.plusSeconds(60).toEpochMilli(), token.get("expires_at"));
    assertEquals(0L, e.get("refresh_count"));
    assertEquals("INITIAL", map(e, "last_refresh").get("cause"));
    assertEquals("sess-1", session.get("id"));
    assertEquals(120L, session.get("idle_timeout"));
    assertEquals(T0.plusSeconds(120).toEpochMilli(), session.get("idle_deadline"));
    assertEquals(T0.plusSeconds(360).toEpochMilli(), session.get("absolute_deadline"));
  }

  @Test
  void theTokenValueNeverReachesTheSnapshotOrItsJson() {
    board.token("laptop", response(SECRET_TOKEN, T0), RefreshCause.INITIAL);
    board.rejected("laptop", AccessToken.bearer(SECRET_TOKEN, T0.plusSeconds(60)));

    String json = JSONObjectUtils.toJSONString(board.snapshot());

    assertFalse(json.contains(SECRET_TOKEN));
    assertFalse(json.contains(SECRET_TOKEN.substring(4, 32)));
  }

  @Test
  void refreshesCountWithTheirCausesAndTheTimelineKeepsThem() {
    board.token("laptop", response(SECRET_TOKEN, T0), RefreshCause.INITIAL);
    now = T0.plusSeconds(31);
    board.token("laptop", response(SECRET_TOKEN + "2", now), RefreshCause.AHEAD_OF_EXPIRY);
    now = T0.plusSeconds(40);
    board.rejected("laptop", AccessToken.bearer(SECRET_TOKEN + "2", T0.plusSeconds(91)));
    board.token("laptop", response(SECRET_TOKEN + "3", now), RefreshCause.REJECTED);

    Map<String, Object> e = endpoint("laptop");

    assertEquals(2L, e.get("refresh_count"));
    assertEquals(3L, e.get("tokens_acquired"));
    assertEquals(1L, e.get("rejections"));
    assertEquals("REJECTED", map(e, "last_refresh").get("cause"));
    assertEquals("after 401", map(e, "last_refresh").get("label"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> timeline = (List<Map<String, Object>>) e.get("timeline");
    assertEquals(List.of("token", "token", "rejected", "token"),
        timeline.stream().map(m -> m.get("type")).toList());
    assertEquals("AHEAD_OF_EXPIRY", timeline.get(1).get("cause"));
  }

  @Test
  void aCallMovesTheIdleDeadlineToWhatTokenKeeperReports() {
    board.token("phone", response(SECRET_TOKEN, T0), RefreshCause.INITIAL);
    now = T0.plusSeconds(50);

    board.called("phone", 200, Duration.ofMillis(12),
        new SessionTimeouts("sess-1", Duration.ofSeconds(120), now.plusSeconds(120), T0.plusSeconds(360)));

    Map<String, Object> e = endpoint("phone");
    assertEquals(now.plusSeconds(120).toEpochMilli(), map(e, "session").get("idle_deadline"));
    assertEquals(1L, map(e, "calls").get("ok"));
    assertEquals(200, map(e, "calls").get("last_status"));
  }

  @Test
  void aFailingBackgroundRefreshIsShownAsStillServing() {
    board.token("phone", response(SECRET_TOKEN, T0), RefreshCause.INITIAL);

    board.failure("phone", new IllegalStateException("HTTP 503 temporarily_unavailable"), true);

    Map<String, Object> failure = map(endpoint("phone"), "last_failure");
    assertEquals(true, failure.get("still_serving"));
    assertTrue(((String) failure.get("message")).contains("HTTP 503"));
  }

  @Test
  void sessionEndedIsFlaggedUntilTheNextToken() {
    board.token("phone", response(SECRET_TOKEN, T0), RefreshCause.INITIAL);
    board.sessionEnded("phone", SessionTimeouts.NONE);
    assertEquals(true, map(endpoint("phone"), "session").get("ended"));

    board.token("phone", response(SECRET_TOKEN + "x", T0), RefreshCause.REACQUIRED);

    assertEquals(false, map(endpoint("phone"), "session").get("ended"));
  }

  @Test
  void shortTokensAreHiddenEntirely() {
    assertEquals("\u2022".repeat(8), StatusBoard.mask("short"));
    assertNull(endpointOrNull("nobody"));
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> endpointOrNull(String key) {
    List<Object> list = (List<Object>) board.snapshot().get("endpoints");
    return list.stream().map(o -> (Map<String, Object>) o)
        .filter(m -> key.equals(m.get("endpoint_id"))).findFirst().orElse(null);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aTokenAnotherInstanceRequestedShowsAsFromTheStoreWithoutCountingAsOurs() throws Exception {
    board.token("team", response(SECRET_TOKEN, T0), RefreshCause.INITIAL);
    now = T0.plusSeconds(1);
    board.inUse("team", AccessToken.of(SECRET_TOKEN, "Bearer", "ReadAccounts",
        T0.plusSeconds(60)));
    Map<String, Object> same = endpointJson("team");
    assertEquals(false, ((Map<String, Object>) same.get("token")).get("from_store"));

    String other = "ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210";
    now = T0.plusSeconds(40);
    board.inUse("team", AccessToken.of(other, "Bearer", "ReadAccounts", T0.plusSeconds(100)));
    Map<String, Object> e = endpointJson("team");
    Map<String, Object> token = (Map<String, Object>) e.get("token");
    assertEquals(true, token.get("from_store"));
    assertEquals(StatusBoard.fingerprint(other), token.get("fingerprint"));
    assertEquals(T0.plusSeconds(100).toEpochMilli(), ((Number) token.get("expires_at")).longValue());
    assertEquals(1L, ((Number) e.get("tokens_acquired")).longValue(), "not this instance's request");
    List<Map<String, Object>> timeline = (List<Map<String, Object>>) e.get("timeline");
    assertEquals(List.of("token", "shared_token"), timeline.stream().map(v -> v.get("type")).toList());
    assertFalse(JSONObjectUtils.toJSONString(board.snapshot()).contains(other), "masked only");

    board.token("team", response("QqQqQqQqQqQqQqQqQqQqQqQqQqQqQq", T0.plusSeconds(45)),
        RefreshCause.AHEAD_OF_EXPIRY);
    assertEquals(false, ((Map<String, Object>) endpointJson("team").get("token")).get("from_store"));
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> endpointJson(String key) {
    for (Object e : (List<Object>) board.snapshot().get("endpoints")) {
      if (key.equals(((Map<String, Object>) e).get("endpoint_id"))) {
        return (Map<String, Object>) e;
      }
    }
    throw new AssertionError("no endpoint " + key);
  }
}

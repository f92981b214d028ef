package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tokenkeeper.BudgetStatus;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.TokenBudget;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the status page gets about the token budget. */
class StatusBudgetTest {
  private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

  @Test
  void theBudgetAsThePageShowsIt() {
    BudgetStatus status = new BudgetStatus(TokenBudget.parse("5/60s"), 5, T0.plusSeconds(30),
        T0.plusSeconds(30), 3, 2, 41, 17, 4, 1);
    Map<String, Object> json = StatusServlet.budget(status);
    assertEquals("5/60s", json.get("rate"));
    assertEquals("5/60s for the endpoint", json.get("describe"));
    assertEquals(5, json.get("limit"));
    assertEquals(5, json.get("used"));
    assertEquals(T0.plusSeconds(30).toEpochMilli(), json.get("paused_until"));
    assertEquals(T0.plusSeconds(30).toEpochMilli(), json.get("next_slot"));
    assertEquals(3, json.get("queued"));
    assertEquals(2, json.get("waiting"));
    assertEquals(41L, json.get("sent"));
    assertEquals(17L, json.get("queued_total"));
    assertEquals(4L, json.get("deferred"));
    assertEquals(1L, json.get("refused"));

    BudgetStatus notPaused = new BudgetStatus(TokenBudget.parse("5/60s"), 0, null, T0, 0, 0, 0,
        0, 0, 0);
    assertNull(StatusServlet.budget(notPaused).get("paused_until"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aDeferralIsOnTheKeysTimeline() {
    StatusBoard board = new StatusBoard(Clock.fixed(T0, ZoneOffset.UTC));
    board.budgetDeferred("laptop", RefreshCause.AHEAD_OF_EXPIRY, T0.plusSeconds(12));
    Map<String, Object> e = (Map<String, Object>) ((List<Object>) board.snapshot()
        .get("endpoints")).get(0);
    assertEquals(1L, e.get("budget_deferrals"));
    Map<String, Object> event = (Map<String, Object>) ((List<Object>) e.get("timeline")).get(0);
    assertEquals("budget_deferred", event.get("type"));
    assertEquals("AHEAD_OF_EXPIRY", event.get("cause"));
    assertEquals(T0.plusSeconds(12).toEpochMilli(), event.get("next_slot"));
  }
}

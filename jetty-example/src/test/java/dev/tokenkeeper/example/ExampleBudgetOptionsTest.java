package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.example.demo.DemoSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --token-budget} and {@code --provider-rate-limit}. */
class ExampleBudgetOptionsTest {

  @Test
  void bothAreOffUnlessGiven() {
    ExampleOptions o = ExampleOptions.parse(new String[0], name -> null);
    assertNull(o.tokenBudget());
    assertNull(o.demo().rateLimit());
  }

  @Test
  void theDemoProviderLimitsAndTheAppBudgets() {
    ExampleOptions o = ExampleOptions.parse(
        new String[] {"--provider-rate-limit", "5/60s", "--token-budget=5/min"}, name -> null);
    assertEquals(new DemoSettings.RateLimit(5, Duration.ofSeconds(60)), o.demo().rateLimit());
    assertEquals("5/min", o.tokenBudget());
    assertEquals("5/min", o.withPort(0).tokenBudget(), "kept by the withers");
  }

  @Test
  void aRealProviderTakesABudgetButNoDemoLimit() {
    Map<String, String> env = Map.of("TOKEN_URL", "https://platform.example.com/restapi/oauth/token",
        "CLIENT_ID", "id", "SECRET", "s");
    ExampleOptions o = ExampleOptions.parse(
        new String[] {"--client-secret-env", "SECRET", "--token-budget", "5/60s"}, env::get);
    assertEquals("5/60s", o.tokenBudget());
    String e = assertThrows(IllegalArgumentException.class, () -> ExampleOptions.parse(
        new String[] {"--client-secret-env", "SECRET", "--provider-rate-limit", "5/60s"},
        env::get)).getMessage();
    assertTrue(e.startsWith("--provider-rate-limit configures the demo provider"), e);
  }

  @Test
  void wrongRatesNameTheFlag() {
    String budget = assertThrows(IllegalArgumentException.class, () -> ExampleOptions.parse(
        new String[] {"--token-budget", "lots"}, name -> null)).getMessage();
    assertTrue(budget.startsWith("--token-budget: a token budget is written REQUESTS/WINDOW"),
        budget);
    String limit = assertThrows(IllegalArgumentException.class, () -> ExampleOptions.parse(
        new String[] {"--provider-rate-limit", "5"}, name -> null)).getMessage();
    assertTrue(limit.startsWith("--provider-rate-limit must be REQUESTS/WINDOW"), limit);
  }

  @Test
  void theUsageListsBoth() {
    assertTrue(ExampleOptions.USAGE.contains("--token-budget R"));
    assertTrue(ExampleOptions.USAGE.contains("--provider-rate-limit R"));
  }
}

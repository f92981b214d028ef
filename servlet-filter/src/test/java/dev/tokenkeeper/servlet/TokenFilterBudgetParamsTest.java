package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.servlet.internal.InitParams;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code token-budget*} init-params: parsed into the endpoint's budget, or named when wrong. */
class TokenFilterBudgetParamsTest {

  private static Optional<TokenBudget> budgetOf(Map<String, String> params) throws Exception {
    InitParams.Parsed parsed = InitParams.parse(new FakeFilterConfig(params),
        TokenFilterInitTest.ENV::get, name -> null);
    try {
      return parsed.endpoint().budget();
    } finally {
      parsed.close();
    }
  }

  @Test
  void withoutTokenBudgetNothingIsBudgeted() throws Exception {
    assertEquals(Optional.empty(), budgetOf(TokenFilterInitTest.base()));
  }

  @Test
  void ringCentralsLimitWithAMaximumWait() throws Exception {
    Map<String, String> p = TokenFilterInitTest.base();
    p.put("token-budget", "5/60s");
    p.put("token-budget-max-wait", "20");
    TokenBudget b = budgetOf(p).orElseThrow();
    assertEquals(5, b.requests());
    assertEquals(Duration.ofSeconds(60), b.window());
    assertEquals(Optional.of(Duration.ofSeconds(20)), b.maxWait());
    assertEquals(TokenBudget.DEFAULT_MAX_QUEUED_KEYS, b.maxQueuedKeys());
    assertEquals(TokenBudget.DEFAULT_SPREAD, b.spread());
  }

  @Test
  void everyBudgetParam() throws Exception {
    Map<String, String> p = TokenFilterInitTest.base();
    p.put("token-budget", "100/1m");
    p.put("token-budget-per-key", "5/min");
    p.put("token-budget-max-wait", "PT1M");
    p.put("token-budget-max-queued", "250");
    p.put("token-budget-spread", "10%");
    assertEquals(TokenBudget.parse("100/60s").withPerKey(TokenBudget.parse("5/60s"))
        .withMaxWait(Duration.ofMinutes(1)).withMaxQueuedKeys(250).withSpread(0.1),
        budgetOf(p).orElseThrow());
  }

  private static Arguments bad(Consumer<Map<String, String>> change, String... fragments) {
    return Arguments.of(change, fragments);
  }

  static Stream<Arguments> misconfigurations() {
    return Stream.of(
        bad(p -> p.put("token-budget", "5 per minute"),
            "init-param token-budget is \"5 per minute\"",
            "expected REQUESTS/WINDOW such as 5/60s"),
        bad(p -> p.put("token-budget", "0/60s"),
            "init-param token-budget is \"0/60s\" (the budget must allow from 1 to 1000000"),
        bad(p -> {
              p.put("token-budget", "5/60s");
              p.put("token-budget-per-key", "five");
            }, "init-param token-budget-per-key is \"five\"", "for one key (endpoint_id)"),
        bad(p -> p.put("token-budget-per-key", "5/60s"),
            "init-param token-budget-per-key is set without token-budget"),
        bad(p -> p.put("token-budget-max-wait", "10"),
            "init-param token-budget-max-wait is set without token-budget"),
        bad(p -> {
              p.put("token-budget", "5/60s");
              p.put("token-budget-max-wait", "-3");
            }, "init-param token-budget-max-wait is negative"),
        bad(p -> {
              p.put("token-budget", "5/60s");
              p.put("token-budget-max-queued", "lots");
            }, "init-param token-budget-max-queued is \"lots\"", "a whole number"),
        bad(p -> {
              p.put("token-budget", "5/60s");
              p.put("token-budget-spread", "0.2");
            }, "init-param token-budget-spread is \"0.2\"", "a percentage of the refresh window"),
        bad(p -> {
              p.put("token-budget", "5/60s");
              p.put("token-budget-spread", "80%");
            }, "init-param token-budget-spread is \"80%\""));
  }

  @ParameterizedTest
  @MethodSource("misconfigurations")
  void aWrongBudgetParamFailsInitNamingIt(Consumer<Map<String, String>> change,
      String... fragments) {
    Map<String, String> p = TokenFilterInitTest.base();
    change.accept(p);
    TokenFilter filter = new TokenFilter(null, TokenFilterInitTest.ENV::get);
    ServletException e = assertThrows(ServletException.class,
        () -> filter.init(new FakeFilterConfig(p)));
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), () -> "expected <" + fragment + "> in: "
          + e.getMessage());
    }
  }
}

package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.TokenBudget;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads the {@code token-budget*} init-params into the token endpoint's {@link TokenBudget}. Not
 * part of the API.
 */
final class BudgetParams {
  private static final String RATE_FORM = "REQUESTS/WINDOW such as 5/60s (RingCentral's Auth"
      + " limit), 50/1s or 5/min; window in ms, s, m, h or ISO-8601; or none";

  private BudgetParams() {}

  /**
   * The budget: {@code null} when {@code token-budget} is absent (the dialect's budget applies,
   * if it brings one); an empty optional for {@code none} (no budget, not even the dialect's).
   */
  static Optional<TokenBudget> read(ParamReader p) throws ServletException {
    String rate = p.get("token-budget");
    boolean none = rate != null && rate.equalsIgnoreCase("none");
    if (rate == null || none) {
      for (String name : new String[] {"token-budget-per-key", "token-budget-max-wait",
          "token-budget-max-queued", "token-budget-spread"}) {
        if (p.get(name) != null) {
          throw p.error(name, "is set without token-budget, the limit it refines",
              "token-budget too (" + RATE_FORM + "), or no " + name);
        }
      }
      return none ? Optional.empty() : null;
    }
    TokenBudget budget;
    try {
      budget = TokenBudget.parse(rate);
    } catch (IllegalArgumentException e) {
      throw p.error("token-budget", "is \"" + rate + "\" (" + e.getMessage() + ")", RATE_FORM);
    }
    String perKey = p.get("token-budget-per-key");
    if (perKey != null) {
      try {
        budget = budget.withPerKey(TokenBudget.parse(perKey));
      } catch (IllegalArgumentException e) {
        throw p.error("token-budget-per-key", "is \"" + perKey + "\" (" + e.getMessage() + ")",
            RATE_FORM + ", for one key (endpoint_id)");
      }
    }
    Duration maxWait = p.duration("token-budget-max-wait");
    if (maxWait != null) {
      budget = budget.withMaxWait(maxWait);
    }
    Integer queued = p.integer("token-budget-max-queued", 0, Integer.MAX_VALUE,
        "a whole number of queued requests, 0 or more (default "
            + TokenBudget.DEFAULT_MAX_QUEUED_KEYS + ")");
    if (queued != null) {
      budget = budget.withMaxQueuedKeys(queued);
    }
    String spread = p.get("token-budget-spread");
    if (spread != null) {
      double fraction;
      try {
        fraction = spread.endsWith("%")
            ? Double.parseDouble(spread.substring(0, spread.length() - 1).strip()) / 100
            : Double.NaN;
      } catch (NumberFormatException e) {
        fraction = Double.NaN;
      }
      if (!(fraction >= 0 && fraction <= 0.5)) {
        throw p.error("token-budget-spread", "is \"" + spread + "\"",
            "a percentage of the refresh window from 0% to 50%, such as 20%");
      }
      budget = budget.withSpread(fraction);
    }
    return Optional.of(budget);
  }
}

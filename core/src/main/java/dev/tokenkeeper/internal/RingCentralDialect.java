package dev.tokenkeeper.internal;

import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenRequest;
import java.util.Optional;

/**
 * {@code Dialect.ringCentral()}: requests unchanged, keys sent as {@code endpoint_id}, RingCentral's
 * published budget.
 */
public enum RingCentralDialect implements Dialect {
  INSTANCE;

  @Override
  public TokenRequest apply(TokenRequest request) {
    return request;
  }

  @Override
  public Optional<String> endpointIdFor(String key) {
    return Optional.of(Keys.ringCentralEndpointId(key));
  }

  @Override
  public Optional<TokenBudget> budget() {
    return Optional.of(TokenBudget.RINGCENTRAL_AUTH);
  }

  @Override
  public String toString() {
    return "Dialect.ringCentral()";
  }
}

package dev.tokenkeeper.internal;

import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.TokenRequest;
import java.util.Optional;

/** {@code Dialect.ringCentral()}: requests unchanged, keys sent as {@code endpoint_id}. */
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
  public String toString() {
    return "Dialect.ringCentral()";
  }
}

package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.TokenEndpoint;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Reads how token requests are exchanged with the provider ({@code connect-timeout},
 * {@code request-timeout}, {@code max-response-bytes}, {@code default-expires-in}), the same for
 * {@code TokenFilter} and {@code LoginFilter}. Not part of the API; immutable once read.
 */
public final class ExchangeParams implements Consumer<TokenEndpoint.Builder> {
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Integer maxResponseBytes;
  private final Duration defaultExpiresIn;

  private ExchangeParams(ParamReader p) throws ServletException {
    connectTimeout = p.positiveDuration("connect-timeout");
    requestTimeout = p.positiveDuration("request-timeout");
    Long bytes = p.bytes("max-response-bytes", 1, Integer.MAX_VALUE, "a positive number of"
        + " bytes, optionally with the suffix KiB or MiB (262144, 256KiB, 1MiB), at most"
        + " 2GiB - 1");
    maxResponseBytes = bytes == null ? null : bytes.intValue();
    defaultExpiresIn = p.positiveDuration("default-expires-in");
  }

  public static ExchangeParams read(ParamReader p) throws ServletException {
    return new ExchangeParams(p);
  }

  /** Sets what the init-params say; the rest keeps the builder's defaults. */
  @Override
  public void accept(TokenEndpoint.Builder b) {
    if (connectTimeout != null) {
      b.connectTimeout(connectTimeout);
    }
    if (requestTimeout != null) {
      b.requestTimeout(requestTimeout);
    }
    if (maxResponseBytes != null) {
      b.maxResponseBytes(maxResponseBytes);
    }
    if (defaultExpiresIn != null) {
      b.defaultExpiresIn(defaultExpiresIn);
    }
  }
}

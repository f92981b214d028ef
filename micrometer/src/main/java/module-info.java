/**
 * Micrometer meters for a {@link dev.tokenkeeper.TokenManager}:
 * {@link dev.tokenkeeper.micrometer.TokenManagerMetrics}.
 *
 * <p>Exports {@code dev.tokenkeeper.micrometer} only. Reads TokenKeeper's core and Micrometer
 * ({@code micrometer.core}, an automatic module) transitively, since the metrics are a
 * {@code TokenListener} and a {@code MeterBinder}.
 */
module dev.tokenkeeper.micrometer {
  requires transitive dev.tokenkeeper.core;
  requires transitive micrometer.core;

  exports dev.tokenkeeper.micrometer;
}

/**
 * The contract every TokenKeeper HTTP client integration passes:
 * {@link dev.tokenkeeper.testkit.BearerContract}.
 *
 * <p>Exports {@code dev.tokenkeeper.testkit} and opens it to JUnit, which runs the inherited
 * test methods reflectively. Reads TokenKeeper's core and the JUnit Jupiter API transitively
 * (a subclass implements the kit's abstract methods and uses its annotations).
 */
module dev.tokenkeeper.testkit {
  requires transitive dev.tokenkeeper.core;
  requires transitive org.junit.jupiter.api;
  requires jdk.httpserver;

  exports dev.tokenkeeper.testkit;
  opens dev.tokenkeeper.testkit to org.junit.platform.commons;
}

/**
 * The contract every TokenKeeper HTTP client integration keeps, as one JUnit 5 test to extend
 * ({@link dev.tokenkeeper.testkit.BearerContract}), and the loopback server it runs against
 * ({@link dev.tokenkeeper.testkit.LoopbackServer}). Use in test scope.
 */
package dev.tokenkeeper.testkit;

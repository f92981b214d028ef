package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --redis}: the shared token store, encrypted unless plaintext is chosen explicitly. */
class ExampleRedisOptionsTest {
  private static ExampleOptions parse(String... args) {
    return ExampleOptions.parse(args, Map.<String, String>of()::get);
  }

  private static String error(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> parse(args)).getMessage();
  }

  @Test
  void redisWithKeysFromAVariable() {
    ExampleOptions o = parse("--redis", "redis://localhost:6379", "--redis-keys-env", "KEYS");
    assertEquals(new ExampleOptions.Store("redis://localhost:6379", "KEYS", false), o.store());
    assertEquals(o.store(), o.withPort(9090).withTokenBudget("5/60s").store());
  }

  @Test
  void redisInPlaintextOnlyWhenAskedFor() {
    ExampleOptions o = parse("--redis", "redis://localhost:6379", "--redis-plaintext", "true");
    assertTrue(o.store().plaintext());
    assertTrue(error("--redis", "redis://localhost:6379").contains("exactly one of"
        + " --redis-keys-env NAME"));
    assertTrue(error("--redis", "redis://x:1", "--redis-keys-env", "K", "--redis-plaintext",
        "true").contains("exactly one"));
    assertTrue(error("--redis", "redis://x:1", "--redis-plaintext", "yes")
        .contains("--redis-plaintext takes true"));
  }

  @Test
  void theRedisFlagsNeedRedis() {
    assertNull(parse().store());
    assertTrue(error("--redis-keys-env", "K").contains("go with --redis URI"));
  }

  @Test
  void theConsoleNeverShowsTheRedisPassword() {
    assertEquals("redis://user:██@cache:6379",
        ExampleApp.redactedStore("redis://user:hunter2@cache:6379"));
    assertEquals("redis://cache:6379", ExampleApp.redactedStore("redis://cache:6379"));
  }

  @Test
  void aSharedEndpointIdIsTheOperatorsAndChecked() {
    assertNull(parse().sharedEndpointId());
    ExampleOptions o = parse("--shared-endpoint-id", " team-account ");
    assertEquals("team-account", o.sharedEndpointId());
    assertEquals("team-account", o.withPort(0).withTokenBudget("5/60s").sharedEndpointId());
    assertTrue(error("--shared-endpoint-id", "a b").contains("--shared-endpoint-id must be 1 to 64"
        + " letters"));
    assertTrue(error("--shared-endpoint-id", "").contains("--shared-endpoint-id must be"));
    assertTrue(error("--shared-endpoint-id", "x".repeat(65)).contains("was 'xxx"));
  }
}

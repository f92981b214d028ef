package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExampleOptionsTest {
  private static ExampleOptions parse(Map<String, String> env, String... args) {
    return ExampleOptions.parse(args, env::get);
  }

  private static String error(Map<String, String> env, String... args) {
    return assertThrows(IllegalArgumentException.class, () -> parse(env, args)).getMessage();
  }

  @Test
  void noArgumentsIsTheDemoOnLocalhost8080WithThePasswordGrant() {
    ExampleOptions o = parse(Map.of());

    assertTrue(o.demoMode());
    assertEquals("localhost", o.host());
    assertEquals(8080, o.port());
    assertEquals("password", o.grant());
    assertEquals(Duration.ofSeconds(60), o.demo().tokenTtl());
  }

  @Test
  void demoLifetimesAndPortComeFromFlagsInEitherForm() {
    ExampleOptions o = parse(Map.of(), "--port", "0", "--token-ttl=30s", "--idle-timeout", "90",
        "--session-ttl", "PT5M", "--refresh-ttl", "1h", "--refresh-window", "10s");

    assertEquals(0, o.port());
    assertEquals(Duration.ofSeconds(30), o.demo().tokenTtl());
    assertEquals(Duration.ofSeconds(90), o.demo().idleTimeout());
    assertEquals(Duration.ofMinutes(5), o.demo().sessionTtl());
    assertEquals(Duration.ofHours(1), o.demo().refreshTtl());
    assertEquals(Duration.ofSeconds(10), o.refreshWindow());
  }

  @Test
  void badValuesNameTheFlagAndTheExpectedForm() {
    assertTrue(error(Map.of(), "--token-ttl", "soon").contains("--token-ttl must be a duration such as 90, 90s"));
    assertTrue(error(Map.of(), "--port", "http").contains("--port must be a whole number"));
    assertTrue(error(Map.of(), "--port", "70000").contains("--port must be from 0 to 65535"));
    assertTrue(error(Map.of(), "--grant", "magic").contains("--grant must be one of password, jwt, client_credentials"));
    assertTrue(error(Map.of(), "--colour", "red").contains("unknown option --colour"));
    assertTrue(error(Map.of(), "--port").contains("--port needs a value"));
    assertTrue(error(Map.of(), "--port", "1", "--port", "2").contains("--port was given twice"));
  }

  @Test
  void theDemoRefusesANonLoopbackHost() {
    assertTrue(error(Map.of(), "--host", "192.168.1.5").contains("loopback only"));
    assertEquals("0.0.0.0", parse(Map.of(), "--host", "0.0.0.0").host());
  }

  @Test
  void aRealProviderFlagWithoutTokenUrlIsAnError() {
    assertTrue(error(Map.of(), "--client-id", "abc").contains("--client-id configures a real provider and needs --token-url"));
  }

  @Test
  void realProviderFromFlagsReadsNoSecretOnlyChecksItsVariableIsSet() {
    Map<String, String> env = Map.of("MY_SECRET", "s3cr3t", "MY_PASSWORD", "pw");

    ExampleOptions o = parse(env, "--token-url", "https://platform.example.com/restapi/oauth/token",
        "--client-id", "abc", "--client-secret-env", "MY_SECRET", "--grant", "password",
        "--username", "+15551234567", "--password-env", "MY_PASSWORD", "--scope", "ReadAccounts",
        "--api-url", "https://platform.example.com/restapi/v1.0/account/~");

    assertFalse(o.demoMode());
    assertEquals("password", o.filterGrant());
    assertEquals("MY_SECRET", o.clientSecretEnv());
    assertEquals("MY_PASSWORD", o.passwordEnv());
    assertEquals("+15551234567", o.username());
    assertEquals("ReadAccounts", o.scope());
    assertFalse(o.toString().contains("s3cr3t"));
  }

  @Test
  void realProviderFromSameNamedEnvironmentVariablesWithFlagsWinning() {
    Map<String, String> env = Map.of(
        "TOKEN_URL", "https://platform.example.com/oauth/token",
        "CLIENT_ID", "from-env",
        "CLIENT_SECRET_ENV", "SECRET",
        "SECRET", "x",
        "GRANT", "jwt",
        "JWT_ENV", "ASSERTION",
        "ASSERTION", "eyJ...",
        "USERNAME", "someone-logged-in");

    ExampleOptions o = parse(env, "--client-id", "from-flag");

    assertEquals("https://platform.example.com/oauth/token", o.tokenUrl());
    assertEquals("from-flag", o.clientId());
    assertEquals("jwt-bearer", o.filterGrant());
    assertEquals("ASSERTION", o.jwtEnv());
    assertNull(o.username(), "the OS's USERNAME does not leak into a jwt grant");
  }

  @Test
  void environmentVariablesWithoutTokenUrlAreIgnored() {
    ExampleOptions o = parse(Map.of("CLIENT_ID", "x", "USERNAME", "me", "SCOPE", "a"));

    assertTrue(o.demoMode());
    assertNull(o.clientId());
  }

  @Test
  void realProviderNeedsWhatItsGrantNeeds() {
    String url = "https://p.example.com/token";
    assertTrue(error(Map.of(), "--token-url", url).contains("--client-id (or CLIENT_ID) is required"));
    assertTrue(error(Map.of(), "--token-url", url, "--client-id", "c", "--grant", "password",
        "--password-env", "P").contains("--username (or USERNAME) is required"));
    assertTrue(error(Map.of(), "--token-url", url, "--client-id", "c", "--grant", "jwt")
        .contains("--jwt-env (or JWT_ENV) is required"));
    assertTrue(error(Map.of(), "--token-url", url, "--client-id", "c", "--client-secret-env", "NOPE")
        .contains("--client-secret-env names the environment variable NOPE, which is not set"));
    assertTrue(error(Map.of(), "--token-url", "platform.example.com", "--client-id", "c")
        .contains("--token-url must be an absolute https URL"));
  }

  @Test
  void clientCredentialsIsTheRealProviderDefault() {
    ExampleOptions o = parse(Map.of(), "--token-url", "https://p.example.com/token", "--client-id", "c");

    assertEquals("client_credentials", o.grant());
  }
}

package dev.tokenkeeper.servlet.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.servlet.internal.Placeholders.Lookup;
import dev.tokenkeeper.servlet.internal.Placeholders.Source;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The {@code ${name}} / {@code ${name:default}} / <code>$${</code> rules, one by one. */
class PlaceholdersTest {
  static final List<Lookup> LOOKUPS = List.of(
      new Lookup(Source.CONTEXT_PARAM, Map.of("host", "ctx.example.com", "both", "from-context",
          "empty", "")::get),
      new Lookup(Source.SYSTEM_PROPERTY, Map.of("both", "from-property", "port", "8443",
          "sys", "from-property")::get),
      new Lookup(Source.ENVIRONMENT, Map.of("both", "from-env", "sys", "from-env",
          "TK_ENV", "env-value")::get));

  static String resolve(String value) throws Placeholders.Failure {
    return Placeholders.resolve(value, LOOKUPS).value();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
      "https://${host}:${port}/oauth/token | https://ctx.example.com:8443/oauth/token",
      "${both}             | from-context",
      "${sys}              | from-property",
      "${TK_ENV}           | env-value",
      "${nope:fallback}    | fallback",
      "${nope:https://a.example.com:8443} | https://a.example.com:8443",
      "${host:ignored}     | ctx.example.com",
      "'${empty:not used}' | ''",
      "'${nope:}'          | ''",
      "$${host}            | ${host}",
      "scope $${x} ${host} | scope ${x} ctx.example.com",
      "$$ and $ and $host  | $$ and $ and $host",
      "'${nope:a b}'       | 'a b'",
      "no placeholder      | no placeholder"})
  void resolvesFromTheFirstSourceThatDefinesTheNameOrTheDefault(String value, String expected)
      throws Exception {
    assertEquals(expected, resolve(value));
  }

  @Test
  void resolvedValuesAreTakenLiterallyNotResolvedAgain() throws Exception {
    List<Lookup> lookups = List.of(new Lookup(Source.CONTEXT_PARAM,
        Map.of("outer", "${inner}", "inner", "nope")::get));
    assertEquals("${inner}", Placeholders.resolve("${outer}", lookups).value());
  }

  @Test
  void originsNameThePlaceholderAndTheSourceButNeverTheValue() throws Exception {
    Placeholders.Resolved r = Placeholders.resolve("${both}/${TK_ENV}/${nope:x}/${empty}", LOOKUPS);
    assertEquals(List.of("${both} from the context-param", "${TK_ENV} from the environment variable",
        "${nope} from the default", "${empty} from the context-param (empty)"), r.origins());
    assertFalse(String.join(" ", r.origins()).contains("env-value"));
  }

  @Test
  void anUnsetNameWithoutDefaultSaysWhereItWasLookedForAndHowToFixIt() {
    Placeholders.Failure e = assertThrows(Placeholders.Failure.class,
        () -> resolve("secret-prefix-${app.client-secret}"));
    assertEquals("refers to ${app.client-secret}, which is not set: no context-param, Java system"
        + " property or environment variable is named app.client-secret; set one of them (e.g."
        + " <context-param> app.client-secret in web.xml, -Dapp.client-secret=... or the variable"
        + " app.client-secret), or give a default: ${app.client-secret:VALUE}, where an empty"
        + " default ${app.client-secret:} leaves the init-param out", e.getMessage());
    assertFalse(e.getMessage().contains("secret-prefix"), "the raw value is never shown");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "abc${host         | has a ${ without its closing } (character 4)",
      "${}               | has a placeholder at character 1 whose name is empty",
      "${:default}       | has a placeholder at character 1 whose name is empty",
      "x${pass word}     | has a placeholder at character 2 whose name breaks the rule"})
  void aMalformedPlaceholderFailsWithoutShowingTheValue(String value, String expected) {
    Placeholders.Failure e = assertThrows(Placeholders.Failure.class, () -> resolve(value));
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    assertFalse(e.getMessage().contains("pass word"));
  }
}

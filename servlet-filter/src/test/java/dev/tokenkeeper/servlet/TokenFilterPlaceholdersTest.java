package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenListener;
import jakarta.servlet.ServletException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ${name}} placeholders in init-params (context-param, then system property, then
 * environment variable), empty values as absent, and {@code attribute:NAME} listeners, through
 * {@code Filter.init}.
 */
class TokenFilterPlaceholdersTest {
  static final String CLIENT_SECRET = TokenFilterInitTest.CLIENT_SECRET;
  static final String PASSWORD = TokenFilterInitTest.PASSWORD;

  final Map<String, String> env = new HashMap<>(TokenFilterInitTest.ENV);
  final Map<String, String> properties = new HashMap<>();

  TokenFilter filter() {
    return new TokenFilter(null, env::get, properties::get);
  }

  ServletException initFails(FakeFilterConfig config) {
    TokenFilter filter = filter();
    ServletException e = assertThrows(ServletException.class, () -> filter.init(config));
    assertFalse(e.getMessage().contains(CLIENT_SECRET) || e.getMessage().contains(PASSWORD),
        e.getMessage());
    return e;
  }

  @Test
  void aContextParamWinsOverASystemPropertyWhichWinsOverTheEnvironment() {
    // An invalid endpoint-id is echoed by the error: it shows which source won.
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("endpoint-id", "${app.key}");
    FakeFilterConfig config = new FakeFilterConfig(params);
    env.put("app.key", "cookie:from-env");
    assertTrue(initFails(config).getMessage().contains("is \"cookie:from-env\""));
    properties.put("app.key", "cookie:from-property");
    assertTrue(initFails(config).getMessage().contains("is \"cookie:from-property\""));
    config.contextParams.put("app.key", "cookie:from-context");
    assertTrue(initFails(config).getMessage().contains("is \"cookie:from-context\""));
  }

  @Test
  void placeholdersInsideAValueAndDefaultsMakeAWorkingFilter() throws Exception {
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("token-endpoint", "https://${app.host}/oauth/token");
    params.put("client-id", "${app.client-id:default-client}");
    params.put("client-secret-env", "${app.secret-variable}");
    params.put("endpoint-id", "${app.endpoint-id:trusted-header:X-Endpoint-Id}");
    params.put("refresh-window", "${app.refresh-window:PT2M}");
    FakeFilterConfig config = new FakeFilterConfig(params);
    config.contextParams.put("app.host", "idp.example.com");
    properties.put("app.secret-variable", "TK_SECRET");
    TokenFilter filter = filter();
    filter.init(config);
    assertNotNull(config.contextAttributes.get("dev.tokenkeeper.TokenManager"));
    filter.destroy();
  }

  @Test
  void anUnresolvablePlaceholderFailsInitNamingTheInitParamAndThePlaceholder() {
    Map<String, String> params = TokenFilterInitTest.base();
    params.remove("client-secret-env");
    params.put("client-secret", CLIENT_SECRET + "${app.secret-suffix}");
    ServletException e = initFails(new FakeFilterConfig(params));
    assertEquals("TokenFilter 'tk': init-param client-secret refers to ${app.secret-suffix},"
        + " which is not set: no context-param, Java system property or environment variable is"
        + " named app.secret-suffix; set one of them (e.g. <context-param> app.secret-suffix in"
        + " web.xml, -Dapp.secret-suffix=... or the variable app.secret-suffix), or give a"
        + " default: ${app.secret-suffix:VALUE}, where an empty default ${app.secret-suffix:}"
        + " leaves the init-param out", e.getMessage());
  }

  @Test
  void aMalformedPlaceholderFailsInitNamingTheInitParam() {
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("scope", "ReadAccounts ${scope");
    assertEquals("TokenFilter 'tk': init-param scope has a ${ without its closing } (character"
        + " 14)", initFails(new FakeFilterConfig(params)).getMessage());
  }

  @Test
  void aValueThatResolvesToEmptyIsAbsentSoOneWebXmlServesSeveralGrants() throws Exception {
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("grant", "${app.grant}");
    params.put("username", "${app.username:}");
    params.put("password-env", "${app.password-env:}");
    params.put("client-secret-file", "${app.client-secret-file:}");
    params.put("scope", "${app.scope}");
    FakeFilterConfig config = new FakeFilterConfig(params);
    config.contextParams.put("app.grant", "client_credentials");
    config.contextParams.put("app.scope", "  ");
    TokenFilter filter = filter();
    filter.init(config); // no "username is set, but grant is client_credentials"
    filter.destroy();

    config.contextParams.put("app.grant", "password");
    config.contextParams.put("app.username", "alice");
    config.contextParams.put("app.password-env", "TK_PASSWORD");
    filter = filter();
    filter.init(config);
    filter.destroy();

    config.contextParams.remove("app.username");
    assertTrue(initFails(config).getMessage().contains("init-param username is missing"));
  }

  @Test
  void dollarDollarBraceIsALiteralDollarBrace() {
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("endpoint-id", "$${not-a-placeholder}");
    assertTrue(initFails(new FakeFilterConfig(params)).getMessage().contains(
        "init-param endpoint-id is \"${not-a-placeholder}\"; expected fixed:VALUE"));
  }

  @Test
  void resolvedSecretsAreNeverLoggedAtAnyLevel() throws Exception {
    Map<String, String> params = TokenFilterInitTest.base();
    params.remove("client-secret-env");
    params.put("client-secret", "${app.client-secret}");
    params.put("grant", "password");
    params.put("username", "${app.user}");
    params.put("password", "${APP_PASSWORD}");
    FakeFilterConfig config = new FakeFilterConfig(params);
    config.contextParams.put("app.user", "alice");
    properties.put("app.client-secret", CLIENT_SECRET);
    env.put("APP_PASSWORD", PASSWORD);
    List<String> logged = captureAllLevels(() -> {
      TokenFilter filter = filter();
      filter.init(config);
      assertNotNull(filter.tokenManager());
      filter.destroy();
    });
    String all = String.join("\n", logged);
    assertFalse(all.contains(CLIENT_SECRET) || all.contains(PASSWORD), all);
    assertTrue(all.contains("init-param client-secret: ${app.client-secret} from the Java system"
        + " property"), all);
    assertTrue(all.contains("init-param password: ${APP_PASSWORD} from the environment"
        + " variable"), all);
    assertTrue(all.contains("init-param password takes the resource owner's password from"
        + " placeholders (${APP_PASSWORD} from the environment variable); prefer password-env or"
        + " password-file"), all);
  }

  // ---- listener attribute:NAME ------------------------------------------------------------

  @Test
  void aListenerInstanceFromAServletContextAttributeIsAccepted() throws Exception {
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("listener", "attribute:app.listener, class:"
        + TokenFilterInitTest.RecordingListenerForTest.class.getName());
    FakeFilterConfig config = new FakeFilterConfig(params);
    config.contextAttributes.put("app.listener", new TokenListener() {});
    TokenFilter filter = filter();
    filter.init(config);
    filter.destroy();
  }

  @Test
  void aMissingListenerAttributeFailsInitAndSaysHowToSetIt() {
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("listener", "attribute:app.listener");
    assertEquals("TokenFilter 'tk': init-param listener names the ServletContext attribute"
        + " app.listener, which is not set; expected attribute:NAME naming a ServletContext"
        + " attribute that holds a dev.tokenkeeper.TokenListener, set before filters start (in a"
        + " ServletContextListener's contextInitialized, or by the code that builds the context)",
        initFails(new FakeFilterConfig(params)).getMessage());
  }

  @Test
  void aListenerAttributeOfTheWrongTypeFailsInit() {
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("listener", "attribute:app.listener");
    FakeFilterConfig config = new FakeFilterConfig(params);
    config.contextAttributes.put("app.listener", new StringBuilder("not a listener"));
    String message = initFails(config).getMessage();
    assertTrue(message.startsWith("TokenFilter 'tk': init-param listener names the ServletContext"
        + " attribute app.listener, which holds a java.lang.StringBuilder, not a"
        + " dev.tokenkeeper.TokenListener; expected attribute:NAME"), message);
    assertFalse(message.contains("not a listener"), "the attribute's value is not shown");
  }

  @Test
  void aListenerAttributeWithoutANameFailsInit() {
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("listener", "attribute:");
    assertTrue(initFails(new FakeFilterConfig(params)).getMessage().startsWith(
        "TokenFilter 'tk': init-param listener has an entry attribute: without a name;"));
  }

  @Test
  void theListenerAttributeNameMayComeFromAPlaceholder() throws Exception {
    Map<String, String> params = TokenFilterInitTest.base();
    params.put("listener", "attribute:${app.listener-attribute}");
    FakeFilterConfig config = new FakeFilterConfig(params);
    config.contextParams.put("app.listener-attribute", "my.listener");
    config.contextAttributes.put("my.listener", new TokenListener() {});
    TokenFilter filter = filter();
    filter.init(config);
    filter.destroy();
  }

  static List<String> captureAllLevels(TokenFilterInitTest.ThrowingRunnable action)
      throws Exception {
    try (LogCapture logs = LogCapture.allLevels()) {
      action.run();
      return logs.lines();
    }
  }
}

package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.servlet.login.LoginConfig;
import dev.tokenkeeper.servlet.login.internal.LoginParams;
import jakarta.servlet.ServletException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoginFilter's init-params: each mistake fails init with a message naming the init-param. */
class LoginParamsTest {
  @TempDir Path dir;

  /** A TokenListener for the listener init-param. */
  public static final class Listener implements TokenListener {}

  static Map<String, String> valid() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("issuer", "https://id.example.com");
    p.put("client-id", "web");
    p.put("client-secret", "s3cret");
    p.put("redirect-uri", "https://app.example.com/oauth/callback");
    return p;
  }

  static LoginConfig parse(Map<String, String> params) throws ServletException {
    return parse(params, c -> { });
  }

  static LoginConfig parse(Map<String, String> params, Consumer<FakeFilterConfig> setup)
      throws ServletException {
    FakeFilterConfig config = new FakeFilterConfig(params);
    setup.accept(config);
    return LoginParams.parse(config, Map.of("APP_SECRET", "from-env")::get, name -> null);
  }

  static String failure(Map<String, String> params) {
    return assertThrows(ServletException.class, () -> parse(params)).getMessage();
  }

  static Map<String, String> with(String... kv) {
    Map<String, String> p = valid();
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] == null) {
        p.remove(kv[i]);
      } else {
        p.put(kv[i], kv[i + 1]);
      }
    }
    return p;
  }

  @Test
  void aValidSetHasTheDocumentedDefaults() throws Exception {
    LoginConfig c = parse(valid());
    assertEquals("openid", c.scope());
    assertEquals("/oauth/login", c.loginPath());
    assertEquals("/oauth/callback", c.callbackPath());
    assertEquals("/oauth/logout", c.logoutPath());
    assertEquals("/oauth/backchannel-logout", c.backChannelLogoutPath());
    assertEquals("/oauth/session", c.sessionPath());
    assertEquals("web", c.clientId());
    assertTrue(c.toString().contains("discovery=true"), c.toString());
    assertTrue(!c.toString().contains("s3cret"), c.toString());
  }

  @Test
  void everyOptionIsRead() throws Exception {
    Path key = TestKeys.write(dir, "key.pem", TestKeys.pkcs8Pem(TestKeys.rsa()));
    LoginConfig c = parse(with("issuer", null, "client-secret", null,
        "authorization-endpoint", "https://id.example.com/authorize",
        "token-endpoint", "https://id.example.com/token",
        "jwks-uri", "https://id.example.com/jwks",
        "revocation-endpoint", "https://id.example.com/revoke",
        "end-session-endpoint", "https://id.example.com/logout",
        "par-endpoint", "https://id.example.com/par", "use-par", "false",
        "client-authentication", "private_key_jwt", "private-key-file", key.toString(),
        "key-id", "k1", "scope", "profile", "login-path", "/in", "callback-path", "/cb",
        "logout-path", "/out", "backchannel-logout-path", "/bcl", "session-path", "/me",
        "default-return-to", "/home", "post-logout-redirect", "/bye",
        "post-logout-redirect-uri", "https://app.example.com/bye", "state-lifetime", "PT2M",
        "clock-skew", "30", "allowed-origins", "https://api.example.com, https://b.example.com",
        "expose-headers", "true", "align-session-timeout", "false", "refresh-window", "PT1M",
        "maximum-size", "50", "listener", "attribute:app.listener, " + Listener.class.getName(),
        "manager-attribute", "app.tm"),
        fc -> fc.contextAttributes.put("app.listener", new Listener()));
    assertEquals("/in", c.loginPath());
    assertEquals("/cb", c.callbackPath());
    assertEquals("profile", c.scope());
    assertTrue(c.issuer().isEmpty());
    assertTrue(c.toString().contains("discovery=false") && c.toString().contains("par=false"));
  }

  @Test
  void theTokenRequestAndManagerInitParamsAreCheckedLikeTokenFiltersAndNamed() throws Exception {
    parse(with("connect-timeout", "5", "request-timeout", "PT20S", "max-response-bytes", "64KiB",
        "default-expires-in", "PT30M", "expiry-margin", "PT1M", "session-ending-warning", "60",
        "failure-cool-down", "PT30S", "rejection-interval", "0", "retry-max-attempts", "2",
        "retry-initial-delay", "PT0.5S", "retry-max-delay", "PT5S", "retry-max-elapsed", "PT20S",
        "record-stats", "true"));
    String duration = "expected whole seconds (120) or an ISO-8601 duration (PT2M), zero or more";
    String[][] bad = {
        {"connect-timeout", "0", "LoginFilter 'tk': init-param connect-timeout is zero;"
            + " expected a positive duration"},
        {"request-timeout", "later", "init-param request-timeout is \"later\"; " + duration},
        {"max-response-bytes", "1GB", "init-param max-response-bytes is \"1GB\"; expected a"
            + " positive number of bytes, optionally with the suffix KiB or MiB"},
        {"default-expires-in", "0", "init-param default-expires-in is zero"},
        {"expiry-margin", "-1", "init-param expiry-margin is negative (-1); " + duration},
        {"failure-cool-down", "soon", "init-param failure-cool-down is \"soon\"; " + duration},
        {"rejection-interval", "10s", "init-param rejection-interval is \"10s\"; " + duration},
        {"retry-max-attempts", "0", "init-param retry-max-attempts is \"0\"; expected a whole"
            + " number of attempts, the first included, at least 1"},
        {"retry-max-delay", "PT0.1S", "init-param retry-max-delay makes retry-max-delay (PT0.1S)"
            + " shorter than retry-initial-delay (PT0.25S)"},
        {"record-stats", "on", "init-param record-stats is \"on\"; expected true or false"},
    };
    for (String[] b : bad) {
      String message = failure(with(b[0], b[1]));
      assertTrue(message.contains(b[2]), () -> "expected <" + b[2] + "> in: " + message);
    }
  }

  @Test
  void clientAuthenticationMethods() throws Exception {
    for (String m : new String[] {"client_secret_basic", "client_secret_post",
        "client_secret_jwt"}) {
      assertEquals("web", parse(with("client-authentication", m)).clientId());
    }
    assertEquals("web", parse(with("client-authentication", "none", "client-secret", null))
        .clientId());
    assertEquals("web", parse(with("client-secret", null, "client-secret-env", "APP_SECRET"))
        .clientId());
    assertTrue(failure(with("client-authentication", "none")).contains(
        "init-param client-secret is set, but client-authentication is none"));
    assertTrue(failure(with("client-authentication", "magic")).contains(
        "init-param client-authentication is \"magic\""));
    assertTrue(failure(with("client-secret", null)).contains("init-param client-secret-env is"
        + " missing"));
    assertTrue(failure(with("client-secret-env", "APP_SECRET")).contains("set 2 times"));
    assertTrue(failure(with("client-secret", null, "client-secret-env", "NOPE")).contains(
        "names the environment variable NOPE, which is not set"));
    assertTrue(failure(with("client-secret", null, "client-secret-file", "/no/such/file"))
        .contains("init-param client-secret-file"));
    assertTrue(failure(with("client-authentication", "private_key_jwt", "client-secret", null))
        .contains("init-param private-key-file is missing"));
    assertTrue(failure(with("client-authentication", "private_key_jwt")).contains(
        "init-param client-secret is set, but client-authentication is private_key_jwt"));
    assertTrue(failure(with("client-id", null)).contains("init-param client-id is missing"));
  }

  @Test
  void eachMistakeNamesItsInitParam() {
    assertTrue(failure(with("redirect-uri", null)).contains("init-param redirect-uri is missing"));
    assertTrue(failure(with("redirect-uri", "/oauth/callback")).contains(
        "init-param redirect-uri is \"/oauth/callback\", not an absolute http(s) URL"));
    assertTrue(failure(with("issuer", null)).contains("init-param issuer is missing"));
    assertTrue(failure(with("issuer", "https://id.example.com?x=1")).contains(
        "init-param issuer has a query"));
    assertTrue(failure(with("issuer", "http://id.example.com")).contains(
        "init-param issuer uses http to id.example.com"));
    assertTrue(failure(with("issuer", "https://u:p@id.example.com")).contains("user info"));
    assertTrue(failure(with("issuer", "https://id.example.com/#f")).contains("fragment"));
    assertTrue(failure(with("issuer", "not a url")).contains("init-param issuer is not a valid"));
    assertTrue(failure(with("issuer", null, "discovery", "true",
        "authorization-endpoint", "https://a.example.com/a",
        "token-endpoint", "https://a.example.com/t")).contains("discovery is true without an"));
    assertTrue(failure(with("use-par", "yes")).contains("init-param use-par is \"yes\"; expected"
        + " true or false"));
    assertTrue(failure(with("state-lifetime", "0")).contains("init-param state-lifetime is 0"));
    assertTrue(failure(with("state-lifetime", "soon")).contains("init-param state-lifetime is"));
    assertTrue(failure(with("clock-skew", "-5")).contains("init-param clock-skew is negative"));
    assertTrue(failure(with("login-path", "oauth/login")).contains("init-param login-path is"));
    assertTrue(failure(with("maximum-size", "0")).contains("init-param maximum-size is \"0\""));
    assertTrue(failure(with("allowed-origins", "https://a.example.com/path")).contains(
        "init-param allowed-origins is wrong"));
    assertTrue(failure(with("listener", "attribute:missing")).contains(
        "names the ServletContext attribute missing"));
    assertTrue(failure(with("listener", "java.lang.String")).contains("init-param listener names"
        + " the class java.lang.String, which does not implement dev.tokenkeeper.TokenListener"));
    assertTrue(failure(with("listener", "com.example.Nope")).contains("com.example.Nope"));
    assertTrue(failure(with("client-secrett", "x")).contains("unknown init-param client-secrett"));
    assertTrue(failure(with("issuer", "${app.issuer}")).contains("init-param issuer"));
  }

  @Test
  void placeholdersComeFromContextParams() throws Exception {
    LoginConfig c = parse(with("issuer", "${app.issuer}", "scope", "${app.scope:openid email}"),
        fc -> fc.contextParams.put("app.issuer", "https://id.example.com"));
    assertEquals("openid email", c.scope());
  }
}

package dev.tokenkeeper.servlet.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.servlet.LogCapture;
import dev.tokenkeeper.servlet.it.Browser;
import dev.tokenkeeper.servlet.it.TestWebApp;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoginFilter configured only by web.xml init-params, in a real Jetty web app. */
class LoginWebXmlIT {
  @TempDir Path dir;
  OidcProvider provider;

  @BeforeEach
  void start() throws Exception {
    provider = new OidcProvider(java.time.Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    provider.close();
  }

  String webXml(Map<String, String> params) {
    StringBuilder p = new StringBuilder();
    params.forEach((k, v) -> p.append("    <init-param><param-name>").append(k)
        .append("</param-name><param-value>").append(v.replace("&", "&amp;"))
        .append("</param-value></init-param>\n"));
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <context-param><param-name>app.issuer</param-name><param-value>%s</param-value></context-param>
          <filter>
            <filter-name>login</filter-name>
            <filter-class>dev.tokenkeeper.servlet.login.LoginFilter</filter-class>
            <async-supported>true</async-supported>
        %s  </filter>
          <filter-mapping><filter-name>login</filter-name><url-pattern>/oauth/*</url-pattern></filter-mapping>
          <filter-mapping><filter-name>login</filter-name><url-pattern>/app/*</url-pattern></filter-mapping>
          <servlet><servlet-name>page</servlet-name><servlet-class>dev.tokenkeeper.servlet.login.LoginApp$Page</servlet-class></servlet>
          <servlet-mapping><servlet-name>page</servlet-name><url-pattern>/app/*</url-pattern></servlet-mapping>
        </web-app>
        """.formatted(provider.issuer(), p);
  }

  Map<String, String> params(String redirectUri) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("issuer", "${app.issuer}");
    p.put("client-id", OidcProvider.CLIENT_ID);
    p.put("client-authentication", "client_secret_post");
    p.put("client-secret", OidcProvider.CLIENT_SECRET);
    p.put("redirect-uri", redirectUri);
    p.put("scope", "openid profile");
    p.put("post-logout-redirect", "/bye");
    return p;
  }

  @Test
  void aLoginAppConfiguredByInitParamsSignsUsersIn() throws Exception {
    try (TestWebApp app = TestWebApp.start(dir, "/", port -> webXml(
        params("http://127.0.0.1:" + port + "/oauth/callback")))) {
      CookieBrowser browser = new CookieBrowser();
      HttpResponse<String> login = browser.get(app.uri("/oauth/login?return_to=%2Fapp%2Fhome"));
      assertTrue(CookieBrowser.location(login).getRawQuery().contains("scope=openid+profile"));
      HttpResponse<String> callback = browser.follow(browser.follow(login));
      assertEquals(303, callback.statusCode(), callback.body());
      assertEquals(OidcProvider.CLIENT_SECRET, provider.tokenRequests.get(0).get("client_secret"));
      Map<String, String> page = Browser.lines(browser.follow(callback).body());
      assertEquals("alice", page.get("subject"));
      assertEquals("/app/home", page.get("path"));
    }
  }

  @Test
  void theTokenRequestAndManagerInitParamsReachTheSignedInUsersTokens() throws Exception {
    try (TestWebApp app = TestWebApp.start(dir.resolve("stats"), "/", port -> {
      Map<String, String> p = params("http://127.0.0.1:" + port + "/oauth/callback");
      p.put("record-stats", "true");
      p.put("request-timeout", "PT5S");
      p.put("retry-max-attempts", "2");
      p.put("failure-cool-down", "PT30S");
      p.put("rejection-interval", "PT30S");
      return webXml(p);
    })) {
      CookieBrowser browser = new CookieBrowser();
      HttpResponse<String> callback = browser.follow(browser.follow(
          browser.get(app.uri("/oauth/login?return_to=%2Fapp%2Fhome"))));
      assertEquals(303, callback.statusCode(), callback.body());
      assertEquals("alice", Browser.lines(browser.follow(callback).body()).get("subject"));
      assertTrue(app.manager().stats().hits() >= 1,
          "record-stats=true reached the manager: " + app.manager().stats());
    }
    try (LogCapture logs = LogCapture.of(
            "dev.tokenkeeper.servlet.login.internal.Callback");
        TestWebApp app = TestWebApp.start(dir.resolve("small"), "/", port -> {
      Map<String, String> p = params("http://127.0.0.1:" + port + "/oauth/callback");
      p.put("max-response-bytes", "64");
      return webXml(p);
    })) {
      CookieBrowser browser = new CookieBrowser();
      HttpResponse<String> callback = browser.follow(browser.follow(
          browser.get(app.uri("/oauth/login?return_to=%2Fapp%2Fhome"))));
      assertEquals(502, callback.statusCode(), "the token response is over 64 bytes");
      assertTrue(callback.body().contains("token_request_failed"), callback.body());
      // The log names what a web.xml user can change, not a builder method.
      String failed = logs.messageWith("code exchange failed");
      assertTrue(failed.contains("raise init-param max-response-bytes"), failed);
      assertFalse(failed.contains("Builder"), failed);
    }
  }

  @Test
  void aWrongOrUnknownInitParamFailsInitNamingIt() {
    Map<String, String> p = params("http://127.0.0.1:1/oauth/callback");
    p.put("client-secrett", "typo");
    String xml = webXml(p);
    Exception e = assertThrows(Exception.class,
        () -> TestWebApp.start(dir.resolve("a"), "/", xml).close());
    assertTrue(String.valueOf(rootMessage(e)).contains("unknown init-param client-secrett"),
        rootMessage(e));

    Map<String, String> q = params("/oauth/callback");
    String xml2 = webXml(q);
    Exception e2 = assertThrows(Exception.class,
        () -> TestWebApp.start(dir.resolve("b"), "/", xml2).close());
    assertTrue(rootMessage(e2).contains("init-param redirect-uri is \"/oauth/callback\", not an"
        + " absolute http(s) URL"), rootMessage(e2));
  }

  static String rootMessage(Throwable t) {
    String m = t.getMessage();
    for (; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("LoginFilter")) {
        return t.getMessage();
      }
      m = t.getMessage();
    }
    return m;
  }
}

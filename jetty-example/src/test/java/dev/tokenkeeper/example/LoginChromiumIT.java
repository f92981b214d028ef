package dev.tokenkeeper.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.example.demo.DemoProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole sign-in in headless Chromium against the packaged example: the status page's
 * <em>Sign in</em>, the demo provider's consent page, back on the status page signed in (with a
 * call through the relay), then <em>Sign out</em> through the provider's end-session page. A
 * screenshot of the signed-in page lands in {@code target/login.png}. Skipped without Chromium,
 * except under {@code CI=true}.
 */
class LoginChromiumIT {
  private static ExampleProcess app;
  private static Path chromium;

  @BeforeAll
  static void start() throws Exception {
    chromium = StatusPageChromiumIT.findChromium();
    if (chromium == null) {
      String how = "install it with: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("Chromium is required under CI=true but was not found; " + how);
      }
      Assumptions.abort("Chromium not found, skipping the sign-in browser test; " + how);
    }
    app = ExampleProcess.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (app != null) {
      app.close();
    }
  }

  Map<String, Object> stats() throws Exception {
    return JSONObjectUtils.parse(app.get("/demo/stats.json").body());
  }

  @Test
  void signInOnTheConsentPageWatchTheStatusPageAndSignOut() throws Exception {
    Path png = Path.of("target", "login.png").toAbsolutePath();
    Files.deleteIfExists(png);
    try (Cdp browser = Cdp.launch(chromium)) {
      browser.navigate(app.uri());
      browser.waitFor("!document.getElementById('you').hidden"
          + " && document.getElementById('you').dataset.signedIn === 'false'", 30);

      browser.eval("document.getElementById('sign-in').click()");
      browser.waitFor("location.pathname === '/demo/oauth/authorize'"
          + " && document.querySelector('button.ok') !== null", 30);
      assertTrue(String.valueOf(browser.eval("document.body.innerText")).contains("Demo User"));

      browser.eval("document.querySelector('button.ok').click()");
      browser.waitFor("location.pathname === '/'"
          + " && document.getElementById('you').dataset.signedIn === 'true'", 30);
      assertEquals("Demo User", browser.eval("document.getElementById('you-name').textContent"));
      assertEquals(DemoProvider.OWNER_ID,
          browser.eval("document.getElementById('you-subject').textContent"));

      browser.eval("document.getElementById('relay-call').click()");
      browser.waitFor("document.getElementById('relay-result').dataset.status === '200'", 30);
      assertTrue(String.valueOf(browser.eval("document.getElementById('relay-result').textContent"))
          .contains(DemoProvider.OWNER_ID));
      // The status page's counters show the ID token the sign-in got.
      browser.waitFor("document.querySelector('[data-counter=\"ID tokens\"] b') !== null"
          + " && document.querySelector('[data-counter=\"ID tokens\"] b').textContent === '1'", 30);
      Files.write(png, browser.screenshot());

      browser.eval("document.querySelector('#sign-out button').click()");
      browser.waitFor("location.pathname === '/demo/oauth/logout'"
          + " && document.getElementById('ended') !== null", 30);
      // 0: revoking the refresh token at sign-out already ended the provider session.
      assertEquals("0 session(s) ended.", browser.eval("document.getElementById('ended').textContent"));
      browser.eval("document.getElementById('back').click()");
      browser.waitFor("location.pathname === '/'"
          + " && document.getElementById('you').dataset.signedIn === 'false'", 30);
      browser.waitFor("document.querySelector('[data-counter=\"Revocations\"] b') !== null"
          + " && document.querySelector('[data-counter=\"Revocations\"] b').textContent === '2'", 30);
      Files.write(Path.of("target", "login-signed-out.png").toAbsolutePath(), browser.screenshot());
    }
    assertEquals(2L, ((Number) stats().get("revocations")).longValue());
    assertEquals(1L, ((Number) stats().get("end_session_requests")).longValue());
    assertTrue(Files.size(png) > 20_000, "a real page, not a blank image");
  }
}

package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenkeeper.servlet.relay.TokenRelayServlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.net.URI;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TokenRelayServlet's init-params and builder checks. */
class RelayParamsTest {
  static ServletConfig config(Map<String, String> params) {
    FakeFilterConfig f = new FakeFilterConfig(Map.of());
    return new ServletConfig() {
      @Override public String getServletName() {
        return "relay";
      }

      @Override public ServletContext getServletContext() {
        return f.getServletContext();
      }

      @Override public String getInitParameter(String name) {
        return params.get(name);
      }

      @Override public Enumeration<String> getInitParameterNames() {
        return Collections.enumeration(params.keySet());
      }
    };
  }

  static String failure(String... kv) {
    Map<String, String> p = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      p.put(kv[i], kv[i + 1]);
    }
    return assertThrows(ServletException.class, () -> new TokenRelayServlet().init(config(p)))
        .getMessage();
  }

  @Test
  void initParamsAreCheckedAndNamed() throws Exception {
    assertTrue(failure().contains("init-param upstream is missing"));
    assertTrue(failure("upstream", "http://api.example.com").contains("init-param upstream uses"
        + " http to api.example.com"));
    assertTrue(failure("upstream", "https://api.example.com", "retry-body-limit", "-1")
        .contains("init-param retry-body-limit is \"-1\""));
    assertTrue(failure("upstream", "https://api.example.com", "retry-body-limit", "99999999")
        .contains("init-param retry-body-limit"));
    assertTrue(failure("upstream", "https://api.example.com", "timeout", "later")
        .contains("init-param timeout"));
    assertTrue(failure("upstream", "https://api.example.com", "timeout", "0")
        .contains("init-param timeout is zero; expected a positive duration"));
    assertTrue(failure("upstream", "https://api.example.com", "retry-body-limit",
        "123456789012345678901").contains("init-param retry-body-limit is \"12345678901234567890"
        + "1\"; expected a number of bytes from 0 to 16777216"));
    TokenRelayServlet kib = new TokenRelayServlet();
    kib.init(config(Map.of("upstream", "https://api.example.com", "retry-body-limit", "1MiB")));
    kib.destroy();
    assertTrue(failure("upstream", "https://api.example.com", "csrf", "x")
        .contains("unknown init-param csrf"));
    TokenRelayServlet ok = new TokenRelayServlet();
    ok.init(config(Map.of("upstream", "http://api.example.com/v1/", "allow-insecure-http", "true",
        "csrf-header", "X-CSRF", "retry-body-limit", "0", "timeout", "PT5S")));
    ok.destroy();
  }

  @Test
  void theBuilderRefusesWhatCannotWork() {
    assertThrows(IllegalArgumentException.class,
        () -> TokenRelayServlet.builder(URI.create("/relative")));
    assertThrows(IllegalArgumentException.class,
        () -> TokenRelayServlet.builder(URI.create("ftp://x.example.com")));
    assertThrows(IllegalArgumentException.class,
        () -> TokenRelayServlet.builder(URI.create("https://x.example.com/?q=1")));
    assertThrows(IllegalArgumentException.class,
        () -> TokenRelayServlet.builder(URI.create("https://x.example.com")).retryBodyLimit(-1));
    TokenRelayServlet.builder(URI.create("https://x.example.com/")).csrfHeader("X-CSRF")
        .timeout(java.time.Duration.ofSeconds(3)).retryBodyLimit(10).build();
  }
}

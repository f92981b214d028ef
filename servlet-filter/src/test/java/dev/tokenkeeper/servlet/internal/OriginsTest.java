package dev.tokenkeeper.servlet.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OriginsTest {
  @Test
  void normalisesSchemeAndHostAndDropsATrailingSlash() {
    assertEquals(URI.create("https://api.example.com"),
        Origins.check(URI.create("HTTPS://API.Example.com/")));
    assertEquals(URI.create("http://127.0.0.1:8443"),
        Origins.check(URI.create("http://127.0.0.1:8443")));
  }

  @Test
  void rejectsWhatIsNotAnOriginWithoutEchoingUserInfo() {
    for (String bad : new String[] {"https://a.example.com/v1", "https://a.example.com?q=1",
        "https://a.example.com#f", "ftp://a.example.com", "a.example.com", "https:///x"}) {
      assertThrows(IllegalArgumentException.class, () -> Origins.check(URI.create(bad)), bad);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Origins.check(URI.create("https://me:hunter2@a.example.com")));
    assertFalse(e.getMessage().contains("hunter2"));
  }

  @Test
  void httpDatesAreImfFixdates() {
    assertEquals("Sun, 06 Nov 1994 08:49:37 GMT",
        Responses.httpDate(Instant.parse("1994-11-06T08:49:37.900Z")));
  }

  @Test
  void loopbackIsDecidedOnLiteralsOnly() {
    assertTrue(InitParams.isLoopback("localhost"));
    assertTrue(InitParams.isLoopback("127.0.0.1"));
    assertTrue(InitParams.isLoopback("127.9.9.9"));
    assertTrue(InitParams.isLoopback("[::1]"));
    // Issue 8, item 9: resolved again when connecting, so never taken for loopback.
    assertFalse(InitParams.isLoopback("tk.localhost"));
    assertFalse(InitParams.isLoopback("[::2]"));
    assertFalse(InitParams.isLoopback("10.0.0.1"));
    assertFalse(InitParams.isLoopback("localhost.example.com"));
    assertFalse(InitParams.isLoopback("[nonsense"));
  }
}

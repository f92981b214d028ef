package dev.tokenkeeper.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ResolversAndPoliciesTest {

  @Test
  void builtInResolversReadTheirSourceAndSayWhatTheyAre() {
    FakeHttp http = new FakeHttp();
    assertEquals("svc-1", EndpointIdResolver.fixed("svc-1").resolve(http.request()));
    assertEquals("fixed:svc-1", EndpointIdResolver.fixed("svc-1").toString());

    EndpointIdResolver header = EndpointIdResolver.trustedHeader("X-Endpoint-Id");
    assertNull(header.resolve(http.request()));
    http.requestHeaders.put("X-Endpoint-Id", "dev-7");
    assertEquals("dev-7", header.resolve(http.request()));
    assertEquals("trusted-header:X-Endpoint-Id", header.toString());

    EndpointIdResolver session = EndpointIdResolver.sessionAttribute("uid");
    assertNull(session.resolve(http.request()), "no session, and none is created");
    http.hasSession = true;
    assertNull(session.resolve(http.request()));
    http.sessionAttributes.put("uid", 4711L);
    assertEquals("4711", session.resolve(http.request()));
    assertEquals("session:uid", session.toString());

    assertNull(EndpointIdResolver.principal().resolve(http.request()));
    http.principal = "alice";
    assertEquals("alice", EndpointIdResolver.principal().resolve(http.request()));
    assertEquals("principal", EndpointIdResolver.principal().toString());
  }

  @Test
  void resolverFactoriesRejectWhatCanNeverWork() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EndpointIdResolver.fixed("no\nnewlines"));
    assertTrue(e.getMessage().contains("1 to 512 characters without control characters"),
        e.getMessage());
    assertEquals("fixed:alice@example.com",
        EndpointIdResolver.fixed("alice@example.com").toString());
    assertThrows(IllegalArgumentException.class, () -> EndpointIdResolver.trustedHeader(" "));
    assertThrows(IllegalArgumentException.class, () -> EndpointIdResolver.sessionAttribute(null));
  }

  @Test
  void unauthorizedWritesJsonAndWwwAuthenticate() throws Exception {
    FakeHttp http = new FakeHttp();
    assertFalse(SessionEndedPolicy.unauthorized().handle(http.request(), http.response(), "k"));
    assertEquals(401, http.status);
    assertEquals("application/json", http.contentType);
    assertEquals("no-store", http.responseHeaders.get("Cache-Control"));
    assertTrue(http.responseHeaders.get("WWW-Authenticate").startsWith("Bearer realm="));
    assertEquals("{\"error\":\"session_ended\",\"error_description\":\"The provider session has"
        + " ended; sign in again\"}", http.body());
    assertEquals("401", SessionEndedPolicy.unauthorized().toString());
  }

  @Test
  void redirectIsRelativeToTheContextPathOrAbsolute() throws Exception {
    FakeHttp http = new FakeHttp();
    http.contextPath = "/shop";
    assertFalse(SessionEndedPolicy.redirect("/login").handle(http.request(), http.response(), null));
    assertEquals("/shop/login", http.redirect);
    SessionEndedPolicy.redirect("https://idp.example.com/authorize?x=1")
        .handle(http.request(), http.response(), null);
    assertEquals("https://idp.example.com/authorize?x=1", http.redirect);
    assertEquals("redirect:/login", SessionEndedPolicy.redirect("/login").toString());
    for (String bad : new String[] {"", "login", "javascript:alert(1)", "/a b"}) {
      assertThrows(IllegalArgumentException.class, () -> SessionEndedPolicy.redirect(bad), bad);
    }
  }

  @Test
  void passThroughSetsTheFlagAndGoesOn() throws Exception {
    FakeHttp http = new FakeHttp();
    assertTrue(SessionEndedPolicy.passThrough().handle(http.request(), http.response(), "k"));
    assertEquals(Boolean.TRUE, http.attributes.get(SessionEndedPolicy.ENDED_ATTRIBUTE));
    assertEquals("pass-through", SessionEndedPolicy.passThrough().toString());
  }

  @Test
  void theFiltersKeyCheckIsTheManagersKeyRule() {
    java.util.Random random = new java.util.Random(42);
    String chars = "azAZ09_-@. é日/+=\u0000\u001f\u007f\u0085\t";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int length = random.nextInt(20) == 0 ? 500 + random.nextInt(20) : random.nextInt(70);
      for (int j = 0; j < length; j++) {
        b.append(random.nextInt(100) < 99 ? chars.charAt(random.nextInt(11))
            : chars.charAt(random.nextInt(chars.length())));
      }
      String key = b.toString();
      boolean expected = !key.isEmpty() && key.length() <= 512
          && key.chars().noneMatch(Character::isISOControl);
      assertEquals(expected, TokenFilter.isValidKey(key), key);
    }
    assertTrue(TokenFilter.isValidKey("alice@example.com"));
    assertTrue(TokenFilter.isValidKey("a".repeat(512)));
    assertFalse(TokenFilter.isValidKey("a".repeat(513)));
    assertFalse(TokenFilter.isValidKey(""));
  }

  @Test
  void tokenContextFromARequestWithoutOneSaysHowToFixIt() {
    FakeHttp http = new FakeHttp();
    assertTrue(TokenContext.find(http.request()).isEmpty());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TokenContext.from(http.request()));
    assertTrue(e.getMessage().contains("map TokenFilter to this URL"), e.getMessage());
  }

  @Test
  void filterConfigChecksOriginsAndKeepsTheDefaults() {
    TokenFilterConfig.Builder b = TokenFilterConfig.builder(
        org.mockito.Mockito.mock(dev.tokenkeeper.TokenManager.class),
        EndpointIdResolver.principal());
    assertThrows(IllegalArgumentException.class,
        () -> b.allowedOrigins(URI.create("https://api.example.com/v2")));
    TokenFilterConfig c = b.allowedOrigins(URI.create("https://API.example.com")).build();
    assertEquals(java.util.List.of(URI.create("https://api.example.com")), c.allowedOrigins());
    assertFalse(c.exposeHeaders());
    assertFalse(c.alignSessionTimeout());
    assertEquals("401", c.sessionEndedPolicy().toString());
    assertTrue(c.httpClient().isEmpty());
    assertEquals("TokenFilterConfig[endpointId=principal, allowedOrigins=[https://api.example.com],"
        + " exposeHeaders=false, alignSessionTimeout=false, sessionEnded=401]", c.toString());
  }
}

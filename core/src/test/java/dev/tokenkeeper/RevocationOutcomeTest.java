package dev.tokenkeeper;

import static dev.tokenkeeper.testing.TokenManagerFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenkeeper.Revocation.Outcome;
import dev.tokenkeeper.testing.ScriptedServer;
import dev.tokenkeeper.testing.ScriptedServer.Answer;
import dev.tokenkeeper.testing.TokenManagerFixture;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Revocation reads RFC 7009 right (issue 8, item 14): a server that revokes the refresh token and
 * answers {@code unsupported_token_type} for the access token has done what it can.
 */
class RevocationOutcomeTest {
  @RegisterExtension final TokenManagerFixture fx = new TokenManagerFixture();
  private final List<Revocation> heard = new CopyOnWriteArrayList<>();

  private TokenManager manager() {
    return fx.manager(fx.builder().scheduler(fx.scheduler()).listener(new TokenListener() {
      @Override
      public void onRevoked(String key, Revocation revocation) {
        heard.add(revocation);
      }
    }));
  }

  private void serveRevocation(String unsupportedHint) {
    fx.serve(r -> {
      if (!"/revoke".equals(r.path())) {
        return ok("never", 3600, null);
      }
      return unsupportedHint.equals(r.param("token_type_hint"))
          ? Answer.error(400, "unsupported_token_type") : Answer.status(200);
    });
  }

  @Test
  void unsupportedTokenTypeForTheAccessTokenAfterTheRefreshTokenWasRevokedCompletesNormally()
      throws Exception {
    serveRevocation("access_token");
    TokenManager manager = manager();
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));

    manager.revoke("k1").get(15, TimeUnit.SECONDS);

    assertEquals(List.of(new Revocation(Outcome.REVOKED, Outcome.UNSUPPORTED)), heard);
    assertFalse(heard.get(0).complete());
    assertEquals(2, fx.server().count());
  }

  @Test
  void aServerThatCannotRevokeTheRefreshTokenStillFailsTheRevocation() {
    serveRevocation("refresh_token");
    TokenManager manager = manager();
    manager.put("k1", fx.response("at-1", 3600, "rt-1"));

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> manager.revoke("k1").get(15, TimeUnit.SECONDS));
    assertInstanceOf(TokenEndpointException.class, e.getCause());
    assertEquals(List.of(new Revocation(Outcome.UNSUPPORTED, Outcome.REVOKED)), heard);
  }

  @Test
  void withoutARefreshTokenTheAccessTokenOutcomeDecides() throws Exception {
    ScriptedServer server = fx.serve(r -> Answer.status(200));
    TokenManager manager = manager();
    manager.put("k1", fx.response("at-1", 3600, null));

    manager.revoke("k1").get(15, TimeUnit.SECONDS);

    assertEquals(List.of(new Revocation(Outcome.NOT_HELD, Outcome.REVOKED)), heard);
    assertEquals(1, server.count());
  }
}

package dev.tokenkeeper.servlet.login.internal;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.Pkce;
import dev.tokenkeeper.TokenEndpointException;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenResponse;
import dev.tokenkeeper.servlet.login.SignedInUser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * The login's second leg (RFC 6749, 4.1.2): checks {@code state}, answers provider errors,
 * exchanges the code with the PKCE verifier, verifies the ID token, stores the tokens under a
 * key the server makes, changes the session id and returns to the page first asked for.
 * Thread-safe.
 */
public final class Callback {
  private static final System.Logger LOG = System.getLogger(Callback.class.getName());

  private final LoginRuntime runtime;
  private final LoginSettings settings;
  private final UnaryOperator<String> hints;

  /**
   * @param hints rewrites the core's messages for the log: for a {@code web.xml} user, builder
   *     methods become the init-params that set the same thing
   */
  public Callback(LoginRuntime runtime, UnaryOperator<String> hints) {
    this.runtime = runtime;
    this.settings = runtime.settings();
    this.hints = hints;
  }

  public void handle(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String retry = request.getContextPath() + settings.loginPath();
    HttpSession session = request.getSession(false);
    String binding = session == null ? null : (String) session.getAttribute(BrowserSession.BINDING_ATTRIBUTE);
    PendingLogins.Taken taken = runtime.pending().take(request.getParameter("state"), binding);
    if (taken.pending() == null) {
      String why = switch (taken.refusal()) {
        case MISSING -> "The answer from the provider has no state parameter.";
        case UNKNOWN -> "The state parameter does not belong to a sign-in started here, or it"
            + " was used already.";
        case OTHER_SESSION -> "The sign-in was started in another browser session.";
        case EXPIRED -> "The sign-in took longer than " + settings.stateLifetime().toMinutes()
            + " minutes.";
      };
      Pages.error(request, response, 400, "invalid_state", "Sign-in failed",
          why + " Start the sign-in again.", retry);
      return;
    }
    PendingLogins.Pending p = taken.pending();
    String retryHere = retry + "?return_to=" + URLEncoder.encode(p.returnTo(),
        StandardCharsets.UTF_8);
    String error = request.getParameter("error");
    if (error != null) {
      String description = request.getParameter("error_description");
      if (error.equals("access_denied")) {
        Pages.error(request, response, 403, "access_denied", "Sign-in cancelled",
            "You did not allow this application to sign you in with the provider"
                + (description == null ? "." : ": " + description), retryHere);
      } else {
        int status = error.equals("temporarily_unavailable") || error.equals("server_error")
            ? 503 : 400;
        Pages.error(request, response, status, error, "Sign-in failed",
            "The provider could not sign you in (" + error + ")"
                + (description == null ? "." : ": " + description), retryHere);
      }
      return;
    }
    String code = request.getParameter("code");
    if (code == null || code.isEmpty()) {
      Pages.error(request, response, 400, "invalid_request", "Sign-in failed",
          "The answer from the provider has neither code nor error.", retryHere);
      return;
    }

    // A fresh key for this browser session, sent as endpoint_id; never taken from the request.
    String key = "tk" + Secrets.random(24);
    TokenRequest tokenRequest = TokenRequest.builder(
            Grant.authorizationCode(code, settings.redirectUri().toString(),
                Pkce.ofVerifier(p.verifier())))
        .endpointId(key)
        .build();
    TokenResponse tokens;
    try {
      tokens = runtime.endpoint().request(tokenRequest);
    } catch (TokenEndpointException e) {
      LOG.log(Level.WARNING,
          "authorization code exchange failed: " + hints.apply(e.getMessage()));
      Pages.error(request, response, 502, "token_request_failed", "Sign-in failed",
          "The provider did not exchange the authorization code"
              + e.error().map(c -> " (" + c + ")").orElse("") + ".", retryHere);
      return;
    }

    SignedInUser user;
    try {
      user = user(key, tokens, p.nonce());
    } catch (JwtChecks.Invalid e) {
      LOG.log(Level.WARNING, "sign-in refused: " + e.getMessage());
      revokeQuietly(tokens);
      if (e.getCause() != null) {
        runtime.refreshMetadataAfterFailure();
      }
      Pages.error(request, response, 502, "invalid_id_token", "Sign-in failed",
          "The provider's ID token was refused: " + e.getMessage() + ".", retryHere);
      return;
    }

    // Any previous sign-in of this browser session ends now.
    Object previous = session.getAttribute(BrowserSession.KEY_ATTRIBUTE);
    if (previous instanceof SessionKey old) {
      session.removeAttribute(BrowserSession.KEY_ATTRIBUTE); // its unbinding forgets the old key
      runtime.forget(old.key());
    }
    try {
      runtime.users().add(user);
    } catch (IllegalStateException e) {
      revokeQuietly(tokens);
      Pages.error(request, response, 503, "too_many_sessions", "Sign-in unavailable",
          "Too many users are signed in right now; try again later.", retryHere);
      return;
    }
    runtime.manager().put(key, tokens, tokenRequest);
    // Against session fixation: the signed-in session gets a new id (OWASP, Session Management).
    request.changeSessionId();
    session.removeAttribute(BrowserSession.CSRF_ATTRIBUTE);
    session.setAttribute(BrowserSession.KEY_ATTRIBUTE, new SessionKey(key, runtime::forget));
    if (settings.alignSessionTimeout()) {
      tokens.sessionIdleTimeout().ifPresent(t -> {
        long s = t.toSeconds();
        if (s > 0) {
          session.setMaxInactiveInterval((int) Math.min(Integer.MAX_VALUE, s));
        }
      });
    }
    Pages.redirect(response, HttpServletResponse.SC_SEE_OTHER,
        request.getContextPath() + p.returnTo());
  }

  private SignedInUser user(String key, TokenResponse tokens, String nonce)
      throws JwtChecks.Invalid {
    Instant now = settings.clock().instant();
    if (tokens.idToken().isPresent()) {
      JWTClaimsSet claims = runtime.checks().idToken(tokens.idToken().get(), nonce);
      return new SignedInUser(key, claims.getSubject(), claims.toJSONObject(), now);
    }
    if (settings.openid()) {
      throw new JwtChecks.Invalid("the token response has no id_token although the scope asks"
          + " for openid");
    }
    return new SignedInUser(key, tokens.ownerId().orElse(key), Map.of(), now);
  }

  /** Revokes the tokens of a refused login (RFC 7009), the refresh token first; waits briefly. */
  private void revokeQuietly(TokenResponse tokens) {
    if (!runtime.endpoint().supportsRevocation()) {
      return;
    }
    try {
      CompletableFuture<Void> done = tokens.refreshToken()
          .map(rt -> runtime.endpoint().revokeAsync(rt, "refresh_token")
              .exceptionally(e -> null))
          .orElse(CompletableFuture.completedFuture(null))
          .thenCompose(v -> runtime.endpoint().revokeAsync(tokens.accessToken().value(),
              "access_token"));
      done.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.log(Level.WARNING, "revocation of the refused login's tokens failed: " + e);
    }
  }

}

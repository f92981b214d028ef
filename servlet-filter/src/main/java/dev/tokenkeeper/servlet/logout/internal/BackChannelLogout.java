package dev.tokenkeeper.servlet.logout.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokenkeeper.servlet.internal.Responses;
import dev.tokenkeeper.servlet.login.internal.JwtChecks;
import dev.tokenkeeper.servlet.login.internal.LoginRuntime;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenID Connect Back-Channel Logout 1.0: the provider POSTs a {@code logout_token}; once it is
 * verified (signature, {@code iss}, {@code aud}, {@code iat}, {@code events}, no {@code nonce},
 * a {@code jti} not seen before) every key of its {@code sid}, or of its {@code sub}, is ended:
 * tokens forgotten, so the browser's next request is sent to the login. Thread-safe.
 */
public final class BackChannelLogout {
  private static final System.Logger LOG = System.getLogger(BackChannelLogout.class.getName());

  private final LoginRuntime runtime;
  // jti values seen, for as long as a logout token is accepted (its iat age limit plus skew).
  private final Cache<String, Boolean> seen = Caffeine.newBuilder()
      .expireAfterWrite(Duration.ofMinutes(15)).maximumSize(100_000).build();

  public BackChannelLogout(LoginRuntime runtime) {
    this.runtime = runtime;
  }

  public void handle(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (!"POST".equals(request.getMethod())) {
      response.setHeader("Allow", "POST");
      refuse(response, 405, "back-channel logout takes a POST with a logout_token");
      return;
    }
    String[] values = request.getParameterValues("logout_token");
    if (values == null || values.length != 1 || values[0].isBlank()) {
      refuse(response, 400, "logout_token is required, exactly once");
      return;
    }
    JWTClaimsSet claims;
    try {
      claims = runtime.checks().logoutToken(values[0]);
    } catch (JwtChecks.Invalid e) {
      LOG.log(Level.WARNING, "back-channel logout refused: " + e.getMessage());
      refuse(response, 400, e.getMessage());
      return;
    }
    if (seen.asMap().putIfAbsent(claims.getJWTID(), Boolean.TRUE) != null) {
      LOG.log(Level.WARNING, "back-channel logout refused: jti replayed");
      refuse(response, 400, "this logout token (jti) was used already");
      return;
    }
    String sid = claims.getClaim("sid") instanceof String s ? s : null;
    List<String> keys = runtime.users().keysFor(claims.getSubject(), sid);
    for (String key : keys) {
      runtime.forget(key);
    }
    LOG.log(Level.INFO, "back-channel logout ended " + keys.size() + " signed-in session(s)");
    response.setHeader("Cache-Control", "no-store");
    response.setStatus(200);
  }

  private static void refuse(HttpServletResponse response, int status, String why)
      throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", "invalid_request");
    body.put("error_description", why);
    Responses.json(response, status, body);
  }
}

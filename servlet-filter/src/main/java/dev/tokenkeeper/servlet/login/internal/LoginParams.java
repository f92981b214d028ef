package dev.tokenkeeper.servlet.login.internal;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.servlet.internal.ClientParams;
import dev.tokenkeeper.servlet.internal.ExchangeParams;
import dev.tokenkeeper.servlet.internal.Instances;
import dev.tokenkeeper.servlet.internal.ManagerParams;
import dev.tokenkeeper.servlet.internal.ParamReader;
import dev.tokenkeeper.servlet.login.LoginConfig;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Reads {@code LoginFilter}'s {@code web.xml} init-params into a {@link LoginConfig}: its own
 * parser, beside {@code TokenFilter}'s, on the same typed reader ({@link ParamReader}). Not
 * thread-safe; one use per {@code init}.
 */
public final class LoginParams {
  /** Every init-param, in the order of CONFIGURATION.md. */
  public static final List<String> NAMES = List.of(
      "issuer", "discovery", "authorization-endpoint", "token-endpoint", "jwks-uri",
      "revocation-endpoint", "end-session-endpoint", "par-endpoint", "use-par",
      "allow-insecure-http",
      "connect-timeout", "request-timeout", "max-response-bytes", "default-expires-in",
      "client-id", "client-authentication", "client-secret-env", "client-secret-file",
      "client-secret", "private-key-file", "key-id",
      "redirect-uri", "scope",
      "login-path", "callback-path", "logout-path", "backchannel-logout-path", "session-path",
      "default-return-to", "post-logout-redirect", "post-logout-redirect-uri",
      "state-lifetime", "clock-skew",
      "allowed-origins", "expose-headers", "align-session-timeout", "refresh-window",
      "expiry-margin", "session-ending-warning", "failure-cool-down", "rejection-interval",
      "retry-max-attempts", "retry-initial-delay", "retry-max-delay", "retry-max-elapsed",
      "maximum-size", "listener", "record-stats", "manager-attribute");

  private LoginParams() {}

  public static LoginConfig parse(FilterConfig filterConfig,
      java.util.function.Function<String, String> environment,
      java.util.function.Function<String, String> systemProperties) throws ServletException {
    ParamReader p = ParamReader.of("LoginFilter", filterConfig, NAMES, environment,
        systemProperties);
    boolean insecure = p.bool("allow-insecure-http", false);
    URI issuer = issuer(p, insecure);
    URI redirectUri = p.url("redirect-uri", insecure);
    if (redirectUri == null) {
      p.require("redirect-uri", "the absolute callback URL registered with the provider, such as"
          + " https://app.example.com/oauth/callback");
    }
    ClientAuthentication auth = ClientParams.read(p);
    LoginConfig.Builder b;
    try {
      b = LoginConfig.builder(issuer, auth, redirectUri);
      URI authorization = p.url("authorization-endpoint", insecure);
      URI token = p.url("token-endpoint", insecure);
      if (issuer == null && (authorization == null || token == null)) {
        throw p.error("issuer", "is missing", "the provider's issuer URL (its metadata is"
            + " discovered), or both authorization-endpoint and token-endpoint");
      }
      b.authorizationEndpoint(authorization).tokenEndpoint(token)
          .jwksUri(p.url("jwks-uri", insecure))
          .revocationEndpoint(p.url("revocation-endpoint", insecure))
          .endSessionEndpoint(p.url("end-session-endpoint", insecure))
          .parEndpoint(p.url("par-endpoint", insecure))
          .usePar(p.bool("use-par", true))
          .allowInsecureHttp(insecure);
      if (p.get("discovery") != null) {
        boolean discovery = p.bool("discovery", true);
        if (discovery && issuer == null) {
          throw p.error("discovery", "is true without an issuer", "issuer set, or discovery"
              + " false");
        }
        b.discovery(discovery);
      }
      if (p.get("scope") != null) {
        b.scope(p.get("scope"));
      }
      b.loginPath(p.path("login-path", "/oauth/login"))
          .callbackPath(p.path("callback-path", "/oauth/callback"))
          .logoutPath(p.path("logout-path", "/oauth/logout"))
          .backChannelLogoutPath(p.path("backchannel-logout-path", "/oauth/backchannel-logout"))
          .sessionPath(p.path("session-path", "/oauth/session"))
          .defaultReturnTo(p.path("default-return-to", "/"))
          .postLogoutRedirect(p.path("post-logout-redirect", "/"))
          .postLogoutRedirectUri(p.url("post-logout-redirect-uri", true));
      Duration state = p.duration("state-lifetime");
      if (state != null) {
        if (state.isZero()) {
          throw p.error("state-lifetime", "is 0", "a positive duration such as PT5M");
        }
        b.stateLifetime(state);
      }
      Duration skew = p.duration("clock-skew");
      if (skew != null) {
        b.clockSkew(skew);
      }
      b.allowedOrigins(p.origins("allowed-origins"))
          .exposeHeaders(p.bool("expose-headers", false))
          .alignSessionTimeout(p.bool("align-session-timeout", true))
          .maximumSize(p.positiveLong("maximum-size", 10_000, "a positive whole number of keys"))
          .managerAttribute(p.get("manager-attribute", "dev.tokenkeeper.TokenManager"));
      b.tokenEndpointOptions(ExchangeParams.read(p));
      b.tokenManagerOptions(ManagerParams.read(p));
      for (TokenListener l : Instances.listeners(p, "listener")) {
        b.listener(l);
      }
      return b.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ServletException(p.owner() + ": the init-params do not make a valid login: "
          + e.getMessage(), e);
    }
  }

  private static URI issuer(ParamReader p, boolean insecure) throws ServletException {
    URI issuer = p.url("issuer", insecure);
    if (issuer != null && issuer.getRawQuery() != null) {
      throw p.error("issuer", "has a query", "the issuer identifier: an https URL without query"
          + " or fragment (RFC 8414, section 2)");
    }
    return issuer;
  }
}

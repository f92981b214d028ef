package dev.tokenkeeper.servlet.login.internal;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.servlet.internal.Origins;
import dev.tokenkeeper.servlet.internal.ParamReader;
import dev.tokenkeeper.servlet.login.LoginConfig;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code LoginFilter}'s {@code web.xml} init-params into a {@link LoginConfig}: its own
 * parser, beside {@code TokenFilter}'s, with the same rules (see {@link ParamReader}). Not
 * thread-safe; one use per {@code init}.
 */
public final class LoginParams {
  /** Every init-param, in the order of CONFIGURATION.md. */
  public static final List<String> NAMES = List.of(
      "issuer", "discovery", "authorization-endpoint", "token-endpoint", "jwks-uri",
      "revocation-endpoint", "end-session-endpoint", "par-endpoint", "use-par",
      "allow-insecure-http",
      "client-id", "client-authentication", "client-secret-env", "client-secret-file",
      "client-secret", "private-key-file", "key-id",
      "redirect-uri", "scope",
      "login-path", "callback-path", "logout-path", "backchannel-logout-path", "session-path",
      "default-return-to", "post-logout-redirect", "post-logout-redirect-uri",
      "state-lifetime", "clock-skew",
      "allowed-origins", "expose-headers", "align-session-timeout", "refresh-window",
      "maximum-size", "listener", "manager-attribute");

  private LoginParams() {}

  public static LoginConfig parse(FilterConfig filterConfig,
      java.util.function.Function<String, String> environment,
      java.util.function.Function<String, String> systemProperties) throws ServletException {
    Map<String, String> raw = new LinkedHashMap<>();
    for (String name : Collections.list(filterConfig.getInitParameterNames())) {
      raw.put(name, filterConfig.getInitParameter(name));
    }
    ServletContext context = filterConfig.getServletContext();
    ParamReader p = new ParamReader("LoginFilter '" + filterConfig.getFilterName() + "'", raw,
        NAMES, context, environment, systemProperties);
    boolean insecure = p.bool("allow-insecure-http", false);
    URI issuer = issuer(p, insecure);
    URI redirectUri = p.url("redirect-uri", insecure);
    if (redirectUri == null) {
      p.require("redirect-uri", "the absolute callback URL registered with the provider, such as"
          + " https://app.example.com/oauth/callback");
    }
    ClientAuthentication auth = clientAuthentication(p);
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
      b.allowedOrigins(origins(p))
          .exposeHeaders(p.bool("expose-headers", false))
          .alignSessionTimeout(p.bool("align-session-timeout", true))
          .refreshWindow(p.duration("refresh-window"))
          .maximumSize(p.positiveLong("maximum-size", 10_000))
          .managerAttribute(p.get("manager-attribute", "dev.tokenkeeper.TokenManager"));
      for (TokenListener l : listeners(p, context)) {
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

  private static ClientAuthentication clientAuthentication(ParamReader p)
      throws ServletException {
    String clientId = p.require("client-id", "the client_id the provider gave your application");
    String method = p.get("client-authentication", "client_secret_basic");
    try {
      switch (method) {
        case "client_secret_basic", "client_secret_post", "client_secret_jwt" -> {
          p.notWith(method, "client-authentication", "private-key-file", "key-id");
          String secret = p.secret("client-secret", "the client secret", true);
          return switch (method) {
            case "client_secret_basic" -> ClientAuthentication.basic(clientId, secret);
            case "client_secret_post" -> ClientAuthentication.post(clientId, secret);
            default -> ClientAuthentication.secretJwt(clientId, secret);
          };
        }
        case "private_key_jwt" -> {
          p.notWith(method, "client-authentication", "client-secret-env", "client-secret-file",
              "client-secret");
          return ClientAuthentication.privateKeyJwt(clientId, p.privateKey("private-key-file"),
              p.get("key-id"));
        }
        case "none" -> {
          p.notWith(method, "client-authentication", "client-secret-env", "client-secret-file",
              "client-secret", "private-key-file", "key-id");
          return ClientAuthentication.none(clientId);
        }
        default -> throw p.error("client-authentication", "is \"" + method + "\"",
            "one of client_secret_basic, client_secret_post, client_secret_jwt,"
                + " private_key_jwt, none");
      }
    } catch (IllegalArgumentException e) {
      throw new ServletException(p.owner() + ": init-params client-id / client-authentication: "
          + e.getMessage(), e);
    }
  }

  private static List<URI> origins(ParamReader p) throws ServletException {
    List<URI> origins = new ArrayList<>();
    String value = p.get("allowed-origins");
    if (value == null) {
      return origins;
    }
    for (String item : value.split("[,\\s]+")) {
      if (item.isEmpty()) {
        continue;
      }
      try {
        origins.add(Origins.check(new URI(item)));
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw p.error("allowed-origins", "is wrong: " + e.getMessage(),
            "comma-separated origins such as https://api.example.com");
      }
    }
    return origins;
  }

  private static List<TokenListener> listeners(ParamReader p, ServletContext context)
      throws ServletException {
    List<TokenListener> listeners = new ArrayList<>();
    String value = p.get("listener");
    if (value == null) {
      return listeners;
    }
    String form = "comma-separated entries, each attribute:NAME (a ServletContext attribute"
        + " holding a TokenListener) or the class name of a TokenListener with a public no-arg"
        + " constructor";
    for (String entry : value.split("[,\\s]+")) {
      if (entry.isEmpty()) {
        continue;
      }
      if (entry.startsWith("attribute:")) {
        Object o = context.getAttribute(entry.substring("attribute:".length()));
        if (!(o instanceof TokenListener l)) {
          throw p.error("listener", "names the ServletContext attribute "
              + entry.substring("attribute:".length()) + ", which does not hold a"
              + " TokenListener", form);
        }
        listeners.add(l);
      } else {
        String name = entry.startsWith("class:") ? entry.substring(6) : entry;
        try {
          ClassLoader loader = context.getClassLoader();
          Object o = Class.forName(name, true, loader).getConstructor().newInstance();
          if (!(o instanceof TokenListener l)) {
            throw p.error("listener", "names " + name + ", which is not a TokenListener", form);
          }
          listeners.add(l);
        } catch (ReflectiveOperationException | LinkageError e) {
          throw p.error("listener", "names " + name + ", which cannot be instantiated ("
              + e.getClass().getSimpleName() + ")", form);
        }
      }
    }
    return listeners;
  }
}

package dev.tokenkeeper.servlet.login.internal;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** The values of a {@code LoginConfig}, for the implementation. Immutable. Not API. */
public record LoginSettings(
    URI issuer,
    boolean discovery,
    URI authorizationEndpoint,
    URI tokenEndpoint,
    URI jwksUri,
    URI revocationEndpoint,
    URI endSessionEndpoint,
    URI parEndpoint,
    boolean usePar,
    ClientAuthentication clientAuthentication,
    URI redirectUri,
    String scope,
    String loginPath,
    String callbackPath,
    String logoutPath,
    String backChannelLogoutPath,
    String sessionPath,
    String defaultReturnTo,
    String postLogoutRedirect,
    URI postLogoutRedirectUri,
    Duration stateLifetime,
    Duration clockSkew,
    boolean allowInsecureHttp,
    List<URI> allowedOrigins,
    boolean exposeHeaders,
    boolean alignSessionTimeout,
    Duration refreshWindow,
    long maximumSize,
    List<TokenListener> listeners,
    String managerAttribute,
    Clock clock,
    HttpClient httpClient,
    Consumer<TokenEndpoint.Builder> tokenEndpointOptions,
    Consumer<TokenManager.Builder> tokenManagerOptions) {

  /** Whether the scope asks for an ID token. */
  public boolean openid() {
    for (String s : scope.split(" +")) {
      if (s.equals("openid")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "LoginSettings[issuer=" + issuer + ", clientId=" + clientAuthentication.clientId()
        + "]";
  }
}

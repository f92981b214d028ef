package dev.tokenkeeper.servlet.login.internal;

import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.internal.ClientAuthenticator;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a signed-in web app shares across requests: the provider's metadata, the token
 * endpoint and manager, the ID token checks, the pending authorization requests and the signed-in
 * users. Built at the filter's {@code init}, closed at {@code destroy}. Thread-safe.
 */
public final class LoginRuntime implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LoginRuntime.class.getName());
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  /** Metadata is fetched again after a failure at most this often. */
  static final Duration METADATA_RETRY = Duration.ofSeconds(30);

  private final LoginSettings settings;
  private final HttpClient http;
  private final boolean ownsHttp;
  private final ProviderMetadata configured;
  private volatile ProviderMetadata metadata;
  private volatile Instant metadataFetchedAt;
  private final TokenEndpoint endpoint;
  private final TokenManager manager;
  private final Jwks jwks;
  private final JwtChecks checks;
  private final PendingLogins pending;
  private final SignedInUsers users;
  private final ClientAuthenticator authenticator;

  /**
   * @throws IOException discovery failed, or the issuer in the metadata is not the configured one
   */
  public LoginRuntime(LoginSettings settings) throws IOException {
    this.settings = settings;
    this.ownsHttp = settings.httpClient() == null;
    this.http = ownsHttp ? HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(TIMEOUT).build() : settings.httpClient();
    this.configured = new ProviderMetadata(settings.issuer(), settings.authorizationEndpoint(),
        settings.tokenEndpoint(), settings.jwksUri(), settings.revocationEndpoint(),
        settings.endSessionEndpoint(), settings.parEndpoint(), java.util.List.of());
    try {
      ProviderMetadata m = configured;
      if (settings.discovery()) {
        m = ProviderMetadata.discover(settings.issuer(), http, TIMEOUT).overriddenBy(configured);
      }
      this.metadata = m;
      this.metadataFetchedAt = settings.clock().instant();
      if (settings.openid() && m.jwksUri() == null) {
        throw new IOException("the scope asks for openid, but the provider names no jwks_uri,"
            + " so ID tokens cannot be verified; set jwks-uri");
      }
      TokenEndpoint.Builder eb = TokenEndpoint.builder(m.tokenEndpoint(),
              settings.clientAuthentication())
          .revocationUri(m.revocationEndpoint())
          .allowInsecureHttp(settings.allowInsecureHttp());
      settings.tokenEndpointOptions().accept(eb);
      this.endpoint = eb.build();
    } catch (IOException | RuntimeException e) {
      closeHttp();
      throw e;
    }
    TokenManager.Builder b = TokenManager.builder(endpoint).maximumSize(settings.maximumSize());
    if (settings.refreshWindow() != null) {
      b.refreshWindow(settings.refreshWindow());
    }
    settings.listeners().forEach(b::listener);
    try {
      settings.tokenManagerOptions().accept(b);
      this.manager = b.build();
    } catch (RuntimeException e) {
      endpoint.close();
      closeHttp();
      throw e;
    }
    this.jwks = new Jwks(() -> metadata.jwksUri(), http, settings.clock(), Duration.ofHours(1),
        Duration.ofSeconds(30), TIMEOUT);
    URI issuer = metadata.issuer();
    this.checks = new JwtChecks(jwks, issuer, metadata.idTokenAlgorithms(),
        settings.clientAuthentication().clientId(), settings.clock(), settings.clockSkew(),
        Duration.ofMinutes(10));
    this.pending = new PendingLogins(settings.clock(), settings.stateLifetime(), 100_000);
    this.users = new SignedInUsers(settings.maximumSize());
    this.authenticator = new ClientAuthenticator(settings.clientAuthentication(),
        settings.clock());
  }

  public LoginSettings settings() {
    return settings;
  }

  public ProviderMetadata metadata() {
    return metadata;
  }

  public TokenEndpoint endpoint() {
    return endpoint;
  }

  public TokenManager manager() {
    return manager;
  }

  public JwtChecks checks() {
    return checks;
  }

  public Jwks jwks() {
    return jwks;
  }

  public PendingLogins pending() {
    return pending;
  }

  public SignedInUsers users() {
    return users;
  }

  public HttpClient http() {
    return http;
  }

  ClientAuthenticator authenticator() {
    return authenticator;
  }

  /** The verified claims of the user signed in under {@code key}, or an empty map. */
  public Map<String, Object> claims(String key) {
    var user = users.get(key);
    return user == null ? Map.of() : user.claims();
  }

  /** The key's signed-in user. */
  public Optional<dev.tokenkeeper.servlet.login.SignedInUser> user(String key) {
    return Optional.ofNullable(users.get(key));
  }

  /** Forgets a key: its user and its tokens (not revoked). */
  public void forget(String key) {
    users.remove(key);
    manager.invalidate(key);
  }

  /**
   * Fetches the metadata again after something failed that stale metadata could explain (an
   * endpoint that moved, new signing keys under a new {@code jwks_uri}); at most once per
   * 30 seconds. The token endpoint stays the one of {@code init}.
   */
  public void refreshMetadataAfterFailure() {
    if (!settings.discovery()) {
      return;
    }
    Instant now = settings.clock().instant();
    if (now.isBefore(metadataFetchedAt.plus(METADATA_RETRY))) {
      return;
    }
    metadataFetchedAt = now;
    try {
      ProviderMetadata m = ProviderMetadata.discover(settings.issuer(), http, TIMEOUT)
          .overriddenBy(configured);
      metadata = m;
      checks.update(m.issuer(), m.idTokenAlgorithms());
    } catch (IOException e) {
      LOG.log(Level.WARNING, "provider metadata could not be fetched again: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      manager.close();
    } finally {
      endpoint.close();
      closeHttp();
    }
  }

  private void closeHttp() {
    if (ownsHttp && http instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        // Java 21+: nothing useful to do
      }
    }
  }
}

package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.Ticker;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.internal.Loopback;
import dev.tokenkeeper.servlet.TokenFilterConfig;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import java.util.List;
import java.util.function.Function;

/**
 * Reads {@code TokenFilter}'s {@code web.xml} init-params into a {@link TokenManager} and a
 * {@link TokenFilterConfig}: checks every init-param first (through one {@link ParamReader}, by
 * {@link EndpointParams}, {@link GrantParams}, {@link ManagerParams}, {@link FilterParams} and
 * {@link StoreParams}), then builds. Every error names the init-param and the expected form, and
 * never contains a secret's value. Not thread-safe; one use per {@code init}.
 */
public final class InitParams {
  /** Every init-param, in the order of CONFIGURATION.md. */
  public static final List<String> NAMES = List.of(
      "token-endpoint", "revocation-endpoint", "allow-insecure-http",
      "dialect", "connect-timeout", "request-timeout", "max-response-bytes",
      "default-expires-in",
      "client-id", "client-authentication",
      "client-secret-env", "client-secret-file", "client-secret",
      "private-key-file", "key-id",
      "grant", "username", "password-env", "password-file", "password",
      "assertion-env", "assertion-file", "assertion",
      "scope", "access-token-ttl", "refresh-token-ttl",
      "refresh-window", "expiry-margin", "maximum-size",
      "failure-cool-down", "rejection-interval",
      "retry-max-attempts", "retry-initial-delay", "retry-max-delay", "retry-max-elapsed",
      "token-budget", "token-budget-per-key", "token-budget-max-wait", "token-budget-max-queued",
      "token-budget-spread",
      "endpoint-id", "allowed-origins",
      "expose-headers", "align-session-timeout", "session-ended", "listener", "record-stats",
      "session-ending-warning",
      "store", "store-encryption-keys-env", "store-encryption-keys-file", "store-plaintext",
      "store-namespace", "store-lease", "store-reconnect-delay", "store-require-at-start",
      "manager-attribute");

  /** The default {@code manager-attribute}. */
  public static final String DEFAULT_MANAGER_ATTRIBUTE = FilterParams.DEFAULT_MANAGER_ATTRIBUTE;

  /** The outcome: the configuration, and the manager and endpoint the filter built and must close. */
  public record Parsed(TokenFilterConfig config, TokenManager manager, TokenEndpoint endpoint,
      String managerAttribute, TokenStore store) {

    /**
     * Closes the manager, then its endpoint (which fails what is still in flight), then the
     * shared store when the filter built one.
     */
    public void close() {
      try {
        manager.close();
      } finally {
        try {
          endpoint.close();
        } finally {
          if (store != null) {
            store.close();
          }
        }
      }
    }
  }

  private InitParams() {}

  /**
   * Reads the init-params of {@code filterConfig}, resolving {@code ${name}} placeholders from the
   * context-params, then {@code systemProperties}, then {@code environment}.
   *
   * @param environment looks up environment variables ({@code System::getenv})
   * @param systemProperties looks up Java system properties ({@code System::getProperty})
   * @throws ServletException an init-param is missing, malformed or conflicts with another, or a
   *     placeholder cannot be resolved
   */
  public static Parsed parse(FilterConfig filterConfig, Function<String, String> environment,
      Function<String, String> systemProperties) throws ServletException {
    return parse(filterConfig, environment, systemProperties, null);
  }

  /**
   * As {@link #parse(FilterConfig, Function, Function)}, with the manager on {@code ticker}
   * ({@code null}: the system's), so that tests drive the timing init-params without waiting.
   */
  public static Parsed parse(FilterConfig filterConfig, Function<String, String> environment,
      Function<String, String> systemProperties, Ticker ticker) throws ServletException {
    ParamReader p = ParamReader.of("TokenFilter", filterConfig, NAMES, environment,
        systemProperties);
    EndpointParams endpointParams = EndpointParams.read(p);
    Function<String, TokenRequest> request = GrantParams.read(p, endpointParams.dialect);
    ManagerParams managerParams = ManagerParams.read(p);
    Long maximumSize = p.has("maximum-size")
        ? p.positiveLong("maximum-size", 1, "a positive whole number of keys") : null;
    List<TokenListener> listeners = Instances.listeners(p, "listener");
    FilterParams filterParams = FilterParams.read(p);
    StoreParams.Settings storeSettings = StoreParams.read(p, environment);

    TokenStore store = storeSettings == null ? null : storeSettings.open(p);
    TokenEndpoint endpoint = null;
    TokenManager manager;
    try {
      endpoint = endpointParams.build();
      TokenManager.Builder builder = TokenManager.builder(endpoint);
      managerParams.accept(builder);
      if (maximumSize != null) {
        builder.maximumSize(maximumSize);
      }
      listeners.forEach(builder::listener);
      if (request != null) {
        builder.primaryRequest(request);
      }
      if (store != null) {
        builder.store(store);
      }
      if (ticker != null) {
        builder.ticker(ticker);
      }
      manager = builder.build();
    } catch (RuntimeException e) {
      if (endpoint != null) {
        endpoint.close();
      }
      if (store != null) {
        store.close();
      }
      throw new ServletException(p.owner() + ": the init-params do not make a valid token"
          + " manager: " + WebXmlHints.forWebXml(e.getMessage()), e);
    }
    return new Parsed(filterParams.config(manager), manager, endpoint,
        filterParams.managerAttribute, store);
  }

  static boolean isLoopback(String host) {
    return Loopback.isLoopback(host);
  }
}

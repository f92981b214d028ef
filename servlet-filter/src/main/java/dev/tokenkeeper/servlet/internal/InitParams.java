package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.RetryPolicy;
import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenListener;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenRequest;
import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.internal.Loopback;
import dev.tokenkeeper.servlet.EndpointIdResolver;
import dev.tokenkeeper.servlet.SessionEndedPolicy;
import dev.tokenkeeper.servlet.TokenFilterConfig;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import java.lang.System.Logger.Level;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reads {@code TokenFilter}'s {@code web.xml} init-params into a {@link TokenManager} and a
 * {@link TokenFilterConfig}. Every error names the init-param and the expected form, and never
 * contains a secret's value. Not thread-safe; one instance per {@code init}.
 */
public final class InitParams {
  private static final System.Logger LOG = System.getLogger(InitParams.class.getName());

  /** Every init-param, in the order of CONFIGURATION.md. */
  public static final List<String> NAMES = List.of(
      "token-endpoint", "revocation-endpoint", "allow-insecure-http",
      "dialect", "connect-timeout", "request-timeout", "max-response-bytes",
      "client-id", "client-authentication",
      "client-secret-env", "client-secret-file", "client-secret",
      "private-key-file", "key-id",
      "grant", "username", "password-env", "password-file", "password",
      "assertion-env", "assertion-file", "assertion",
      "scope", "refresh-window", "maximum-size",
      "retry-max-attempts", "retry-initial-delay", "retry-max-delay", "retry-max-elapsed",
      "token-budget", "token-budget-per-key", "token-budget-max-wait", "token-budget-max-queued",
      "token-budget-spread",
      "endpoint-id", "allowed-origins",
      "expose-headers", "align-session-timeout", "session-ended", "listener",
      "session-ending-warning",
      "store", "store-encryption-keys-env", "store-encryption-keys-file", "store-plaintext",
      "store-namespace", "store-lease",
      "manager-attribute");

  /** The default {@code manager-attribute}. */
  public static final String DEFAULT_MANAGER_ATTRIBUTE = "dev.tokenkeeper.TokenManager";

  private static final Pattern LIST_SEPARATOR = Pattern.compile("[,\\s]+");
  private static final String URL_FORM = "an absolute https URL such as"
      + " https://platform.example.com/restapi/oauth/token (http only for localhost, 127.0.0.1"
      + " or [::1])";

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

  private final FilterConfig filterConfig;
  private final Function<String, String> environment;
  private final Function<String, String> systemProperties;
  private final String filterName;
  // The init-params after placeholder resolution; a value that came out blank is left out.
  private final Map<String, String> values = new LinkedHashMap<>();
  // For each init-param that held placeholders: where they came from (names, never values).
  private final Map<String, String> origins = new LinkedHashMap<>();

  private InitParams(FilterConfig filterConfig, Function<String, String> environment,
      Function<String, String> systemProperties) {
    this.filterConfig = filterConfig;
    this.environment = environment;
    this.systemProperties = systemProperties;
    this.filterName = filterConfig.getFilterName();
  }

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
    return new InitParams(filterConfig, environment, systemProperties).parse();
  }

  private Parsed parse() throws ServletException {
    for (String name : Collections.list(filterConfig.getInitParameterNames())) {
      if (!NAMES.contains(name)) {
        throw new ServletException(prefix() + "unknown init-param " + name
            + "; expected one of " + String.join(", ", NAMES)
            + " (see CONFIGURATION.md)");
      }
    }
    resolvePlaceholders();

    boolean allowInsecureHttp = bool("allow-insecure-http");
    URI tokenUri = endpointUri("token-endpoint", true, allowInsecureHttp);
    URI revocationUri = endpointUri("revocation-endpoint", false, allowInsecureHttp);
    Dialect dialect = dialect();
    Duration connectTimeout = positiveDuration("connect-timeout");
    Duration requestTimeout = positiveDuration("request-timeout");
    Integer maxResponseBytes = maxResponseBytes();
    ClientAuthentication authentication = clientAuthentication();
    Supplier<Grant> grant = grant();
    String scope = get("scope");
    EndpointIdResolver resolver = endpointIdResolver();
    Duration refreshWindow = duration("refresh-window");
    Duration endingWarning = duration("session-ending-warning");
    Long maximumSize = maximumSize();
    RetryPolicy retryPolicy = retryPolicy();
    TokenBudget budget = tokenBudget();
    List<URI> origins = allowedOrigins();
    boolean exposeHeaders = bool("expose-headers");
    boolean align = bool("align-session-timeout");
    SessionEndedPolicy policy = sessionEndedPolicy();
    List<TokenListener> listeners = listeners();
    String managerAttribute = get("manager-attribute");
    if (managerAttribute == null) {
      managerAttribute = DEFAULT_MANAGER_ATTRIBUTE;
    }

    TokenStore store = store();
    TokenManager manager;
    TokenEndpoint endpoint = null;
    try {
      TokenEndpoint.Builder endpointBuilder = TokenEndpoint.builder(tokenUri, authentication)
          .revocationUri(revocationUri)
          .allowInsecureHttp(allowInsecureHttp)
          .dialect(dialect);
      if (connectTimeout != null) {
        endpointBuilder.connectTimeout(connectTimeout);
      }
      if (requestTimeout != null) {
        endpointBuilder.requestTimeout(requestTimeout);
      }
      if (maxResponseBytes != null) {
        endpointBuilder.maxResponseBytes(maxResponseBytes);
      }
      if (budget != null) {
        // token-budget=none: no budget, even the one the dialect brings.
        endpointBuilder.budget(budget == NO_BUDGET ? null : budget);
      }
      endpoint = endpointBuilder.build();
      TokenManager.Builder builder = TokenManager.builder(endpoint).retryPolicy(retryPolicy);
      if (grant != null) {
        // The dialect decides whether (and how) the key is sent as endpoint_id.
        builder.primaryRequest(key -> TokenRequest.builder(grant.get()).scope(scope)
            .endpointId(dialect.endpointIdFor(key).orElse(null)).build());
      }
      if (refreshWindow != null) {
        builder.refreshWindow(refreshWindow);
      }
      if (endingWarning != null) {
        builder.sessionEndingWarning(endingWarning);
      }
      if (maximumSize != null) {
        builder.maximumSize(maximumSize);
      }
      listeners.forEach(builder::listener);
      if (store != null) {
        builder.store(store);
      }
      manager = builder.build();
    } catch (RuntimeException e) {
      if (endpoint != null) {
        endpoint.close();
      }
      if (store != null) {
        store.close();
      }
      throw new ServletException(prefix() + "the init-params do not make a valid token manager: "
          + forWebXml(e.getMessage()), e);
    }
    TokenFilterConfig config = TokenFilterConfig.builder(manager, resolver)
        .allowedOrigins(origins)
        .exposeHeaders(exposeHeaders)
        .alignSessionTimeout(align)
        .sessionEndedPolicy(policy)
        .build();
    return new Parsed(config, manager, endpoint, managerAttribute, store);
  }

  // ---- the shared store ------------------------------------------------------------------

  /** The Redis store of init-param {@code store}, or {@code null} when it is not set. */
  private TokenStore store() throws ServletException {
    String uri = get("store");
    for (String dependent : List.of("store-encryption-keys-env", "store-encryption-keys-file",
        "store-plaintext", "store-namespace", "store-lease")) {
      if (uri == null && get(dependent) != null) {
        throw error(dependent, "is set without init-param store", "store=redis://host:6379 (or"
            + " rediss://, redis-sentinel://, redis-cluster://) to share tokens with other"
            + " instances; or remove " + dependent);
      }
    }
    if (uri == null) {
      return null;
    }
    String envName = get("store-encryption-keys-env");
    String file = get("store-encryption-keys-file");
    boolean plaintext = bool("store-plaintext");
    int given = (envName != null ? 1 : 0) + (file != null ? 1 : 0) + (plaintext ? 1 : 0);
    String form = "exactly one of store-encryption-keys-env (an environment variable's name),"
        + " store-encryption-keys-file (a file's path), each holding base64 AES-256 keys, the"
        + " current one first (generate one with: openssl rand -base64 32), or"
        + " store-plaintext=true (tokens readable in Redis; development only)";
    if (given != 1) {
      throw error("store-encryption-keys-env", given == 0 ? "is missing" : "and its"
          + " alternatives are set " + given + " times", form);
    }
    String keys = null;
    if (envName != null) {
      keys = environment.apply(envName);
      if (keys == null || keys.isBlank()) {
        throw error("store-encryption-keys-env", "names the environment variable " + envName
            + ", which is not set or is empty", form);
      }
    } else if (file != null) {
      keys = SecretFiles.read(file, message -> error("store-encryption-keys-file", message,
          SecretFiles.FORM + " holding base64 AES-256 keys"));
    }
    Duration lease = duration("store-lease");
    try {
      return StoreParams.redis(uri, keys, get("store-namespace"), lease);
    } catch (NoClassDefFoundError e) {
      throw error("store", "needs the module tokenkeeper-redis, which is not on the class path",
          "dev.tokenkeeper:tokenkeeper-redis in the application's dependencies (WEB-INF/lib)");
    } catch (IllegalArgumentException | IllegalStateException e) {
      // The builder's messages name the URI without its password, and keys by position only.
      throw error("store", "is not usable: " + e.getMessage(), "redis://[user:password@]host:port,"
          + " rediss://..., redis-sentinel://host:26379#master or redis-cluster://h1:p1,h2:p2");
    } catch (RuntimeException e) {
      throw new ServletException(prefix() + "init-param store: Redis could not be reached ("
          + e.getClass().getSimpleName() + "); check that it runs and that the URI is right",
          e);
    }
  }

  // ---- the provider ----------------------------------------------------------------------

  private URI endpointUri(String name, boolean required, boolean allowInsecureHttp)
      throws ServletException {
    String value = get(name);
    if (value == null) {
      if (required) {
        throw missing(name, URL_FORM);
      }
      return null;
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw error(name, "is not a valid URL (" + e.getReason() + ")", URL_FORM);
    }
    if (uri.getRawUserInfo() != null) {
      // Not echoed: user info may hold a password.
      throw error(name, "carries user info (user:password@)",
          URL_FORM + "; the client authenticates with client-authentication, not in the URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.getHost() == null
        || !(scheme.equals("https") || scheme.equals("http"))) {
      throw error(name, "is \"" + value + "\", not an absolute http(s) URL", URL_FORM);
    }
    if (uri.getRawFragment() != null) {
      throw error(name, "has a fragment (#...)", URL_FORM + " without a fragment");
    }
    if (scheme.equals("http") && !allowInsecureHttp && !isLoopback(uri.getHost())) {
      throw error(name, "uses http to " + uri.getHost()
          + ", so secrets and tokens would cross the network in clear text (" + Loopback.RULE
          + ")", URL_FORM + "; or, only on a network you trust, allow-insecure-http=true");
    }
    return uri;
  }

  static boolean isLoopback(String host) {
    return Loopback.isLoopback(host);
  }

  // ---- the client ------------------------------------------------------------------------

  private ClientAuthentication clientAuthentication() throws ServletException {
    String clientId = get("client-id");
    if (clientId == null) {
      throw missing("client-id", "the client_id the provider gave your application");
    }
    String method = get("client-authentication");
    if (method == null) {
      method = "client_secret_basic";
    }
    String methods = "one of client_secret_basic, client_secret_post, client_secret_jwt,"
        + " private_key_jwt, none";
    try {
      switch (method) {
        case "client_secret_basic":
        case "client_secret_post":
        case "client_secret_jwt": {
          notWith(method, "client-authentication", "private-key-file", "key-id");
          String secret = secret("client-secret", "the client secret");
          return method.equals("client_secret_basic")
              ? ClientAuthentication.basic(clientId, secret)
              : method.equals("client_secret_post")
                  ? ClientAuthentication.post(clientId, secret)
                  : ClientAuthentication.secretJwt(clientId, secret);
        }
        case "private_key_jwt": {
          notWith(method, "client-authentication",
              "client-secret-env", "client-secret-file", "client-secret");
          String path = get("private-key-file");
          if (path == null) {
            throw missing("private-key-file", PemKeys.FORM + " (required by client-authentication"
                + " private_key_jwt)");
          }
          PrivateKey key = PemKeys.read(path, message -> error("private-key-file", message,
              PemKeys.FORM));
          return ClientAuthentication.privateKeyJwt(clientId, key, get("key-id"));
        }
        case "none":
          notWith(method, "client-authentication", "client-secret-env", "client-secret-file",
              "client-secret", "private-key-file", "key-id");
          return ClientAuthentication.none(clientId);
        default:
          throw error("client-authentication", "is \"" + method + "\"", methods);
      }
    } catch (IllegalArgumentException e) {
      throw new ServletException(prefix() + "init-params client-id / client-authentication: "
          + e.getMessage(), e);
    }
  }

  // ---- the grant -------------------------------------------------------------------------

  /** The primary grant, or {@code null} for {@code grant} = {@code none}. */
  private Supplier<Grant> grant() throws ServletException {
    String grant = get("grant");
    if (grant == null) {
      grant = "client_credentials";
    }
    String[] passwordParams = {"username", "password-env", "password-file", "password"};
    String[] assertionParams = {"assertion-env", "assertion-file", "assertion"};
    switch (grant) {
      case "client_credentials": {
        notWith(grant, "grant", passwordParams);
        notWith(grant, "grant", assertionParams);
        Grant g = Grant.clientCredentials();
        return () -> g;
      }
      case "password": {
        notWith(grant, "grant", assertionParams);
        String username = get("username");
        if (username == null) {
          throw missing("username", "the resource owner's user name (required by grant=password)");
        }
        Grant g = wrap("username", () -> Grant.password(username, secret("password",
            "the resource owner's password")));
        return () -> g;
      }
      case "jwt-bearer": {
        notWith(grant, "grant", passwordParams);
        String file = get("assertion-file");
        if (file != null && get("assertion-env") == null && get("assertion") == null) {
          // Read again at every token request: assertions are short-lived and get rotated.
          SecretFiles.read(file, message -> error("assertion-file", message,
              SecretFiles.FORM + " with the JWT assertion"));
          return () -> Grant.jwtBearer(SecretFiles.read(file, message -> new IllegalStateException(
              "TokenFilter '" + filterName + "': init-param assertion-file " + message)));
        }
        Grant g = wrap("assertion-env", () -> Grant.jwtBearer(secret("assertion",
            "the JWT assertion (RFC 7523)")));
        return () -> g;
      }
      case "none":
        notWith(grant, "grant", passwordParams);
        notWith(grant, "grant", assertionParams);
        return null;
      default:
        throw error("grant", "is \"" + grant + "\"",
            "one of client_credentials, password, jwt-bearer, none");
    }
  }

  private interface GrantMaker {
    Grant make() throws ServletException;
  }

  private Grant wrap(String name, GrantMaker maker) throws ServletException {
    try {
      return maker.make();
    } catch (IllegalArgumentException e) {
      throw new ServletException(prefix() + "init-param " + name + ": " + e.getMessage(), e);
    }
  }

  /** Fails when one of {@code names} is set although {@code param} = {@code value} ignores it. */
  private void notWith(String value, String param, String... names) throws ServletException {
    for (String name : names) {
      if (get(name) != null) {
        throw error(name, "is set, but " + param + " is " + value + ", which does not use it",
            "no " + name + " with " + param + "=" + value + " (remove it, or change " + param
                + ")");
      }
    }
  }

  /**
   * One secret from exactly one of {@code base-env}, {@code base-file} and {@code base} (plain,
   * with a warning). Error messages name the variable or the file, never the value.
   */
  private String secret(String base, String what) throws ServletException {
    String envName = get(base + "-env");
    String file = get(base + "-file");
    String plain = get(base);
    int given = (envName != null ? 1 : 0) + (file != null ? 1 : 0) + (plain != null ? 1 : 0);
    String form = "exactly one of " + base + "-env (an environment variable's name), " + base
        + "-file (a file's path) or " + base + " (plain text, discouraged) holding " + what;
    if (given == 0) {
      throw missing(base + "-env", form);
    }
    if (given > 1) {
      throw error(base + "-env", "and its alternatives are set " + given + " times", form);
    }
    if (envName != null) {
      String value = environment.apply(envName);
      if (value == null || value.isBlank()) {
        throw error(base + "-env", "names the environment variable " + envName
            + ", which is not set or is empty", "the name of a set environment variable holding "
            + what);
      }
      return value.strip();
    }
    if (file != null) {
      return SecretFiles.read(file, message -> error(base + "-file", message,
          SecretFiles.FORM + " holding " + what));
    }
    String from = origins.get(base);
    if (from == null) {
      LOG.log(Level.WARNING, "TokenFilter ''{0}'': init-param {1} holds {2} in plain text in"
          + " web.xml; use {1}-env or {1}-file instead", filterName, base, what);
    } else {
      // A context-param is web.xml text too, and a system property shows in the process list.
      LOG.log(Level.WARNING, "TokenFilter ''{0}'': init-param {1} takes {2} from placeholders"
          + " ({3}); prefer {1}-env or {1}-file, which keep it out of web.xml and the command"
          + " line", filterName, base, what, from);
    }
    return plain;
  }

  // ---- keys, timing, origins, policy -----------------------------------------------------

  private EndpointIdResolver endpointIdResolver() throws ServletException {
    String form = "fixed:VALUE, session:ATTRIBUTE, principal, class:FQCN (an EndpointIdResolver)"
        + " or trusted-header:NAME (only behind a gateway that sets the header and strips it from"
        + " client requests)";
    String value = get("endpoint-id");
    if (value == null) {
      throw missing("endpoint-id", form);
    }
    int colon = value.indexOf(':');
    String kind = colon < 0 ? value : value.substring(0, colon);
    String argument = colon < 0 ? null : value.substring(colon + 1).strip();
    if (kind.equals("principal") && argument == null) {
      return EndpointIdResolver.principal();
    }
    if (argument == null || argument.isEmpty()) {
      throw error("endpoint-id", "is \"" + value + "\"", form);
    }
    switch (kind) {
      case "fixed":
        try {
          return EndpointIdResolver.fixed(argument);
        } catch (IllegalArgumentException e) {
          throw error("endpoint-id", "is fixed: with a value that breaks the key rule ("
              + argument.length() + " characters)", "fixed:VALUE with VALUE of 1 to "
              + TokenManager.MAX_KEY_LENGTH + " characters without control characters");
        }
      case "header":
        // The value is a header name from web.xml, not a secret.
        throw new ServletException(prefix() + "init-param endpoint-id is header:" + argument
            + ", which would let any client choose whose token the server uses: a signed-in user"
            + " sending " + argument + ": alice would act with alice's token, and every value a"
            + " client invents would cost a token request. Bind keys to the user instead with"
            + " session:ATTRIBUTE (set by your login), principal or class:FQCN; or, only when a"
            + " gateway in front of this application sets " + argument + " itself and strips it"
            + " from client requests, say so with trusted-header:" + argument
            + " (see CONFIGURATION.md, \"Which key a request uses\")");
      case "trusted-header":
        return EndpointIdResolver.trustedHeader(argument);
      case "session":
        return EndpointIdResolver.sessionAttribute(argument);
      case "class":
        return instantiate("endpoint-id", argument, EndpointIdResolver.class);
      default:
        throw error("endpoint-id", "is \"" + value + "\"", form);
    }
  }

  private Duration duration(String name) throws ServletException {
    String value = get(name);
    if (value == null) {
      return null;
    }
    String form = "whole seconds (120) or an ISO-8601 duration (PT2M), zero or more";
    Duration window;
    try {
      window = value.matches("-?\\d+") ? Duration.ofSeconds(Long.parseLong(value))
          : Duration.parse(value);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw error(name, "is \"" + value + "\"", form);
    }
    if (window.isNegative()) {
      throw error(name, "is negative (" + value + ")", form);
    }
    return window;
  }

  private Duration positiveDuration(String name) throws ServletException {
    Duration d = duration(name);
    if (d != null && d.isZero()) {
      throw error(name, "is zero", "a positive duration: whole seconds (10) or an ISO-8601"
          + " duration (PT10S, PT0.5S)");
    }
    return d;
  }

  private Integer maxResponseBytes() throws ServletException {
    String value = get("max-response-bytes");
    if (value == null) {
      return null;
    }
    String form = "a positive number of bytes, optionally with the suffix KiB or MiB (262144,"
        + " 256KiB, 1MiB), at most 2GiB - 1";
    java.util.regex.Matcher m = Pattern.compile("(\\d{1,10})\\s*(KiB|MiB)?").matcher(value);
    if (!m.matches()) {
      throw error("max-response-bytes", "is \"" + value + "\"", form);
    }
    long bytes = Long.parseLong(m.group(1))
        * (m.group(2) == null ? 1 : m.group(2).equals("KiB") ? 1024 : 1024 * 1024);
    if (bytes < 1 || bytes > Integer.MAX_VALUE) {
      throw error("max-response-bytes", "is \"" + value + "\"", form);
    }
    return (int) bytes;
  }

  /** The endpoint's dialect: a comma-separated list, applied in order. */
  private Dialect dialect() throws ServletException {
    String value = get("dialect");
    if (value == null) {
      return Dialect.standard();
    }
    String form = "a comma-separated list of standard (RFC 6749; the key is not sent),"
        + " ringcentral (the key sent as endpoint_id), ringcentral-legacy (ringcentral, and"
        + " access_token_ttl clamped to 600..3600 s) and scope-required (scope required for"
        + " client_credentials)";
    Dialect dialect = null;
    for (String item : LIST_SEPARATOR.split(value)) {
      Dialect next;
      switch (item.toLowerCase(Locale.ROOT)) {
        case "":
          continue;
        case "standard":
          next = Dialect.standard();
          break;
        case "ringcentral":
          next = Dialect.ringCentral();
          break;
        case "ringcentral-legacy":
          next = Dialect.ringCentralLegacy();
          break;
        case "scope-required":
          next = Dialect.clientCredentialsRequireScope();
          break;
        default:
          throw error("dialect", "holds \"" + item + "\"", form);
      }
      dialect = dialect == null ? next : dialect.andThen(next);
    }
    return dialect == null ? Dialect.standard() : dialect;
  }

  /** {@link RetryPolicy#DEFAULT} with the retry-* init-params that are set. */
  private RetryPolicy retryPolicy() throws ServletException {
    RetryPolicy d = RetryPolicy.DEFAULT;
    int attempts = d.maxAttempts();
    String value = get("retry-max-attempts");
    if (value != null) {
      try {
        attempts = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        attempts = 0;
      }
      if (attempts < 1) {
        throw error("retry-max-attempts", "is \"" + value + "\"", "a whole number of attempts,"
            + " the first included, at least 1 (1 disables retries)");
      }
    }
    Duration initial = orDefault(duration("retry-initial-delay"), d.initialDelay());
    Duration max = orDefault(duration("retry-max-delay"), d.maxDelay());
    Duration elapsed = orDefault(duration("retry-max-elapsed"), d.maxElapsed());
    if (max.compareTo(initial) < 0) {
      String which = get("retry-max-delay") != null ? "retry-max-delay" : "retry-initial-delay";
      throw error(which, "makes retry-max-delay (" + max + ") shorter than retry-initial-delay ("
          + initial + ")", "retry-max-delay at least retry-initial-delay (defaults "
          + d.initialDelay() + " and " + d.maxDelay() + ")");
    }
    return new RetryPolicy(attempts, initial, max, elapsed);
  }

  private static Duration orDefault(Duration value, Duration fallback) {
    return value != null ? value : fallback;
  }

  /**
   * {@code message} with the builder methods a {@code web.xml} user cannot reach replaced by the
   * init-params that set the same thing.
   */
  public static String forWebXml(String message) {
    if (message == null) {
      return null;
    }
    String m = message;
    for (String[] hint : WEB_XML_HINTS) {
      m = m.replace(hint[0], hint[1]);
    }
    return m;
  }

  private static final String[][] WEB_XML_HINTS = {
      {"TokenManager.Builder.retryPolicy", "the init-params retry-max-attempts,"
          + " retry-initial-delay, retry-max-delay and retry-max-elapsed"},
      {"TokenEndpoint.Builder.maxResponseBytes", "init-param max-response-bytes"},
      {"TokenEndpoint.Builder.connectTimeout", "init-param connect-timeout"},
      {"TokenEndpoint.Builder.requestTimeout", "init-param request-timeout"},
      {"TokenEndpoint.Builder.allowInsecureHttp(true)", "init-param allow-insecure-http=true"},
      {"TokenEndpoint.Builder.revocationUri", "init-param revocation-endpoint"},
      {"TokenManager.Builder.primaryGrant", "init-param grant"},
      {"TokenRequest.Builder.scope", "init-param scope"},
  };

  private Long maximumSize() throws ServletException {
    String value = get("maximum-size");
    if (value == null) {
      return null;
    }
    try {
      long size = Long.parseLong(value);
      if (size > 0) {
        return size;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw error("maximum-size", "is \"" + value + "\"", "a positive whole number of keys");
  }

  /** {@code token-budget=none}: no budget, not even the one the dialect brings. */
  private static final TokenBudget NO_BUDGET = TokenBudget.of(TokenBudget.MAX_REQUESTS,
      java.time.Duration.ofSeconds(1));

  /**
   * The token-endpoint budget; {@code null} when {@code token-budget} is absent (the dialect's
   * budget applies, if it brings one); {@link #NO_BUDGET} for {@code none}.
   */
  private TokenBudget tokenBudget() throws ServletException {
    String rate = get("token-budget");
    String rateForm = "REQUESTS/WINDOW such as 5/60s (RingCentral's Auth limit), 50/1s or 5/min;"
        + " window in ms, s, m, h or ISO-8601; or none";
    boolean none = rate != null && rate.equalsIgnoreCase("none");
    if (rate == null || none) {
      for (String name : List.of("token-budget-per-key", "token-budget-max-wait",
          "token-budget-max-queued", "token-budget-spread")) {
        if (get(name) != null) {
          throw error(name, "is set without token-budget, the limit it refines",
              "token-budget too (" + rateForm + "), or no " + name);
        }
      }
      return none ? NO_BUDGET : null;
    }
    TokenBudget budget;
    try {
      budget = TokenBudget.parse(rate);
    } catch (IllegalArgumentException e) {
      throw error("token-budget", "is \"" + rate + "\" (" + e.getMessage() + ")", rateForm);
    }
    String perKey = get("token-budget-per-key");
    if (perKey != null) {
      try {
        budget = budget.withPerKey(TokenBudget.parse(perKey));
      } catch (IllegalArgumentException e) {
        throw error("token-budget-per-key", "is \"" + perKey + "\" (" + e.getMessage() + ")",
            rateForm + ", for one key (endpoint_id)");
      }
    }
    Duration maxWait = duration("token-budget-max-wait");
    if (maxWait != null) {
      budget = budget.withMaxWait(maxWait);
    }
    String queued = get("token-budget-max-queued");
    if (queued != null) {
      int max = -1;
      try {
        max = Integer.parseInt(queued);
      } catch (NumberFormatException e) {
        // reported below
      }
      if (max < 0) {
        throw error("token-budget-max-queued", "is \"" + queued + "\"",
            "a whole number of queued requests, 0 or more (default "
                + TokenBudget.DEFAULT_MAX_QUEUED_KEYS + ")");
      }
      budget = budget.withMaxQueuedKeys(max);
    }
    String spread = get("token-budget-spread");
    if (spread != null) {
      String spreadForm = "a percentage of the refresh window from 0% to 50%, such as 20%";
      double fraction;
      try {
        fraction = spread.endsWith("%")
            ? Double.parseDouble(spread.substring(0, spread.length() - 1).strip()) / 100
            : Double.NaN;
      } catch (NumberFormatException e) {
        fraction = Double.NaN;
      }
      if (!(fraction >= 0 && fraction <= 0.5)) {
        throw error("token-budget-spread", "is \"" + spread + "\"", spreadForm);
      }
      budget = budget.withSpread(fraction);
    }
    return budget;
  }

  private List<URI> allowedOrigins() throws ServletException {
    String value = get("allowed-origins");
    List<URI> origins = new ArrayList<>();
    if (value == null) {
      return origins;
    }
    String form = "comma-separated origins such as https://api.example.com,"
        + " https://media.example.com:8443";
    for (String item : LIST_SEPARATOR.split(value)) {
      if (item.isEmpty()) {
        continue;
      }
      try {
        origins.add(Origins.check(new URI(item)));
      } catch (URISyntaxException e) {
        throw error("allowed-origins", "holds an invalid URI (" + e.getReason() + ")", form);
      } catch (IllegalArgumentException e) {
        throw error("allowed-origins", "is wrong: " + e.getMessage(), form);
      }
    }
    return origins;
  }

  private boolean bool(String name) throws ServletException {
    String value = get(name);
    if (value == null) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw error(name, "is \"" + value + "\"", "true or false");
  }

  private SessionEndedPolicy sessionEndedPolicy() throws ServletException {
    String value = get("session-ended");
    String form = "401, redirect:URL (an absolute URL or a path starting with /) or pass-through";
    if (value == null || value.equals("401")) {
      return SessionEndedPolicy.unauthorized();
    }
    if (value.equals("pass-through")) {
      return SessionEndedPolicy.passThrough();
    }
    if (value.startsWith("redirect:")) {
      try {
        return SessionEndedPolicy.redirect(value.substring("redirect:".length()).strip());
      } catch (IllegalArgumentException e) {
        throw error("session-ended", "is wrong: " + e.getMessage(), form);
      }
    }
    throw error("session-ended", "is \"" + value + "\"", form);
  }

  private List<TokenListener> listeners() throws ServletException {
    String value = get("listener");
    List<TokenListener> listeners = new ArrayList<>();
    if (value != null) {
      for (String entry : LIST_SEPARATOR.split(value)) {
        if (entry.isEmpty()) {
          continue;
        }
        if (entry.startsWith("attribute:")) {
          listeners.add(listenerAttribute(entry.substring("attribute:".length())));
        } else {
          String className = entry.startsWith("class:") ? entry.substring("class:".length()) : entry;
          listeners.add(instantiate("listener", className, TokenListener.class));
        }
      }
    }
    return listeners;
  }

  /** A listener instance the application published as a ServletContext attribute. */
  private TokenListener listenerAttribute(String attribute) throws ServletException {
    String form = "attribute:NAME naming a ServletContext attribute that holds a "
        + TokenListener.class.getName() + ", set before filters start (in a"
        + " ServletContextListener's contextInitialized, or by the code that builds the context)";
    if (attribute.isEmpty()) {
      throw error("listener", "has an entry attribute: without a name", form);
    }
    Object value = filterConfig.getServletContext().getAttribute(attribute);
    if (value == null) {
      throw error("listener", "names the ServletContext attribute " + attribute
          + ", which is not set", form);
    }
    if (!(value instanceof TokenListener listener)) {
      throw error("listener", "names the ServletContext attribute " + attribute
          + ", which holds a " + value.getClass().getName() + ", not a "
          + TokenListener.class.getName(), form);
    }
    return listener;
  }

  private <T> T instantiate(String param, String className, Class<T> type)
      throws ServletException {
    String form = "the name of a public class implementing " + type.getName()
        + " with a public no-arg constructor";
    Class<?> cls;
    try {
      cls = Class.forName(className, true, classLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw error(param, "names the class " + className + ", which cannot be loaded ("
          + e.getClass().getSimpleName() + ")", form);
    }
    if (!type.isAssignableFrom(cls)) {
      throw error(param, "names the class " + className + ", which does not implement "
          + type.getName(), form);
    }
    try {
      return type.cast(cls.getConstructor().newInstance());
    } catch (NoSuchMethodException e) {
      throw error(param, "names the class " + className + ", which has no public no-arg"
          + " constructor", form);
    } catch (InvocationTargetException e) {
      throw new ServletException(prefix() + "init-param " + param + ": the constructor of "
          + className + " failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw error(param, "names the class " + className + ", which cannot be instantiated ("
          + e.getClass().getSimpleName() + ")", form);
    }
  }

  private ClassLoader classLoader() {
    try {
      ClassLoader loader = filterConfig.getServletContext().getClassLoader();
      if (loader != null) {
        return loader;
      }
    } catch (RuntimeException e) {
      // a ServletContext that refuses (e.g. to a programmatic listener): fall through
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return loader != null ? loader : InitParams.class.getClassLoader();
  }

  // ---- placeholders ----------------------------------------------------------------------

  private void resolvePlaceholders() throws ServletException {
    List<Placeholders.Lookup> lookups = List.of(
        new Placeholders.Lookup(Placeholders.Source.CONTEXT_PARAM, this::contextParam),
        new Placeholders.Lookup(Placeholders.Source.SYSTEM_PROPERTY, systemProperties),
        new Placeholders.Lookup(Placeholders.Source.ENVIRONMENT, environment));
    for (String name : NAMES) {
      String value = filterConfig.getInitParameter(name);
      if (value == null) {
        continue;
      }
      if (Placeholders.hasPlaceholder(value)) {
        Placeholders.Resolved resolved;
        try {
          resolved = Placeholders.resolve(value, lookups);
        } catch (Placeholders.Failure e) {
          throw new ServletException(prefix() + "init-param " + name + " " + e.getMessage(), e);
        }
        value = resolved.value();
        origins.put(name, String.join(", ", resolved.origins()));
        // Names and sources only: the value of a secret param (and a URL's user info) stays out.
        LOG.log(Level.DEBUG, "TokenFilter ''{0}'': init-param {1}: {2}{3}", filterName, name,
            String.join(", ", resolved.origins()),
            value.isBlank() ? "; the value is empty, so the init-param is left out" : "");
      }
      if (!value.isBlank()) {
        values.put(name, value.strip());
      }
    }
  }

  private String contextParam(String name) {
    return filterConfig.getServletContext().getInitParameter(name);
  }

  // ---- plumbing --------------------------------------------------------------------------

  /** The init-param after placeholder resolution, trimmed; {@code null} when absent or blank. */
  private String get(String name) {
    return values.get(name);
  }

  private String prefix() {
    return "TokenFilter '" + filterName + "': ";
  }

  private ServletException missing(String name, String expected) {
    return new ServletException(
        prefix() + "init-param " + name + " is missing; expected " + expected);
  }

  private ServletException error(String name, String problem, String expected) {
    return new ServletException(
        prefix() + "init-param " + name + " " + problem + "; expected " + expected);
  }
}

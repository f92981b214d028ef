package dev.tokenkeeper.example;

import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.example.demo.DemoSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The example app's command line: where to listen, the demo provider's lifetimes, and — when
 * {@code --token-url} is given — the real provider to use instead of the demo. Immutable.
 *
 * <p>Each real-provider flag can also come from the environment variable of the same name in upper
 * case with underscores ({@code --token-url} → {@code TOKEN_URL}); a flag wins over its variable.
 * Secrets are never flags: {@code --client-secret-env}, {@code --password-env} and
 * {@code --jwt-env} name the environment variables that hold them, and the filter reads them there.
 */
public record ExampleOptions(
    String host,
    int port,
    DemoSettings demo,
    Duration refreshWindow,
    String tokenUrl,
    String clientId,
    String clientSecretEnv,
    String grant,
    String username,
    String passwordEnv,
    String jwtEnv,
    String scope,
    String apiUrl,
    String tokenBudget,
    Store store,
    String sharedEndpointId) {

  /**
   * {@code --redis URI} with {@code --redis-keys-env NAME} or {@code --redis-plaintext true}: the
   * shared token store, so that several example instances make one token request between them.
   * Immutable.
   */
  public record Store(String uri, String keysEnv, boolean plaintext) {}

  /** The grants the example can use, as {@code --grant} spells them. */
  public static final List<String> GRANTS = List.of("password", "jwt", "client_credentials");

  /** The flags that may also come from the environment (the real-provider set). */
  static final List<String> ENV_FLAGS = List.of(
      "token-url", "client-id", "client-secret-env", "grant", "username", "password-env",
      "jwt-env", "scope", "api-url");

  public static final String USAGE = """
      Usage: java -jar tokenkeeper-jetty-example.jar [options]

      Starts the TokenKeeper example on http://localhost:8080/ with a built-in demo provider.

        --port N               port to listen on (default 8080; 0 picks a free one)
        --host NAME            interface to bind (default localhost)
        --refresh-window D     refresh this long before expiry (default: the library's)
        --token-budget R       at most this many token requests per window, e.g. 5/60s
                               (RingCentral's Auth limit); callers without a token first
        --redis URI            share tokens (and the budget) with other instances through
                               Redis: redis://host:6379, rediss://, redis-sentinel://,
                               redis-cluster://h1:p1,h2:p2
        --redis-keys-env NAME  variable holding the encryption keys (base64, current first;
                               openssl rand -base64 32)
        --redis-plaintext true store tokens readable in Redis instead (development only)
        --shared-endpoint-id NAME  one key set by the operator, shown on the status page as
                               the device "shared" and called by every page: with --redis,
                               the instances' common key (NAME: letters, digits, . _ -)

      Demo provider (used unless --token-url is given):
        --token-ttl D          access token lifetime (default 60s)
        --refresh-ttl D        refresh token lifetime (default 30m)
        --idle-timeout D       session_idle_timeout, 0 = none (default 2m)
        --session-ttl D        absolute session lifetime, 0 = none (default 6m)
        --grant G              password (default), jwt or client_credentials
        --provider-rate-limit R   answer 429 + Retry-After past R token requests, e.g. 5/60s

      Real provider (each also read from the environment variable of the same name,
      e.g. TOKEN_URL; secrets only ever by the name of the variable holding them):
        --token-url URL        the provider's token endpoint
        --client-id ID
        --client-secret-env NAME   variable holding the client secret
        --grant G              password, jwt or client_credentials (default)
        --username NAME        for --grant password
        --password-env NAME    variable holding the password, for --grant password
        --jwt-env NAME         variable holding the JWT assertion, for --grant jwt
        --scope "A B"          scopes to ask for
        --api-url URL          a GET endpoint of the provider's API to call with the token

      Durations: 90 (seconds), 90s, 5m, 1h or ISO-8601 (PT90S).
      Rates: REQUESTS/WINDOW, e.g. 5/60s, 50/1s, 5/min.
      """;

  public ExampleOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(demo, "demo");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be from 0 to 65535, was " + port);
    }
  }

  /** The built-in demo on {@code localhost:port}. */
  public static ExampleOptions demo(int port) {
    return new ExampleOptions("localhost", port, DemoSettings.DEFAULTS, null,
        null, null, null, "password", null, null, null, null, null, null, null, null);
  }

  /** Whether the built-in demo provider serves tokens (no {@code --token-url}). */
  public boolean demoMode() {
    return tokenUrl == null;
  }

  /** {@code --grant} as the filter's {@code grant} init-param spells it. */
  public String filterGrant() {
    return "jwt".equals(grant) ? "jwt-bearer" : grant;
  }

  public ExampleOptions withPort(int newPort) {
    return new ExampleOptions(host, newPort, demo, refreshWindow, tokenUrl, clientId,
        clientSecretEnv, grant, username, passwordEnv, jwtEnv, scope, apiUrl, tokenBudget, store,
        sharedEndpointId);
  }

  public ExampleOptions withDemo(DemoSettings settings) {
    return new ExampleOptions(host, port, settings, refreshWindow, tokenUrl, clientId,
        clientSecretEnv, grant, username, passwordEnv, jwtEnv, scope, apiUrl, tokenBudget, store,
        sharedEndpointId);
  }

  /** These options with {@code --token-budget} (as the filter's {@code token-budget} reads it). */
  public ExampleOptions withTokenBudget(String rate) {
    return new ExampleOptions(host, port, demo, refreshWindow, tokenUrl, clientId,
        clientSecretEnv, grant, username, passwordEnv, jwtEnv, scope, apiUrl, rate, store,
        sharedEndpointId);
  }

  /** {@code --shared-endpoint-id}: the operator's fixed key, or {@code null}. */
  static String sharedEndpointId(String raw) {
    if (raw == null) {
      return null;
    }
    String id = raw.strip();
    if (!SHARED_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("--shared-endpoint-id must be 1 to 64 letters, digits,"
          + " '.', '_' or '-', e.g. --shared-endpoint-id team-account; was '" + raw + "'");
    }
    return id;
  }

  private static final java.util.regex.Pattern SHARED_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9._\\-]{1,64}");

  private static Store store(Map<String, String> flags) {
    String uri = flags.get("redis");
    String keysEnv = flags.get("redis-keys-env");
    String plaintext = flags.get("redis-plaintext");
    if (uri == null) {
      if (keysEnv != null || plaintext != null) {
        throw new IllegalArgumentException("--redis-keys-env and --redis-plaintext go with"
            + " --redis URI");
      }
      return null;
    }
    if (plaintext != null && !plaintext.equals("true")) {
      throw new IllegalArgumentException("--redis-plaintext takes true, was " + plaintext);
    }
    if ((keysEnv == null) == (plaintext == null)) {
      throw new IllegalArgumentException("--redis needs exactly one of --redis-keys-env NAME (a"
          + " variable holding base64 AES-256 keys; openssl rand -base64 32) or"
          + " --redis-plaintext true (tokens readable in Redis)");
    }
    return new Store(uri.strip(), keysEnv, plaintext != null);
  }

  /**
   * Parses the command line, reading the real-provider flags' environment variables from
   * {@code env} (pass {@code System::getenv}).
   *
   * @throws IllegalArgumentException with a message that names the flag and its expected form
   */
  public static ExampleOptions parse(String[] args, Function<String, String> env) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'; see --help");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--" + name + " needs a value; see --help");
        }
        value = args[++i];
      }
      if (!KNOWN.contains(name)) {
        throw new IllegalArgumentException("unknown option --" + name + "; see --help");
      }
      if (flags.put(name, value) != null) {
        throw new IllegalArgumentException("--" + name + " was given twice");
      }
    }

    boolean realMode = flags.containsKey("token-url") || present(env.apply("TOKEN_URL"));
    if (realMode) {
      for (String name : ENV_FLAGS) {
        String fromEnv = env.apply(envName(name));
        if (!flags.containsKey(name) && present(fromEnv)) {
          flags.put(name, fromEnv.trim());
        }
      }
    } else {
      for (String name : List.of("token-url", "client-id", "client-secret-env", "username",
          "password-env", "jwt-env", "scope", "api-url")) {
        if (flags.containsKey(name)) {
          throw new IllegalArgumentException("--" + name
              + " configures a real provider and needs --token-url (or TOKEN_URL) too");
        }
      }
    }

    String host = flags.getOrDefault("host", "localhost");
    int port = integer(flags, "port", 8080);
    DemoSettings demo = DemoSettings.DEFAULTS;
    if (flags.containsKey("token-ttl")) {
      demo = demo.withTokenTtl(duration(flags, "token-ttl"));
    }
    if (flags.containsKey("refresh-ttl")) {
      demo = demo.withRefreshTtl(duration(flags, "refresh-ttl"));
    }
    if (flags.containsKey("idle-timeout")) {
      demo = demo.withIdleTimeout(duration(flags, "idle-timeout"));
    }
    if (flags.containsKey("session-ttl")) {
      demo = demo.withSessionTtl(duration(flags, "session-ttl"));
    }
    if (flags.containsKey("provider-rate-limit")) {
      if (realMode) {
        throw new IllegalArgumentException("--provider-rate-limit configures the demo provider;"
            + " a real provider (--token-url) enforces its own limits: use --token-budget to stay"
            + " under them");
      }
      demo = demo.withRateLimit(DemoSettings.RateLimit.parse(flags.get("provider-rate-limit")));
    }
    Duration refreshWindow = flags.containsKey("refresh-window")
        ? duration(flags, "refresh-window") : null;
    String tokenBudget = null;
    if (flags.containsKey("token-budget")) {
      tokenBudget = flags.get("token-budget").strip();
      try {
        TokenBudget.parse(tokenBudget);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--token-budget: " + e.getMessage());
      }
    }

    Store store = store(flags);
    String shared = sharedEndpointId(flags.get("shared-endpoint-id"));

    String grant = flags.getOrDefault("grant", realMode ? "client_credentials" : "password")
        .toLowerCase(Locale.ROOT);
    if (!GRANTS.contains(grant)) {
      throw new IllegalArgumentException(
          "--grant must be one of " + String.join(", ", GRANTS) + ", was " + flags.get("grant"));
    }
    if (!realMode) {
      if (!List.of("localhost", "127.0.0.1", "::1", "0.0.0.0", "::").contains(host)) {
        throw new IllegalArgumentException("--host " + host + ": the demo provider speaks plain"
            + " http, which TokenKeeper accepts on loopback only; use localhost, 127.0.0.1 or"
            + " 0.0.0.0 (the app then calls it on localhost)");
      }
      return new ExampleOptions(host, port, demo, refreshWindow,
          null, null, null, grant, null, null, null, null, null, tokenBudget, store, shared);
    }

    String tokenUrl = url(flags, "token-url");
    String clientId = require(flags, "client-id", "the client_id registered with the provider");
    String clientSecretEnv = flags.get("client-secret-env");
    String username = flags.get("username");
    String passwordEnv = flags.get("password-env");
    String jwtEnv = flags.get("jwt-env");
    switch (grant) {
      case "password" -> {
        require(flags, "username", "the resource owner's user name");
        require(flags, "password-env", "the name of the environment variable holding the password");
        jwtEnv = null;
      }
      case "jwt" -> {
        require(flags, "jwt-env", "the name of the environment variable holding the JWT assertion");
        username = null;
        passwordEnv = null;
      }
      default -> {
        username = null;
        passwordEnv = null;
        jwtEnv = null;
      }
    }
    for (String[] named : new String[][] {
        {"client-secret-env", clientSecretEnv}, {"password-env", passwordEnv}, {"jwt-env", jwtEnv}}) {
      if (named[1] != null && !present(env.apply(named[1]))) {
        throw new IllegalArgumentException("--" + named[0] + " names the environment variable "
            + named[1] + ", which is not set (or empty); export it first");
      }
    }
    String apiUrl = flags.containsKey("api-url") ? url(flags, "api-url") : null;
    return new ExampleOptions(host, port, demo, refreshWindow, tokenUrl, clientId,
        clientSecretEnv, grant, username, passwordEnv, jwtEnv, flags.get("scope"), apiUrl,
        tokenBudget, store, shared);
  }

  private static final List<String> KNOWN;

  static {
    List<String> known = new ArrayList<>(ENV_FLAGS);
    known.addAll(List.of("port", "host", "refresh-window", "token-ttl", "refresh-ttl",
        "idle-timeout", "session-ttl", "token-budget", "provider-rate-limit", "redis",
        "redis-keys-env", "redis-plaintext", "shared-endpoint-id"));
    KNOWN = List.copyOf(known);
  }

  static String envName(String flag) {
    return flag.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }

  private static String require(Map<String, String> flags, String name, String what) {
    String value = flags.get(name);
    if (!present(value)) {
      throw new IllegalArgumentException("--" + name + " (or " + envName(name) + ") is required: "
          + what);
    }
    return value;
  }

  private static int integer(Map<String, String> flags, String name, int dflt) {
    String raw = flags.get(name);
    if (raw == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + raw + "'");
    }
  }

  private static String url(Map<String, String> flags, String name) {
    String raw = flags.get(name).trim();
    try {
      URI uri = new URI(raw);
      if (!uri.isAbsolute() || uri.getHost() == null
          || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
        throw new URISyntaxException(raw, "not an absolute http(s) URL");
      }
      return raw;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "--" + name + " must be an absolute https URL, e.g. https://platform.example.com/restapi/oauth/token; was '"
              + raw + "'");
    }
  }

  /** Parses {@code 90}, {@code 90s}, {@code 5m}, {@code 1h} or ISO-8601 {@code PT90S}. */
  static Duration duration(Map<String, String> flags, String name) {
    String raw = flags.get(name).trim().toLowerCase(Locale.ROOT);
    try {
      if (raw.startsWith("p")) {
        return Duration.parse(raw.toUpperCase(Locale.ROOT));
      }
      if (raw.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(raw.substring(0, raw.length() - 2)));
      }
      char unit = raw.charAt(raw.length() - 1);
      String digits = Character.isDigit(unit) ? raw : raw.substring(0, raw.length() - 1);
      long n = Long.parseLong(digits);
      return switch (unit) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> {
          if (!Character.isDigit(unit)) {
            throw new NumberFormatException(raw);
          }
          yield Duration.ofSeconds(n);
        }
      };
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException(
          "--" + name + " must be a duration such as 90, 90s, 5m, 1h or PT90S; was '" + raw + "'");
    }
  }
}

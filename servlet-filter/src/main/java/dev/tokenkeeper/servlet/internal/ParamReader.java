package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.internal.Loopback;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one reader of typed init-params for every filter and servlet of the module
 * ({@code TokenFilter}, {@code LoginFilter}, {@code TokenRelayServlet}): unknown names fail,
 * {@code ${name}} placeholders are filled in from context-params, system properties and the
 * environment, blank values count as absent, and every error names the owner, the init-param and
 * the expected form without showing a secret. Not thread-safe; one instance per {@code init}.
 */
public final class ParamReader {
  private static final System.Logger LOG = System.getLogger(ParamReader.class.getName());
  private static final Pattern LIST_SEPARATOR = Pattern.compile("[,\\s]+");
  private static final Pattern BYTES = Pattern.compile("(\\d{1,10})\\s*(KiB|MiB)?");
  private static final String DURATION_FORM =
      "whole seconds (120) or an ISO-8601 duration (PT2M), zero or more";
  private static final String URL_FORM =
      "an absolute https URL (http only for localhost, 127.0.0.1 or [::1])";

  private final String owner;
  private final ServletContext context;
  private final Function<String, String> environment;
  // The init-params after placeholder resolution; a value that came out blank is left out.
  private final Map<String, String> values = new LinkedHashMap<>();
  // For each init-param that held placeholders: where they came from (names, never values).
  private final Map<String, String> origins = new LinkedHashMap<>();

  /**
   * @param owner how messages start, e.g. {@code LoginFilter 'login'}
   * @param raw the init-params as written
   * @param known every accepted name, in documentation order
   * @param context for context-param placeholders, listener attributes and class loading; may be
   *     {@code null}
   */
  public ParamReader(String owner, Map<String, String> raw, List<String> known,
      ServletContext context, Function<String, String> environment,
      Function<String, String> systemProperties) throws ServletException {
    this.owner = owner;
    this.context = context;
    this.environment = environment;
    for (String name : raw.keySet()) {
      if (!known.contains(name)) {
        throw new ServletException(owner + ": unknown init-param " + name + "; expected one of "
            + String.join(", ", known) + " (see CONFIGURATION.md)");
      }
    }
    List<Placeholders.Lookup> lookups = List.of(
        new Placeholders.Lookup(Placeholders.Source.CONTEXT_PARAM,
            name -> context == null ? null : context.getInitParameter(name)),
        new Placeholders.Lookup(Placeholders.Source.SYSTEM_PROPERTY, systemProperties),
        new Placeholders.Lookup(Placeholders.Source.ENVIRONMENT, environment));
    for (String name : known) {
      String value = raw.get(name);
      if (value == null) {
        continue;
      }
      if (Placeholders.hasPlaceholder(value)) {
        Placeholders.Resolved resolved;
        try {
          resolved = Placeholders.resolve(value, lookups);
        } catch (Placeholders.Failure e) {
          throw new ServletException(owner + ": init-param " + name + " " + e.getMessage(), e);
        }
        value = resolved.value();
        origins.put(name, String.join(", ", resolved.origins()));
        // Names and sources only: the value of a secret param (and a URL's user info) stays out.
        LOG.log(Level.DEBUG, "{0}: init-param {1}: {2}{3}", owner, name,
            String.join(", ", resolved.origins()),
            value.isBlank() ? "; the value is empty, so the init-param is left out" : "");
      }
      if (!value.isBlank()) {
        values.put(name, value.strip());
      }
    }
  }

  /** A reader of a filter's init-params; messages start with {@code kind 'filter-name'}. */
  public static ParamReader of(String kind, FilterConfig config, List<String> known,
      Function<String, String> environment, Function<String, String> systemProperties)
      throws ServletException {
    return new ParamReader(kind + " '" + config.getFilterName() + "'",
        raw(config.getInitParameterNames(), config::getInitParameter), known,
        config.getServletContext(), environment, systemProperties);
  }

  /** A reader of a servlet's init-params; messages start with {@code kind 'servlet-name'}. */
  public static ParamReader of(String kind, ServletConfig config, List<String> known,
      Function<String, String> environment, Function<String, String> systemProperties)
      throws ServletException {
    return new ParamReader(kind + " '" + config.getServletName() + "'",
        raw(config.getInitParameterNames(), config::getInitParameter), known,
        config.getServletContext(), environment, systemProperties);
  }

  private static Map<String, String> raw(Enumeration<String> names,
      Function<String, String> value) {
    Map<String, String> raw = new LinkedHashMap<>();
    for (String name : Collections.list(names)) {
      raw.put(name, value.apply(name));
    }
    return raw;
  }

  // ---- plain values ----------------------------------------------------------------------

  /** The value after placeholders, trimmed; {@code null} when absent or blank. */
  public String get(String name) {
    return values.get(name);
  }

  public String get(String name, String fallback) {
    String v = values.get(name);
    return v == null ? fallback : v;
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public String require(String name, String expected) throws ServletException {
    String v = values.get(name);
    if (v == null) {
      throw missing(name, expected);
    }
    return v;
  }

  /** The entries of a comma- or space-separated list; empty when absent. */
  public List<String> items(String name) {
    String value = get(name);
    List<String> items = new ArrayList<>();
    if (value != null) {
      for (String item : LIST_SEPARATOR.split(value)) {
        if (!item.isEmpty()) {
          items.add(item);
        }
      }
    }
    return items;
  }

  // ---- errors ----------------------------------------------------------------------------

  public ServletException error(String name, String problem, String expected) {
    return new ServletException(
        owner + ": init-param " + name + " " + problem + "; expected " + expected);
  }

  public ServletException missing(String name, String expected) {
    return new ServletException(owner + ": init-param " + name + " is missing; expected "
        + expected);
  }

  /** A failure about {@code name} that is not a malformed value, with its cause. */
  public ServletException failure(String name, String message, Throwable cause) {
    return new ServletException(owner + ": init-param " + name + ": " + message, cause);
  }

  /** Fails when one of {@code names} is set although {@code param} = {@code value} ignores it. */
  public void notWith(String value, String param, String... names) throws ServletException {
    for (String name : names) {
      if (get(name) != null) {
        throw error(name, "is set, but " + param + " is " + value + ", which does not use it",
            "no " + name + " with " + param + "=" + value + " (remove it, or change " + param
                + ")");
      }
    }
  }

  /** Fails when one of {@code dependents} is set without {@code base}, naming what to do. */
  public void requiredBy(String base, String expected, String... dependents)
      throws ServletException {
    if (get(base) != null) {
      return;
    }
    for (String dependent : dependents) {
      if (get(dependent) != null) {
        throw error(dependent, "is set without init-param " + base, expected + "; or remove "
            + dependent);
      }
    }
  }

  // ---- typed values ----------------------------------------------------------------------

  public boolean bool(String name, boolean fallback) throws ServletException {
    String value = get(name);
    if (value == null) {
      return fallback;
    }
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value.toLowerCase(Locale.ROOT));
    }
    throw error(name, "is \"" + value + "\"", "true or false");
  }

  /** Whole seconds or an ISO-8601 duration, zero or more; {@code null} when absent. */
  public Duration duration(String name) throws ServletException {
    String value = get(name);
    if (value == null) {
      return null;
    }
    Duration d;
    try {
      d = value.matches("-?\\d+") ? Duration.ofSeconds(Long.parseLong(value))
          : Duration.parse(value);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw error(name, "is \"" + value + "\"", DURATION_FORM);
    }
    if (d.isNegative()) {
      throw error(name, "is negative (" + value + ")", DURATION_FORM);
    }
    return d;
  }

  /** As {@link #duration}, and not zero. */
  public Duration positiveDuration(String name) throws ServletException {
    Duration d = duration(name);
    if (d != null && d.isZero()) {
      throw error(name, "is zero", "a positive duration: whole seconds (10) or an ISO-8601"
          + " duration (PT10S, PT0.5S)");
    }
    return d;
  }

  /** A whole number of at least 1; {@code fallback} when absent. */
  public long positiveLong(String name, long fallback) throws ServletException {
    return positiveLong(name, fallback, "a positive whole number");
  }

  /** A whole number of at least 1; {@code fallback} when absent; {@code form} in errors. */
  public long positiveLong(String name, long fallback, String form) throws ServletException {
    Long n = whole(name, 1, Long.MAX_VALUE, form);
    return n == null ? fallback : n;
  }

  /**
   * A whole number from {@code min} to {@code max}; {@code null} when absent.
   *
   * @param form the expected form, for the message
   */
  public Integer integer(String name, int min, int max, String form) throws ServletException {
    Long n = whole(name, min, max, form);
    return n == null ? null : n.intValue();
  }

  private Long whole(String name, long min, long max, String form) throws ServletException {
    String value = get(name);
    if (value == null) {
      return null;
    }
    try {
      long n = Long.parseLong(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw error(name, "is \"" + value + "\"", form);
  }

  /**
   * A number of bytes, optionally with the suffix {@code KiB} or {@code MiB}, from {@code min}
   * to {@code max}; {@code null} when absent.
   */
  public Long bytes(String name, long min, long max, String form) throws ServletException {
    String value = get(name);
    if (value == null) {
      return null;
    }
    Matcher m = BYTES.matcher(value);
    if (!m.matches()) {
      throw error(name, "is \"" + value + "\"", form);
    }
    long bytes = Long.parseLong(m.group(1))
        * (m.group(2) == null ? 1 : m.group(2).equals("KiB") ? 1024 : 1024 * 1024);
    if (bytes < min || bytes > max) {
      throw error(name, "is \"" + value + "\"", form);
    }
    return bytes;
  }

  /**
   * An absolute http(s) URL without user info or fragment; http only to a loopback host unless
   * {@code allowInsecureHttp}. {@code null} when absent.
   */
  public URI url(String name, boolean allowInsecureHttp) throws ServletException {
    return url(name, allowInsecureHttp, URL_FORM);
  }

  /** As {@link #url(String, boolean)}, with {@code form} (an example URL) in errors. */
  public URI url(String name, boolean allowInsecureHttp, String form) throws ServletException {
    String value = get(name);
    if (value == null) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw error(name, "is not a valid URL (" + e.getReason() + ")", form);
    }
    if (uri.getRawUserInfo() != null) {
      // Not echoed: user info may hold a password.
      throw error(name, "carries user info (user:password@)", form + "; credentials go in"
          + " their own init-params (client-authentication and client-secret-*), not in the URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.getHost() == null
        || !(scheme.equals("https") || scheme.equals("http"))) {
      throw error(name, "is \"" + value + "\", not an absolute http(s) URL", form);
    }
    if (uri.getRawFragment() != null) {
      throw error(name, "has a fragment (#...)", form + " without a fragment");
    }
    if (scheme.equals("http") && !allowInsecureHttp && !Loopback.isLoopback(uri.getHost())) {
      throw error(name, "uses http to " + uri.getHost()
          + ", so secrets and tokens would cross the network in clear text (" + Loopback.RULE
          + ")", form + "; or, only on a network you trust, allow-insecure-http=true");
    }
    return uri;
  }

  /** A context-relative path: starts with one {@code /}. */
  public String path(String name, String fallback) throws ServletException {
    String value = get(name, fallback);
    if (!value.startsWith("/") || value.startsWith("//") || value.contains("\\")
        || value.contains("?") || value.contains("#")) {
      throw error(name, "is \"" + value + "\"", "a path inside the web app starting with one /,"
          + " such as " + fallback);
    }
    return value;
  }

  /** The origins (scheme, host and port) of a comma-separated list; empty when absent. */
  public List<URI> origins(String name) throws ServletException {
    String form = "comma-separated origins such as https://api.example.com,"
        + " https://media.example.com:8443";
    List<URI> origins = new ArrayList<>();
    for (String item : items(name)) {
      try {
        origins.add(Origins.check(new URI(item)));
      } catch (URISyntaxException e) {
        throw error(name, "holds an invalid URI (" + e.getReason() + ")", form);
      } catch (IllegalArgumentException e) {
        throw error(name, "is wrong: " + e.getMessage(), form);
      }
    }
    return origins;
  }

  // ---- secrets ---------------------------------------------------------------------------

  /**
   * One secret from exactly one of {@code base-env}, {@code base-file} and {@code base} (plain,
   * with a warning); {@code null} when none is set and {@code required} is false. Error messages
   * name the variable or the file, never the value.
   */
  public String secret(String base, String what, boolean required) throws ServletException {
    String envName = get(base + "-env");
    String file = get(base + "-file");
    String plain = get(base);
    int given = (envName != null ? 1 : 0) + (file != null ? 1 : 0) + (plain != null ? 1 : 0);
    String form = "exactly one of " + base + "-env (an environment variable's name), " + base
        + "-file (a file's path) or " + base + " (plain text, discouraged) holding " + what;
    if (given == 0) {
      if (!required) {
        return null;
      }
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
      LOG.log(Level.WARNING, "{0}: init-param {1} holds {2} in plain text in web.xml; use"
          + " {1}-env or {1}-file instead", owner, base, what);
    } else {
      // A context-param is web.xml text too, and a system property shows in the process list.
      LOG.log(Level.WARNING, "{0}: init-param {1} takes {2} from placeholders ({3}); prefer"
          + " {1}-env or {1}-file, which keep it out of web.xml and the command line", owner,
          base, what, from);
    }
    return plain;
  }

  /** An unencrypted PKCS#8 PEM private key file; {@code requiredBy} explains a missing one. */
  public PrivateKey privateKey(String name, String requiredBy) throws ServletException {
    String path = get(name);
    if (path == null) {
      throw missing(name, PemKeys.FORM + " (required by " + requiredBy + ")");
    }
    return PemKeys.read(path, message -> error(name, message, PemKeys.FORM));
  }

  /** The web app's context, for attributes and class loading; may be {@code null}. */
  ServletContext context() {
    return context;
  }

  public String owner() {
    return owner;
  }
}

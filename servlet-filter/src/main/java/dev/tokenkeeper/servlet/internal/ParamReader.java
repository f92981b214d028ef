package dev.tokenkeeper.servlet.internal;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the init-params of one filter or servlet other than {@code TokenFilter} (the login filter,
 * the token relay) with the same rules as {@link InitParams}: unknown names fail, {@code ${name}}
 * placeholders are filled in from context-params, system properties and the environment, blank
 * values count as absent, and every error names the init-param and the expected form without
 * showing a secret. Not thread-safe; one instance per {@code init}.
 */
public final class ParamReader {
  private static final System.Logger LOG = System.getLogger(ParamReader.class.getName());

  private final String owner;
  private final Function<String, String> environment;
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Map<String, String> origins = new LinkedHashMap<>();

  /**
   * @param owner how messages start, e.g. {@code LoginFilter 'login'}
   * @param raw the init-params as written
   * @param known every accepted name, in documentation order
   * @param context for context-param placeholders; may be {@code null}
   */
  public ParamReader(String owner, Map<String, String> raw, List<String> known,
      ServletContext context, Function<String, String> environment,
      Function<String, String> systemProperties) throws ServletException {
    this.owner = owner;
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
        try {
          Placeholders.Resolved resolved = Placeholders.resolve(value, lookups);
          value = resolved.value();
          origins.put(name, String.join(", ", resolved.origins()));
        } catch (Placeholders.Failure e) {
          throw new ServletException(owner + ": init-param " + name + " " + e.getMessage(), e);
        }
      }
      if (!value.isBlank()) {
        values.put(name, value.strip());
      }
    }
  }

  /** The value after placeholders, trimmed; {@code null} when absent or blank. */
  public String get(String name) {
    return values.get(name);
  }

  public String get(String name, String fallback) {
    String v = values.get(name);
    return v == null ? fallback : v;
  }

  public String require(String name, String expected) throws ServletException {
    String v = values.get(name);
    if (v == null) {
      throw new ServletException(owner + ": init-param " + name + " is missing; expected "
          + expected);
    }
    return v;
  }

  public ServletException error(String name, String problem, String expected) {
    return new ServletException(
        owner + ": init-param " + name + " " + problem + "; expected " + expected);
  }

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
    String form = "whole seconds (120) or an ISO-8601 duration (PT2M), zero or more";
    Duration d;
    try {
      d = value.matches("-?\\d+") ? Duration.ofSeconds(Long.parseLong(value))
          : Duration.parse(value);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw error(name, "is \"" + value + "\"", form);
    }
    if (d.isNegative()) {
      throw error(name, "is negative (" + value + ")", form);
    }
    return d;
  }

  public long positiveLong(String name, long fallback) throws ServletException {
    String value = get(name);
    if (value == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw error(name, "is \"" + value + "\"", "a positive whole number");
  }

  /**
   * An absolute http(s) URL without user info or fragment; http only to a loopback host unless
   * {@code allowInsecureHttp}. {@code null} when absent.
   */
  public URI url(String name, boolean allowInsecureHttp) throws ServletException {
    String value = get(name);
    if (value == null) {
      return null;
    }
    String form = "an absolute https URL (http only for localhost, 127.0.0.1 or [::1])";
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw error(name, "is not a valid URL (" + e.getReason() + ")", form);
    }
    if (uri.getRawUserInfo() != null) {
      throw error(name, "carries user info (user:password@)", form);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.getHost() == null
        || !(scheme.equals("https") || scheme.equals("http"))) {
      throw error(name, "is \"" + value + "\", not an absolute http(s) URL", form);
    }
    if (uri.getRawFragment() != null) {
      throw error(name, "has a fragment (#...)", form + " without a fragment");
    }
    if (scheme.equals("http") && !allowInsecureHttp && !InitParams.isLoopback(uri.getHost())) {
      throw error(name, "uses http to " + uri.getHost()
          + ", so secrets and tokens would cross the network in clear text",
          form + "; or, only on a network you trust, allow-insecure-http=true");
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

  /**
   * One secret from exactly one of {@code base-env}, {@code base-file} and {@code base}; {@code
   * null} when none is set and {@code required} is false.
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
      throw new ServletException(owner + ": init-param " + base + "-env is missing; expected "
          + form);
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
    LOG.log(Level.WARNING, "{0}: init-param {1} holds {2} in plain text{3}; use {1}-env or"
        + " {1}-file instead", owner, base, what,
        origins.containsKey(base) ? " (from " + origins.get(base) + ")" : " in web.xml");
    return plain;
  }

  /** An unencrypted PKCS#8 PEM private key file. */
  public PrivateKey privateKey(String name) throws ServletException {
    String path = require(name, PemKeys.FORM);
    return PemKeys.read(path, message -> error(name, message, PemKeys.FORM));
  }

  /** Fails when one of {@code names} is set although {@code param} = {@code value} ignores it. */
  public void notWith(String value, String param, String... names) throws ServletException {
    for (String name : names) {
      if (get(name) != null) {
        throw error(name, "is set, but " + param + " is " + value + ", which does not use it",
            "no " + name + " with " + param + "=" + value);
      }
    }
  }

  public String owner() {
    return owner;
  }
}

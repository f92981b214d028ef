package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenRequest;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads {@code TokenFilter}'s grant init-params ({@code grant} with its user name, password or
 * assertion, {@code scope}, {@code access-token-ttl}, {@code refresh-token-ttl}) into the request
 * the manager sends for a key. Not part of the API.
 */
final class GrantParams {
  private static final String[] PASSWORD = {"username", "password-env", "password-file",
      "password"};
  private static final String[] ASSERTION = {"assertion-env", "assertion-file", "assertion"};
  private static final String TTL_FORM = "whole seconds (3600) or an ISO-8601 duration (PT1H),"
      + " at least 1 second, in whole seconds";

  private GrantParams() {}

  /**
   * The request for a key, or {@code null} for {@code grant=none} (tokens arrive only through
   * {@code put}, as after a sign-in).
   */
  static Function<String, TokenRequest> read(ParamReader p, Dialect dialect)
      throws ServletException {
    Supplier<Grant> grant = grant(p);
    if (grant == null) {
      p.notWith("none", "grant", "scope", "access-token-ttl", "refresh-token-ttl");
      return null;
    }
    String scope = p.get("scope");
    Integer accessTtl = seconds(p, "access-token-ttl");
    Integer refreshTtl = seconds(p, "refresh-token-ttl");
    // The dialect decides whether (and how) the key is sent as endpoint_id.
    return key -> TokenRequest.builder(grant.get()).scope(scope)
        .accessTokenTtl(accessTtl).refreshTokenTtl(refreshTtl)
        .endpointId(dialect.endpointIdFor(key).orElse(null)).build();
  }

  private static Integer seconds(ParamReader p, String name) throws ServletException {
    Duration d = p.duration(name);
    if (d == null) {
      return null;
    }
    if (d.isZero() || d.getNano() != 0 || d.getSeconds() > Integer.MAX_VALUE) {
      throw p.error(name, "is \"" + p.get(name) + "\"", TTL_FORM);
    }
    return (int) d.getSeconds();
  }

  private static Supplier<Grant> grant(ParamReader p) throws ServletException {
    String grant = p.get("grant", "client_credentials");
    switch (grant) {
      case "client_credentials": {
        p.notWith(grant, "grant", PASSWORD);
        p.notWith(grant, "grant", ASSERTION);
        Grant g = Grant.clientCredentials();
        return () -> g;
      }
      case "password": {
        p.notWith(grant, "grant", ASSERTION);
        String username = p.require("username",
            "the resource owner's user name (required by grant=password)");
        String password = p.secret("password", "the resource owner's password", true);
        Grant g = make(p, "username", () -> Grant.password(username, password));
        return () -> g;
      }
      case "jwt-bearer": {
        p.notWith(grant, "grant", PASSWORD);
        String file = p.get("assertion-file");
        if (file != null && p.get("assertion-env") == null && p.get("assertion") == null) {
          // Read again at every token request: assertions are short-lived and get rotated.
          SecretFiles.read(file, message -> p.error("assertion-file", message,
              SecretFiles.FORM + " with the JWT assertion"));
          String owner = p.owner();
          return () -> Grant.jwtBearer(SecretFiles.read(file, message ->
              new IllegalStateException(owner + ": init-param assertion-file " + message)));
        }
        String assertion = p.secret("assertion", "the JWT assertion (RFC 7523)", true);
        Grant g = make(p, "assertion-env", () -> Grant.jwtBearer(assertion));
        return () -> g;
      }
      case "none":
        p.notWith(grant, "grant", PASSWORD);
        p.notWith(grant, "grant", ASSERTION);
        return null;
      default:
        throw p.error("grant", "is \"" + grant + "\"",
            "one of client_credentials, password, jwt-bearer, none");
    }
  }

  private static Grant make(ParamReader p, String name, Supplier<Grant> maker)
      throws ServletException {
    try {
      return maker.get();
    } catch (IllegalArgumentException e) {
      throw p.failure(name, e.getMessage(), e);
    }
  }
}

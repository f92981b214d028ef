package dev.tokenkeeper;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A token request (RFC 6749, section 4): a {@link Grant} plus the parameters common to every
 * grant in the RingCentral token API — {@code scope}, {@code client_id}, {@code endpoint_id},
 * {@code access_token_ttl} and {@code refresh_token_ttl}. The client authentication parameters
 * ({@code client_assertion_type}, {@code client_assertion}) are added when the request is sent,
 * by the endpoint's {@link ClientAuthentication}, because an assertion must be fresh each time.
 *
 * <p>Immutable and thread-safe; {@code toString()} never shows a secret.
 *
 * @param grant the grant; required
 * @param scope space-separated scopes, or {@code null} for the registration's default
 * @param clientId {@code client_id} in the body, for public clients; usually {@code null}
 * @param endpointId the client instance id; must match {@code [a-zA-Z0-9_\-]{1,64}}
 * @param accessTokenTtl {@code access_token_ttl} in seconds, or {@code null}
 * @param refreshTokenTtl {@code refresh_token_ttl} in seconds, or {@code null}; {@code <= 0}
 *     asks the provider not to issue a refresh token
 */
public record TokenRequest(
    Grant grant,
    String scope,
    String clientId,
    String endpointId,
    Integer accessTokenTtl,
    Integer refreshTokenTtl) {

  /** RingCentral's rule for {@code endpoint_id}: 1 to 64 letters, digits, {@code _} and {@code -}. */
  public static final Pattern ENDPOINT_ID = Pattern.compile("[a-zA-Z0-9_\\-]{1,64}");

/** Checks the parameters; the message names a wrong one and never shows a secret. */
  public TokenRequest {
    Objects.requireNonNull(grant, "grant is required");
    Fields.optional("scope", scope);
    Fields.optional("client_id", clientId);
    if (endpointId != null && !ENDPOINT_ID.matcher(endpointId).matches()) {
      throw new IllegalArgumentException(
          "endpoint_id must match [a-zA-Z0-9_\\-]{1,64} (letters, digits, '_' and '-', 1 to 64"
              + " characters); got " + describe(endpointId));
    }
    if (accessTokenTtl != null && accessTokenTtl <= 0) {
      throw new IllegalArgumentException(
          "access_token_ttl must be a positive number of seconds; got " + accessTokenTtl);
    }
  }

  /** A request for the grant with no common parameters. */
  public static TokenRequest of(Grant grant) {
    return new TokenRequest(grant, null, null, null, null, null);
  }

/** A builder of a request for {@code grant}. */
  public static Builder builder(Grant grant) {
    return new Builder(grant);
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    return new Builder(grant)
        .scope(scope)
        .clientId(clientId)
        .endpointId(endpointId)
        .accessTokenTtl(accessTokenTtl)
        .refreshTokenTtl(refreshTokenTtl);
  }

  /**
   * The same request with another grant: how a refresh sends again the {@code endpoint_id},
   * {@code scope} and TTLs of the request that first acquired the token.
   */
  public TokenRequest withGrant(Grant newGrant) {
    return new TokenRequest(newGrant, scope, clientId, endpointId, accessTokenTtl, refreshTokenTtl);
  }

  /**
   * Whether this request lets the provider issue a refresh token: {@code false} when
   * {@code refresh_token_ttl <= 0}, which RingCentral's legacy password request documents as
   * "refresh token is not returned even if the corresponding grant type is supported". A token
   * acquired this way can only be renewed with its primary grant.
   */
  public boolean refreshTokenRequested() {
    return refreshTokenTtl == null || refreshTokenTtl > 0;
  }

  /** The same request for another endpoint id. */
  public TokenRequest withEndpointId(String newEndpointId) {
    return new TokenRequest(grant, scope, clientId, newEndpointId, accessTokenTtl, refreshTokenTtl);
  }

  /**
   * The form body, without client authentication: {@code grant_type}, the grant's parameters,
   * then the common ones that are set. Holds secrets: do not log it.
   */
  public Map<String, String> form() {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", grant.grantType());
    form.putAll(grant.parameters());
    putIfSet(form, "scope", scope);
    putIfSet(form, "client_id", clientId);
    putIfSet(form, "endpoint_id", endpointId);
    putIfSet(form, "access_token_ttl", accessTokenTtl);
    putIfSet(form, "refresh_token_ttl", refreshTokenTtl);
    return Collections.unmodifiableMap(form);
  }

  private static void putIfSet(Map<String, String> form, String name, Object value) {
    if (value != null) {
      form.put(name, value.toString());
    }
  }

  private static String describe(String value) {
    String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
    return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\" (" + value.length() + " characters)";
  }

  @Override
  public String toString() {
    return "TokenRequest[grant=" + grant + ", scope=" + scope + ", clientId=" + clientId
        + ", endpointId=" + endpointId + ", accessTokenTtl=" + accessTokenTtl
        + ", refreshTokenTtl=" + refreshTokenTtl + "]";
  }

  /** Builds a {@link TokenRequest}; not thread-safe. */
  public static final class Builder {
    private Grant grant;
    private String scope;
    private String clientId;
    private String endpointId;
    private Integer accessTokenTtl;
    private Integer refreshTokenTtl;

    private Builder(Grant grant) {
      this.grant = grant;
    }

    /** The grant; required. */
    public Builder grant(Grant grant) {
      this.grant = grant;
      return this;
    }

    /** {@code scope}: space-separated scopes, or {@code null} for the registration's default. */
    public Builder scope(String scope) {
      this.scope = scope;
      return this;
    }

    /** {@code client_id} in the body, for public clients; usually {@code null}. */
    public Builder clientId(String clientId) {
      this.clientId = clientId;
      return this;
    }

    /** {@code endpoint_id}, matching {@link TokenRequest#ENDPOINT_ID}, or {@code null}. */
    public Builder endpointId(String endpointId) {
      this.endpointId = endpointId;
      return this;
    }

    /** {@code access_token_ttl} in seconds, or {@code null}. */
    public Builder accessTokenTtl(Integer seconds) {
      this.accessTokenTtl = seconds;
      return this;
    }

    /** {@code refresh_token_ttl} in seconds, or {@code null}; {@code <= 0} asks for none. */
    public Builder refreshTokenTtl(Integer seconds) {
      this.refreshTokenTtl = seconds;
      return this;
    }

    /**
     * The request.
     *
     * @throws IllegalArgumentException a parameter breaks its rule; the message names it
     */
    public TokenRequest build() {
      return new TokenRequest(grant, scope, clientId, endpointId, accessTokenTtl, refreshTokenTtl);
    }
  }
}

package dev.tokenkeeper.servlet.login.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The endpoints and capabilities of an authorization server: given one by one, or discovered from
 * OpenID Connect Discovery 1.0 ({@code /.well-known/openid-configuration}) or RFC 8414
 * ({@code /.well-known/oauth-authorization-server}). Immutable.
 *
 * @param idTokenAlgorithms {@code id_token_signing_alg_values_supported}; empty means RS256
 *     (OpenID Connect Discovery 1.0, section 3)
 */
public record ProviderMetadata(
    URI issuer,
    URI authorizationEndpoint,
    URI tokenEndpoint,
    URI jwksUri,
    URI revocationEndpoint,
    URI endSessionEndpoint,
    URI parEndpoint,
    List<String> idTokenAlgorithms) {

  private static final int MAX_BYTES = 256 * 1024;

  public ProviderMetadata {
    idTokenAlgorithms = idTokenAlgorithms == null ? List.of() : List.copyOf(idTokenAlgorithms);
  }

  /** The same metadata with {@code override}'s non-null endpoints in place of these. */
  public ProviderMetadata overriddenBy(ProviderMetadata o) {
    return new ProviderMetadata(
        o.issuer != null ? o.issuer : issuer,
        o.authorizationEndpoint != null ? o.authorizationEndpoint : authorizationEndpoint,
        o.tokenEndpoint != null ? o.tokenEndpoint : tokenEndpoint,
        o.jwksUri != null ? o.jwksUri : jwksUri,
        o.revocationEndpoint != null ? o.revocationEndpoint : revocationEndpoint,
        o.endSessionEndpoint != null ? o.endSessionEndpoint : endSessionEndpoint,
        o.parEndpoint != null ? o.parEndpoint : parEndpoint,
        o.idTokenAlgorithms.isEmpty() ? idTokenAlgorithms : o.idTokenAlgorithms);
  }

  /** The two documents tried, in order: OpenID Connect Discovery, then RFC 8414 (section 3.1). */
  public static List<URI> discoveryUris(URI issuer) {
    String base = issuer.toString();
    String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    String path = issuer.getRawPath() == null ? "" : issuer.getRawPath();
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String origin = issuer.getScheme() + "://" + issuer.getRawAuthority();
    return List.of(URI.create(trimmed + "/.well-known/openid-configuration"),
        URI.create(origin + "/.well-known/oauth-authorization-server" + path));
  }

  /**
   * Fetches and checks the metadata of {@code issuer}.
   *
   * @throws IOException no document could be had, or one names another issuer; the message says
   *     which URL answered what
   */
  public static ProviderMetadata discover(URI issuer, HttpClient client, Duration timeout)
      throws IOException {
    List<String> problems = new ArrayList<>();
    for (URI uri : discoveryUris(issuer)) {
      Map<String, Object> json;
      try {
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).timeout(timeout)
            .header("Accept", "application/json").GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
          problems.add(uri + " answered " + r.statusCode());
          continue;
        }
        if (r.body().length > MAX_BYTES) {
          problems.add(uri + " sent more than " + MAX_BYTES + " bytes");
          continue;
        }
        json = JSONObjectUtils.parse(new String(r.body(), StandardCharsets.UTF_8));
      } catch (ParseException e) {
        problems.add(uri + " did not send a JSON object");
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching " + uri, e);
      } catch (IOException e) {
        problems.add(uri + " failed: " + e);
        continue;
      }
      ProviderMetadata m = parse(json, uri);
      // OpenID Connect Discovery 1.0, section 4.3; RFC 8414, section 3.3: exactly the issuer.
      if (m.issuer == null || !sameIssuer(m.issuer, issuer)) {
        throw new IOException("the metadata at " + uri + " names the issuer \"" + m.issuer
            + "\", not the configured issuer \"" + issuer + "\"; the configured issuer must be"
            + " exactly the provider's (RFC 8414, section 3.3), or the document is not the"
            + " provider's");
      }
      if (m.authorizationEndpoint == null || m.tokenEndpoint == null) {
        throw new IOException("the metadata at " + uri + " has no authorization_endpoint or"
            + " token_endpoint");
      }
      return m;
    }
    throw new IOException("no provider metadata for issuer " + issuer + ": "
        + String.join("; ", problems));
  }

  private static boolean sameIssuer(URI a, URI b) {
    String x = a.toString();
    String y = b.toString();
    return x.equals(y) || (x + "/").equals(y) || x.equals(y + "/");
  }

  static ProviderMetadata parse(Map<String, Object> json, URI from) throws IOException {
    try {
      List<String> algs = JSONObjectUtils.getStringList(json,
          "id_token_signing_alg_values_supported");
      return new ProviderMetadata(
          uri(json, "issuer"), uri(json, "authorization_endpoint"), uri(json, "token_endpoint"),
          uri(json, "jwks_uri"), uri(json, "revocation_endpoint"),
          uri(json, "end_session_endpoint"), uri(json, "pushed_authorization_request_endpoint"),
          algs);
    } catch (ParseException | IllegalArgumentException e) {
      throw new IOException("the metadata at " + from + " is malformed: " + e.getMessage(), e);
    }
  }

  private static URI uri(Map<String, Object> json, String name) throws ParseException {
    String v = JSONObjectUtils.getString(json, name);
    return v == null || v.isBlank() ? null : URI.create(v);
  }
}

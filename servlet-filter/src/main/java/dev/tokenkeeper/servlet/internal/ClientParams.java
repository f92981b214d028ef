package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.ClientAuthentication;
import jakarta.servlet.ServletException;

/**
 * Reads how the application authenticates to the provider ({@code client-id},
 * {@code client-authentication} and its secret or key), the same for {@code TokenFilter} and
 * {@code LoginFilter}. Not part of the API.
 */
public final class ClientParams {
  private ClientParams() {}

  /** The client authentication; fails naming the init-param to change. */
  public static ClientAuthentication read(ParamReader p) throws ServletException {
    String clientId = p.require("client-id", "the client_id the provider gave your application");
    String method = p.get("client-authentication", "client_secret_basic");
    try {
      switch (method) {
        case "client_secret_basic", "client_secret_post", "client_secret_jwt" -> {
          p.notWith(method, "client-authentication", "private-key-file", "key-id");
          String secret = p.secret("client-secret", "the client secret", true);
          return switch (method) {
            case "client_secret_basic" -> ClientAuthentication.basic(clientId, secret);
            case "client_secret_post" -> ClientAuthentication.post(clientId, secret);
            default -> ClientAuthentication.secretJwt(clientId, secret);
          };
        }
        case "private_key_jwt" -> {
          p.notWith(method, "client-authentication", "client-secret-env", "client-secret-file",
              "client-secret");
          return ClientAuthentication.privateKeyJwt(clientId,
              p.privateKey("private-key-file", "client-authentication private_key_jwt"),
              p.get("key-id"));
        }
        case "none" -> {
          p.notWith(method, "client-authentication", "client-secret-env", "client-secret-file",
              "client-secret", "private-key-file", "key-id");
          return ClientAuthentication.none(clientId);
        }
        default -> throw p.error("client-authentication", "is \"" + method + "\"",
            "one of client_secret_basic, client_secret_post, client_secret_jwt,"
                + " private_key_jwt, none");
      }
    } catch (IllegalArgumentException e) {
      throw new ServletException(p.owner() + ": init-params client-id / client-authentication: "
          + e.getMessage(), e);
    }
  }
}

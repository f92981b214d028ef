package dev.tokenkeeper;

import java.security.PrivateKey;
import java.util.Objects;

/**
 * How the client proves its identity to the token endpoint (RFC 6749, section 2.3; RFC 7523,
 * section 2.2; OpenID Connect Core, section 9).
 *
 * <p>Immutable and thread-safe; {@code toString()} never shows a secret or a key.
 */
public sealed interface ClientAuthentication
    permits ClientAuthentication.Basic,
        ClientAuthentication.Post,
        ClientAuthentication.SecretJwt,
        ClientAuthentication.PrivateKeyJwt,
        ClientAuthentication.None {

  /** The {@code client_id}. */
  String clientId();

  /** {@code client_secret_basic}: HTTP Basic with the form-urlencoded id and secret (RFC 6749, 2.3.1). */
  static Basic basic(String clientId, String clientSecret) {
    return new Basic(clientId, clientSecret);
  }

  /** {@code client_secret_post}: {@code client_id} and {@code client_secret} in the form body. */
  static Post post(String clientId, String clientSecret) {
    return new Post(clientId, clientSecret);
  }

  /**
   * {@code client_secret_jwt}: an HS256 assertion signed with the client secret (RFC 7523), sent
   * with {@code client_id} as RFC 7521, section 4.2 allows (some servers, Spring Authorization
   * Server among them, require it).
   */
  static SecretJwt secretJwt(String clientId, String clientSecret) {
    return new SecretJwt(clientId, clientSecret);
  }

  /**
   * {@code private_key_jwt}: an assertion signed with the client's RSA (RS256) or EC (ES256)
   * private key; {@code keyId} becomes the JWS {@code kid} header and may be {@code null}. The
   * form carries {@code client_id} too, as for {@link #secretJwt}.
   */
  static PrivateKeyJwt privateKeyJwt(String clientId, PrivateKey key, String keyId) {
    return new PrivateKeyJwt(clientId, key, keyId);
  }

  /** {@code none}: a public client that sends only {@code client_id} in the body. */
  static None none(String clientId) {
    return new None(clientId);
  }

  /** {@code client_secret_basic}: see {@link ClientAuthentication#basic}. Immutable. */
  record Basic(String clientId, String clientSecret) implements ClientAuthentication {
    /** Checks the fields; the message names a missing or invalid one. */
    public Basic {
      Fields.required("client_id", clientId, "client_secret_basic");
      Fields.required("client_secret", clientSecret, "client_secret_basic");
    }

    @Override public String toString() {
      return "ClientAuthentication.Basic[clientId=" + clientId + ", clientSecret=██]";
    }
  }

  /** {@code client_secret_post}: see {@link ClientAuthentication#post}. Immutable. */
  record Post(String clientId, String clientSecret) implements ClientAuthentication {
    /** Checks the fields; the message names a missing or invalid one. */
    public Post {
      Fields.required("client_id", clientId, "client_secret_post");
      Fields.required("client_secret", clientSecret, "client_secret_post");
    }

    @Override public String toString() {
      return "ClientAuthentication.Post[clientId=" + clientId + ", clientSecret=██]";
    }
  }

  /** {@code client_secret_jwt}: see {@link ClientAuthentication#secretJwt}. Immutable. */
  record SecretJwt(String clientId, String clientSecret) implements ClientAuthentication {
    /** Checks the fields; the message names a missing or invalid one. */
    public SecretJwt {
      Fields.required("client_id", clientId, "client_secret_jwt");
      Fields.required("client_secret", clientSecret, "client_secret_jwt");
    }

    @Override public String toString() {
      return "ClientAuthentication.SecretJwt[clientId=" + clientId + ", clientSecret=██]";
    }
  }

  /** {@code private_key_jwt}: see {@link ClientAuthentication#privateKeyJwt}. Immutable. */
  record PrivateKeyJwt(String clientId, PrivateKey key, String keyId)
      implements ClientAuthentication {
    /** Checks the fields; the message names a missing or invalid one. */
    public PrivateKeyJwt {
      Fields.required("client_id", clientId, "private_key_jwt");
      Objects.requireNonNull(key, "private_key_jwt needs the client's private key (RSA or EC)");
      if (!"RSA".equals(key.getAlgorithm()) && !"EC".equals(key.getAlgorithm())) {
        throw new IllegalArgumentException(
            "private_key_jwt needs an RSA (RS256) or EC P-256 (ES256) private key; got "
                + key.getAlgorithm());
      }
      Fields.optional("kid", keyId);
    }

    @Override public String toString() {
      return "ClientAuthentication.PrivateKeyJwt[clientId=" + clientId + ", key=██ ("
          + key.getAlgorithm() + "), keyId=" + keyId + "]";
    }
  }

  /** {@code none}, a public client: see {@link ClientAuthentication#none}. Immutable. */
  record None(String clientId) implements ClientAuthentication {
    /** Checks the fields; the message names a missing or invalid one. */
    public None {
      Fields.required("client_id", clientId, "none (public client)");
    }
  }
}

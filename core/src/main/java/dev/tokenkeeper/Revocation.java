package dev.tokenkeeper;

import java.util.Objects;

/**
 * What {@link TokenManager#revoke} achieved at the provider's revocation endpoint (RFC 7009) for
 * one key's tokens, as {@link TokenListener#onRevoked} hears it. Immutable and thread-safe; holds no
 * token.
 *
 * <p>RFC 7009, section 2.1, requires a server to revoke refresh tokens and only recommends that it
 * revoke access tokens; one that cannot answers {@code unsupported_token_type} (section 2.2.1).
 * After the refresh token was revoked, that answer for the access token is the server having done
 * what it can: {@code revoke(key)} completes normally, and the access token's outcome is
 * {@link Outcome#UNSUPPORTED} (it may have ended with the refresh token's grant, or stay valid until
 * it expires).
 *
 * @param refreshToken what became of the refresh token
 * @param accessToken what became of the access token
 */
public record Revocation(Outcome refreshToken, Outcome accessToken) {

  /** What became of one token. Immutable, like every enum. */
  public enum Outcome {
    /** The server accepted the revocation (HTTP 200). */
    REVOKED,
    /** There was no such token to revoke (no refresh token was issued). */
    NOT_HELD,
    /** The server does not revoke this type of token ({@code unsupported_token_type}). */
    UNSUPPORTED,
    /** The revocation failed (the future of {@code revoke(key)} fails with the cause). */
    FAILED
  }

  public Revocation {
    Objects.requireNonNull(refreshToken, "refreshToken");
    Objects.requireNonNull(accessToken, "accessToken");
  }

  /** Whether every token held was revoked. */
  public boolean complete() {
    return refreshToken != Outcome.FAILED && refreshToken != Outcome.UNSUPPORTED
        && accessToken == Outcome.REVOKED;
  }
}

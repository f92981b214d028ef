package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Dialect;
import dev.tokenkeeper.TokenBudget;
import dev.tokenkeeper.TokenEndpoint;
import jakarta.servlet.ServletException;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads {@code TokenFilter}'s provider init-params (the endpoints, the dialect, the
 * {@linkplain ExchangeParams exchange}, the client authentication and the budget) into a
 * {@link TokenEndpoint}. Not part of the API; not thread-safe.
 */
final class EndpointParams {
  private static final String URL_FORM = "an absolute https URL such as"
      + " https://platform.example.com/restapi/oauth/token (http only for localhost, 127.0.0.1"
      + " or [::1])";

  final boolean allowInsecureHttp;
  final URI tokenUri;
  final URI revocationUri;
  final Dialect dialect;
  final ExchangeParams exchange;
  final ClientAuthentication authentication;
  /** {@code null}: the dialect's; empty: none. */
  final Optional<TokenBudget> budget;

  private EndpointParams(ParamReader p) throws ServletException {
    allowInsecureHttp = p.bool("allow-insecure-http", false);
    tokenUri = p.url("token-endpoint", allowInsecureHttp, URL_FORM);
    if (tokenUri == null) {
      throw p.missing("token-endpoint", URL_FORM);
    }
    revocationUri = p.url("revocation-endpoint", allowInsecureHttp, URL_FORM);
    dialect = dialect(p);
    exchange = ExchangeParams.read(p);
    authentication = ClientParams.read(p);
    budget = BudgetParams.read(p);
  }

  static EndpointParams read(ParamReader p) throws ServletException {
    return new EndpointParams(p);
  }

  /** @throws RuntimeException the endpoint refuses a setting (its message names it) */
  TokenEndpoint build() {
    TokenEndpoint.Builder b = TokenEndpoint.builder(tokenUri, authentication)
        .revocationUri(revocationUri)
        .allowInsecureHttp(allowInsecureHttp)
        .dialect(dialect);
    exchange.accept(b);
    if (budget != null) {
      // token-budget=none: no budget, even the one the dialect brings.
      b.budget(budget.orElse(null));
    }
    return b.build();
  }

  /** The endpoint's dialect: a comma-separated list, applied in order. */
  private static Dialect dialect(ParamReader p) throws ServletException {
    String form = "a comma-separated list of standard (RFC 6749; the key is not sent),"
        + " ringcentral (the key sent as endpoint_id), ringcentral-legacy (ringcentral, and"
        + " access_token_ttl clamped to 600..3600 s) and scope-required (scope required for"
        + " client_credentials)";
    Dialect dialect = null;
    for (String item : p.items("dialect")) {
      Dialect next = switch (item.toLowerCase(Locale.ROOT)) {
        case "standard" -> Dialect.standard();
        case "ringcentral" -> Dialect.ringCentral();
        case "ringcentral-legacy" -> Dialect.ringCentralLegacy();
        case "scope-required" -> Dialect.clientCredentialsRequireScope();
        default -> throw p.error("dialect", "holds \"" + item + "\"", form);
      };
      dialect = dialect == null ? next : dialect.andThen(next);
    }
    return dialect == null ? Dialect.standard() : dialect;
  }
}

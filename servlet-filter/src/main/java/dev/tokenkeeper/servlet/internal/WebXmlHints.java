package dev.tokenkeeper.servlet.internal;

/**
 * Rewrites the core's messages for {@code web.xml} users: a builder method they cannot reach
 * becomes the init-param that sets the same thing. Not part of the API; stateless.
 */
public final class WebXmlHints {
  private static final String[][] HINTS = {
      {"TokenManager.Builder.retryPolicy", "the init-params retry-max-attempts,"
          + " retry-initial-delay, retry-max-delay and retry-max-elapsed"},
      {"TokenManager.Builder.refreshWindow", "init-param refresh-window"},
      {"TokenManager.Builder.expiryMargin", "init-param expiry-margin"},
      {"TokenManager.Builder.sessionEndingWarning", "init-param session-ending-warning"},
      {"TokenManager.Builder.failureCoolDown", "init-param failure-cool-down"},
      {"TokenManager.Builder.rejectionInterval", "init-param rejection-interval"},
      {"TokenManager.Builder.maximumSize", "init-param maximum-size"},
      {"TokenEndpoint.Builder.maxResponseBytes", "init-param max-response-bytes"},
      {"TokenEndpoint.Builder.connectTimeout", "init-param connect-timeout"},
      {"TokenEndpoint.Builder.requestTimeout", "init-param request-timeout"},
      {"TokenEndpoint.Builder.defaultExpiresIn", "init-param default-expires-in"},
      {"TokenEndpoint.Builder.allowInsecureHttp(true)", "init-param allow-insecure-http=true"},
      {"TokenEndpoint.Builder.revocationUri", "init-param revocation-endpoint"},
      {"TokenManager.Builder.primaryGrant", "init-param grant"},
      {"TokenRequest.Builder.scope", "init-param scope"},
  };

  private WebXmlHints() {}

  /**
   * {@code message} with the builder methods a {@code web.xml} user cannot reach replaced by the
   * init-params that set the same thing; {@code null} stays {@code null}.
   */
  public static String forWebXml(String message) {
    if (message == null) {
      return null;
    }
    String m = message;
    for (String[] hint : HINTS) {
      m = m.replace(hint[0], hint[1]);
    }
    return m;
  }
}

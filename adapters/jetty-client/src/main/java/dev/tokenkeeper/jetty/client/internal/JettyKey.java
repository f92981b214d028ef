package dev.tokenkeeper.jetty.client.internal;

/**
 * The request attribute name that {@code JettyBearer.KEY_ATTRIBUTE} publishes.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class JettyKey {
  public static final String ATTRIBUTE = "dev.tokenkeeper.key";

  private JettyKey() {}
}

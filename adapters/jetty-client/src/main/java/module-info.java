/**
 * TokenKeeper for Jetty 12's {@code HttpClient}: {@link dev.tokenkeeper.jetty.client.JettyBearer}.
 *
 * <p>Exports {@code dev.tokenkeeper.jetty.client} only. Reads TokenKeeper's core and Jetty's
 * client transitively, since it configures a Jetty {@code HttpClient}.
 */
module dev.tokenkeeper.jetty.client {
  requires transitive dev.tokenkeeper.core;
  requires transitive org.eclipse.jetty.client;

  exports dev.tokenkeeper.jetty.client;
}

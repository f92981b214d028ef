/**
 * TokenKeeper for Jetty 12's {@code HttpClient}: {@link dev.tokenkeeper.jetty.client.JettyBearer}.
 */
package dev.tokenkeeper.jetty.client;

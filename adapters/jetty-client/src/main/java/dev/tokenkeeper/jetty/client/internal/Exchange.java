package dev.tokenkeeper.jetty.client.internal;

import dev.tokenkeeper.AccessToken;
import java.net.URI;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpRequest;
import org.eclipse.jetty.util.Attributes;

/**
 * The state of one conversation (the caller's request, its redirects and its retry), kept in the
 * attributes of Jetty's conversation, which every request of it shares; the token sent on one hop
 * is kept on that request. Hops of one conversation run one after the other.
 *
 * <p>Internal: not part of TokenKeeper's API.
 */
public final class Exchange {
  private static final String FIRST = "dev.tokenkeeper.jetty.first";
  private static final String KEY = "dev.tokenkeeper.jetty.key";
  private static final String CROSSED = "dev.tokenkeeper.jetty.crossed";
  private static final String RETRIED = "dev.tokenkeeper.jetty.retried";
  private static final String RENEWED = "dev.tokenkeeper.jetty.renewed";
  private static final String SENT = "dev.tokenkeeper.jetty.sent";

  private final Attributes conversation;
  private final Request request;

  private Exchange(Attributes conversation, Request request) {
    this.conversation = conversation;
    this.request = request;
  }

  /** The exchange {@code request} belongs to; {@code null} for a request Jetty did not make. */
  public static Exchange of(Request request) {
    return request instanceof HttpRequest r ? new Exchange(r.getConversation(), request) : null;
  }

  /** Records this hop: whether it, or an earlier hop, left the origin of the first. */
  public boolean hopCrossesOrigin(boolean sameOriginAsFirst) {
    if (!sameOriginAsFirst) {
      conversation.setAttribute(CROSSED, Boolean.TRUE);
    }
    return conversation.getAttribute(CROSSED) != null;
  }

  /** The URI of the conversation's first request, recorded on first sight. */
  public URI first() {
    Object first = conversation.getAttribute(FIRST);
    if (first == null) {
      conversation.setAttribute(FIRST, request.getURI());
      return request.getURI();
    }
    return (URI) first;
  }

  /**
   * The key of the conversation: the one its first request names in {@code attribute}, else
   * {@code fallback}; recorded on first sight, since redirect hops do not copy attributes.
   */
  public String key(String attribute, String fallback) {
    Object key = conversation.getAttribute(KEY);
    if (key == null) {
      Object named = request.getAttributes().get(attribute);
      key = named instanceof String s && !s.isEmpty() ? s : fallback;
      conversation.setAttribute(KEY, key);
    }
    return (String) key;
  }

  /** The key recorded by {@link #key(String, String)}. */
  public String key() {
    return (String) conversation.getAttribute(KEY);
  }

  public boolean retried() {
    return conversation.getAttribute(RETRIED) != null;
  }

  /** Marks the conversation as retried, with the token the retry is to carry. */
  public void retryWith(AccessToken renewed) {
    conversation.setAttribute(RETRIED, Boolean.TRUE);
    conversation.setAttribute(RENEWED, renewed);
  }

  /** The token a retry is to carry, once; {@code null} when none is waiting. */
  public AccessToken takeRenewed() {
    return (AccessToken) conversation.removeAttribute(RENEWED);
  }

  /** The token sent on this request, or {@code null}. */
  public AccessToken sent() {
    return (AccessToken) request.getAttributes().get(SENT);
  }

  public void sent(AccessToken token) {
    request.attribute(SENT, token);
  }
}

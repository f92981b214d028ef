package dev.tokenkeeper.servlet.login.internal;

import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import java.io.Serializable;
import java.util.function.Consumer;

/**
 * What the {@code HttpSession} holds for a signed-in browser: the server-made key and nothing
 * else (never a token). When the session ends (logout, timeout, invalidation) the key's tokens are
 * forgotten. {@code toString()} is the key, so {@code session:ATTRIBUTE} resolvers read it too.
 * Immutable; serializable (the callback is not carried across, the key is).
 */
public final class SessionKey implements HttpSessionBindingListener, Serializable {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final transient Consumer<String> onEnd;

  public SessionKey(String key, Consumer<String> onEnd) {
    this.key = key;
    this.onEnd = onEnd;
  }

  public String key() {
    return key;
  }

  @Override
  public void valueUnbound(HttpSessionBindingEvent event) {
    if (onEnd != null) {
      onEnd.accept(key);
    }
  }

  @Override
  public String toString() {
    return key;
  }
}

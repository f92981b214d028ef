package dev.tokenkeeper.servlet.login.internal;

import dev.tokenkeeper.servlet.login.SignedInUser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is signed in under which server-made key, with indexes by the provider's {@code sub} and
 * {@code sid} so that a back-channel logout finds every key of a user or provider session.
 * Thread-safe. Bounded by the number of live sessions: entries go when the key is logged out,
 * ended by the provider, or its {@code HttpSession} ends.
 */
public final class SignedInUsers {
  private final Map<String, SignedInUser> byKey = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> bySubject = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> bySid = new ConcurrentHashMap<>();
  private final long maximumSize;

  public SignedInUsers(long maximumSize) {
    this.maximumSize = maximumSize;
  }

  /**
   * @throws IllegalStateException as many users as the token cache holds are signed in already
   */
  public void add(SignedInUser user) {
    if (byKey.size() >= maximumSize) {
      throw new IllegalStateException("already " + byKey.size() + " signed-in sessions, the"
          + " configured maximum-size; raise init-param maximum-size");
    }
    byKey.put(user.key(), user);
    index(bySubject, user.subject(), user.key());
    index(bySid, user.sessionId().orElse(null), user.key());
  }

  public SignedInUser get(String key) {
    return byKey.get(key);
  }

  public SignedInUser remove(String key) {
    SignedInUser user = byKey.remove(key);
    if (user != null) {
      unindex(bySubject, user.subject(), key);
      unindex(bySid, user.sessionId().orElse(null), key);
    }
    return user;
  }

  /**
   * The keys a logout token names: those of {@code sid} (and of {@code sub} too, when both are
   * given), else every key of {@code sub}.
   */
  public List<String> keysFor(String subject, String sid) {
    List<String> keys = new ArrayList<>();
    if (sid != null) {
      for (String key : bySid.getOrDefault(sid, Set.of())) {
        SignedInUser u = byKey.get(key);
        if (u != null && (subject == null || subject.equals(u.subject()))) {
          keys.add(key);
        }
      }
    } else if (subject != null) {
      keys.addAll(bySubject.getOrDefault(subject, Set.of()));
    }
    return keys;
  }

  public int size() {
    return byKey.size();
  }

  private static void index(Map<String, Set<String>> index, String value, String key) {
    if (value != null) {
      index.computeIfAbsent(value, v -> ConcurrentHashMap.newKeySet()).add(key);
    }
  }

  private static void unindex(Map<String, Set<String>> index, String value, String key) {
    if (value != null) {
      index.computeIfPresent(value, (v, keys) -> {
        keys.remove(key);
        return keys.isEmpty() ? null : keys;
      });
    }
  }
}

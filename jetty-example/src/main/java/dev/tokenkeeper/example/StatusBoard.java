package dev.tokenkeeper.example;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.RefreshCause;
import dev.tokenkeeper.SessionTimeouts;
import dev.tokenkeeper.TokenResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import jakarta.servlet.ServletContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the status page shows: per endpoint id, the current token (masked), its lifetime, the
 * refreshes and their causes, 401s, token endpoint failures, the provider session's deadlines and
 * a bounded timeline of all of it. Fed by {@link StatusListener} (TokenKeeper's events) and by the
 * app's servlets (each API call). One per web application: {@link StatusWiring} publishes it as
 * context attribute {@value #ATTRIBUTE}.
 *
 * <p>Thread-safe: every method holds this object's lock briefly and does no I/O. Token values
 * never leave it: the page gets a masked form and a short SHA-256 fingerprint.
 */
public final class StatusBoard {

  private static final int MAX_EVENTS = 400;
  private static final int MAX_KEYS = 50;

  private final Clock clock;
  private final Map<String, Endpoint> endpoints = new TreeMap<>();

  StatusBoard(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Context attribute holding the web application's board. */
  public static final String ATTRIBUTE = "dev.tokenkeeper.example.StatusBoard";

  /**
   * The board of {@code context}.
   *
   * @throws IllegalStateException {@link StatusWiring} did not run (it is declared in web.xml)
   */
  public static StatusBoard of(ServletContext context) {
    if (context.getAttribute(ATTRIBUTE) instanceof StatusBoard board) {
      return board;
    }
    throw new IllegalStateException("no StatusBoard in context attribute " + ATTRIBUTE
        + "; declare dev.tokenkeeper.example.StatusWiring as a <listener> in web.xml");
  }

  // ------------------------------------------------------------------------------------------
  // Events

  synchronized void token(String key, TokenResponse response, RefreshCause cause) {
    Endpoint e = endpoint(key);
    Instant at = response.receivedAt();
    String value = response.accessToken().value();
    e.tokenMasked = mask(value);
    e.fingerprint = fingerprint(value);
    e.issuedAt = at;
    e.expiresAt = response.expiresAt();
    e.scope = response.scope().orElse(null);
    e.tokens++;
    if (cause != RefreshCause.INITIAL) {
      e.refreshes++;
    }
    e.lastCause = cause;
    e.lastTokenAt = at;
    e.fromStore = false;
    e.sessionEnded = false;
    e.sessionEnding = false;
    response.sessionId().ifPresent(id -> e.sessionId = id);
    response.sessionIdleTimeout().ifPresent(idle -> {
      e.idleTimeout = idle;
      Instant lastUse = e.lastUse != null && e.lastUse.isAfter(at) ? e.lastUse : at;
      e.idleDeadline = lastUse.plus(idle);
    });
    response.sessionExpiresAt().ifPresent(end -> e.absoluteDeadline = end);
    Map<String, Object> event = event(e, "token", at);
    event.put("cause", cause.name());
    event.put("expires_at", millis(e.expiresAt));
    event.put("fingerprint", e.fingerprint);
  }

  /**
   * The token a call used. When it is not the last one this instance's listener saw — another
   * instance on the shared store requested it — the card shows it, marked as from the store, and
   * the timeline gets a {@code shared_token} event; this instance's request counts stay as they
   * are.
   */
  synchronized void inUse(String key, AccessToken token) {
    Endpoint e = endpoint(key);
    String fingerprint = fingerprint(token.value());
    if (fingerprint.equals(e.fingerprint)) {
      return;
    }
    Instant at = clock.instant();
    e.tokenMasked = mask(token.value());
    e.fingerprint = fingerprint;
    e.issuedAt = at;
    e.expiresAt = token.expiresAt();
    e.scope = token.scope();
    e.fromStore = true;
    Map<String, Object> event = event(e, "shared_token", at);
    event.put("expires_at", millis(e.expiresAt));
    event.put("fingerprint", fingerprint);
  }

  synchronized void failure(String key, Throwable failure, boolean stillServing) {
    Endpoint e = endpoint(key);
    Instant at = clock.instant();
    e.failures++;
    e.lastFailureAt = at;
    e.lastFailure = describe(failure);
    e.lastFailureStillServing = stillServing;
    Map<String, Object> event = event(e, "failure", at);
    event.put("still_serving", stillServing);
    event.put("message", e.lastFailure);
  }

  /** The token budget had no slot at once for a request of {@code key}: it queued or waits. */
  synchronized void budgetDeferred(String key, RefreshCause cause, Instant nextSlot) {
    Endpoint e = endpoint(key);
    e.budgetDeferrals++;
    Map<String, Object> event = event(e, "budget_deferred", clock.instant());
    event.put("cause", cause.name());
    event.put("next_slot", millis(nextSlot));
  }

  synchronized void rejected(String key, AccessToken token) {
    Endpoint e = endpoint(key);
    e.rejections++;
    event(e, "rejected", clock.instant()).put("fingerprint", fingerprint(token.value()));
  }

  synchronized void sessionEnding(String key, SessionTimeouts timeouts) {
    Endpoint e = endpoint(key);
    e.sessionEnding = true;
    apply(e, timeouts);
    event(e, "session_ending", clock.instant());
  }

  synchronized void sessionEnded(String key, SessionTimeouts timeouts) {
    Endpoint e = endpoint(key);
    e.sessionEnded = true;
    apply(e, timeouts);
    event(e, "session_ended", clock.instant());
  }

  /**
   * The app called the API for {@code key}: {@code status} is the final HTTP status (after the
   * one retry a 401 gets), {@code timeouts} the session as TokenKeeper knows it afterwards.
   */
  public synchronized void called(
      String key, int status, Duration elapsed, SessionTimeouts timeouts) {
    Endpoint e = endpoint(key);
    Instant at = clock.instant();
    e.lastUse = at;
    e.lastCallAt = at;
    e.lastCallStatus = status;
    e.lastCallMillis = elapsed.toMillis();
    e.lastCallError = null;
    if (status >= 200 && status < 300) {
      e.callsOk++;
    } else {
      e.callsFailed++;
    }
    if (timeouts != null) {
      apply(e, timeouts);
    }
    event(e, "call", at).put("status", status);
  }

  /** The app's call for {@code key} failed without an HTTP answer (e.g. the session ended). */
  public synchronized void callFailed(String key, String why) {
    Endpoint e = endpoint(key);
    Instant at = clock.instant();
    e.lastCallAt = at;
    e.lastCallStatus = 0;
    e.lastCallError = why;
    e.callsFailed++;
    event(e, "call", at).put("status", 0);
  }

  /** Refreshes the session deadlines of {@code key} from TokenKeeper's current view. */
  public synchronized void session(String key, SessionTimeouts timeouts) {
    Endpoint e = endpoints.get(key);
    if (e != null && timeouts != null && timeouts != SessionTimeouts.NONE) {
      apply(e, timeouts);
    }
  }

  /** The endpoint ids seen so far. */
  public synchronized List<String> keys() {
    return List.copyOf(endpoints.keySet());
  }

  // ------------------------------------------------------------------------------------------
  // Snapshot

  /** The page's state, JSON-ready: instants are epoch milliseconds, durations seconds. */
  public synchronized Map<String, Object> snapshot() {
    Instant now = clock.instant();
    List<Object> list = new ArrayList<>();
    for (Endpoint e : endpoints.values()) {
      list.add(e.toJson(now));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("now", now.toEpochMilli());
    json.put("endpoints", list);
    return json;
  }

  // ------------------------------------------------------------------------------------------

  private Endpoint endpoint(String key) {
    Endpoint e = endpoints.get(key);
    if (e == null) {
      if (endpoints.size() >= MAX_KEYS) {
        // Bounded: forget the endpoint that has been quiet the longest.
        String oldest = endpoints.values().stream()
            .min((a, b) -> a.lastActivity().compareTo(b.lastActivity()))
            .map(x -> x.key).orElseThrow();
        endpoints.remove(oldest);
      }
      e = new Endpoint(key);
      endpoints.put(key, e);
    }
    return e;
  }

  private static void apply(Endpoint e, SessionTimeouts t) {
    if (t.sessionId() != null) {
      e.sessionId = t.sessionId();
    }
    if (t.idleTimeout() != null) {
      e.idleTimeout = t.idleTimeout();
    }
    if (t.idleDeadline() != null) {
      e.idleDeadline = t.idleDeadline();
    }
    if (t.absoluteDeadline() != null) {
      e.absoluteDeadline = t.absoluteDeadline();
    }
  }

  private static Map<String, Object> event(Endpoint e, String type, Instant at) {
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("type", type);
    event.put("at", at.toEpochMilli());
    e.events.addLast(event);
    while (e.events.size() > MAX_EVENTS) {
      e.events.removeFirst();
    }
    return event;
  }

  /** First and last four characters; the rest hidden. Short tokens are hidden entirely. */
  static String mask(String token) {
    if (token.length() < 16) {
      return "\u2022".repeat(8);
    }
    return token.substring(0, 4) + "\u2022".repeat(8) + token.substring(token.length() - 4);
  }

  /** The first 8 hex digits of the token's SHA-256: tells tokens apart, reveals nothing. */
  static String fingerprint(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    String text = failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    return text.length() > 240 ? text.substring(0, 240) + "\u2026" : text;
  }

  private static Long millis(Instant instant) {
    return instant == null ? null : instant.toEpochMilli();
  }

  private static Long seconds(Duration duration) {
    return duration == null ? null : duration.toSeconds();
  }

  /** Display text for a refresh cause, as the page shows it. */
  static String label(RefreshCause cause) {
    return switch (cause) {
      case INITIAL -> "first token";
      case AHEAD_OF_EXPIRY -> "ahead of expiry";
      case EXPIRED -> "after idle (token had expired)";
      case REJECTED -> "after 401";
      case REACQUIRED -> "new session (the old one ended)";
    };
  }

  private static final class Endpoint {
    final String key;
    final Deque<Map<String, Object>> events = new ArrayDeque<>();
    String tokenMasked;
    String fingerprint;
    /** The current token came from the shared store (another instance requested it). */
    boolean fromStore;
    String scope;
    Instant issuedAt;
    Instant expiresAt;
    long tokens;
    long refreshes;
    RefreshCause lastCause;
    Instant lastTokenAt;
    long rejections;
    long budgetDeferrals;
    long failures;
    Instant lastFailureAt;
    String lastFailure;
    boolean lastFailureStillServing;
    String sessionId;
    Duration idleTimeout;
    Instant idleDeadline;
    Instant absoluteDeadline;
    boolean sessionEnding;
    boolean sessionEnded;
    Instant lastUse;
    Instant lastCallAt;
    int lastCallStatus;
    long lastCallMillis;
    String lastCallError;
    long callsOk;
    long callsFailed;

    Endpoint(String key) {
      this.key = key;
    }

    Instant lastActivity() {
      Instant a = lastTokenAt == null ? Instant.EPOCH : lastTokenAt;
      return lastCallAt != null && lastCallAt.isAfter(a) ? lastCallAt : a;
    }

    Map<String, Object> toJson(Instant now) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("endpoint_id", key);
      if (fingerprint != null) {
        Map<String, Object> token = new LinkedHashMap<>();
        token.put("masked", tokenMasked);
        token.put("fingerprint", fingerprint);
        token.put("issued_at", millis(issuedAt));
        token.put("expires_at", millis(expiresAt));
        token.put("expired", !now.isBefore(expiresAt));
        token.put("scope", scope);
        token.put("from_store", fromStore);
        json.put("token", token);
      } else {
        json.put("token", null);
      }
      json.put("tokens_acquired", tokens);
      json.put("refresh_count", refreshes);
      if (lastCause != null) {
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("at", millis(lastTokenAt));
        last.put("cause", lastCause.name());
        last.put("label", label(lastCause));
        json.put("last_refresh", last);
      } else {
        json.put("last_refresh", null);
      }
      json.put("rejections", rejections);
      json.put("budget_deferrals", budgetDeferrals);
      json.put("failures", failures);
      if (lastFailure != null) {
        Map<String, Object> failure = new LinkedHashMap<>();
        failure.put("at", millis(lastFailureAt));
        failure.put("message", lastFailure);
        failure.put("still_serving", lastFailureStillServing);
        json.put("last_failure", failure);
      } else {
        json.put("last_failure", null);
      }
      Map<String, Object> session = new LinkedHashMap<>();
      session.put("id", sessionId);
      session.put("idle_timeout", seconds(idleTimeout));
      session.put("idle_deadline", millis(idleDeadline));
      session.put("absolute_deadline", millis(absoluteDeadline));
      session.put("ending", sessionEnding);
      session.put("ended", sessionEnded);
      json.put("session", session);
      Map<String, Object> calls = new LinkedHashMap<>();
      calls.put("ok", callsOk);
      calls.put("failed", callsFailed);
      calls.put("last_at", millis(lastCallAt));
      calls.put("last_status", lastCallAt == null ? null : lastCallStatus);
      calls.put("last_ms", lastCallAt == null ? null : lastCallMillis);
      calls.put("last_error", lastCallError);
      json.put("calls", calls);
      json.put("timeline", new ArrayList<>(events));
      return json;
    }
  }
}

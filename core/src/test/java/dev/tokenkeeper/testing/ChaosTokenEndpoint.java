package dev.tokenkeeper.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A token endpoint on a loopback socket whose fault is chosen per request: every way a provider
 * or the network between can fail (see {@link Fault}). It speaks HTTP/1.1 over a plain
 * {@link ServerSocket}, so that it can also reset a connection, answer nothing, or drip.
 *
 * <p>Besides failing, it is a strict provider, and it keeps the books the soak checks against:
 * every access token it issued and until when it is valid (on {@link System#nanoTime()}), every
 * refresh token and whether it is live, rotated or refused, and token requests per key. A refresh
 * token sent again after it was rotated or refused, or one it never issued, is answered
 * {@code invalid_grant} and recorded as a {@linkplain #violations() violation}. Every refresh
 * rotates: the answer carries a new refresh token and the old one is dead. Answers that the
 * client can read but should refuse ({@code token_type} "mac", an unusable {@code expires_in},
 * duplicate keys) are processed like good ones — the refresh token is rotated — because a real
 * provider has processed the request when it answers.
 *
 * <p>Thread-safe. Bounded: each connection is served by a pooled thread for at most
 * {@link #HOLD_MILLIS}; {@link #close()} ends all of them.
 */
public final class ChaosTokenEndpoint implements AutoCloseable {

  /** How a request is answered. */
  public enum Fault {
    /** A good answer: a new access token (1 h) and a rotated refresh token. */
    NONE(false),
    /** The connection is reset before any byte is read (what a refused connection looks like
     *  to a client whose connection was accepted by a dying server). */
    REFUSED(false),
    /** Half of a good answer's body, then a TCP reset. */
    RESET_MID_RESPONSE(false),
    /** No answer until the client gives up (its request timeout), at most {@link #HOLD_MILLIS}. */
    NO_ANSWER(false),
    STATUS_500(false), STATUS_502(false), STATUS_503(false), STATUS_504(false),
    /** 429 with {@code Retry-After} in seconds. */
    TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS(false),
    /** 503 with {@code Retry-After} as an HTTP-date. */
    UNAVAILABLE_RETRY_AFTER_DATE(false),
    /** A 502 HTML error page. */
    HTML_PAGE(false),
    /** 200 with an empty body. */
    EMPTY_BODY(false),
    /** 200 with JSON cut in the middle. */
    TRUNCATED_JSON(false),
    /** 200 with a JSON array instead of an object. */
    JSON_ARRAY(false),
    /** 200 with an object that has no {@code access_token}. */
    NO_ACCESS_TOKEN(false),
    /** A processed answer with {@code token_type} "mac". */
    TOKEN_TYPE_MAC(true),
    /** A processed answer with {@code expires_in} -5. */
    EXPIRES_IN_NEGATIVE(true),
    /** A processed answer with {@code expires_in} 0. */
    EXPIRES_IN_ZERO(true),
    /** A processed answer with {@code expires_in} 10^12 seconds. */
    EXPIRES_IN_HUGE(true),
    /** A processed answer with {@code expires_in} "abc". */
    EXPIRES_IN_TEXT(true),
    /** 400 {@code invalid_grant}; a refresh token sent with it is dead from now on. */
    INVALID_GRANT(false),
    /** 401 {@code invalid_client}. */
    INVALID_CLIENT(false),
    /** 200 announcing and streaming a 20 MB body. */
    HUGE_BODY(false),
    /** A good answer's body at one byte a second. */
    DRIP(false),
    /** A processed answer with each key twice ({@code access_token} with two values). */
    DUPLICATE_KEYS(true);

    /** Whether the request is processed (tokens issued, the refresh token rotated). */
    public final boolean processed;

    Fault(boolean processed) {
      this.processed = processed;
    }
  }

  /** A token request as the endpoint read it. */
  public record Request(int sequence, String key, String grantType, Map<String, String> form) {}

  /** An access token this endpoint issued. */
  public record Issued(String key, String accessToken, long issuedNanos, long expiresAtNanos,
      Fault fault) {}

  /** The state of a refresh token this endpoint issued. */
  public enum RefreshState { LIVE, ROTATED, REFUSED }

  /** Longest time a connection is held (no answer, drip). */
  public static final long HOLD_MILLIS = 5_000;
  /** Size announced and streamed by {@link Fault#HUGE_BODY}. */
  public static final int HUGE_BYTES = 20 * 1024 * 1024;
  /** Lifetime of a good token. */
  public static final long EXPIRES_IN = 3600;

  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT);

  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "chaos-endpoint");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Function<Request, Fault> chooser;
  private final long retryAfterSeconds;
  private final AtomicInteger sequence = new AtomicInteger();
  private final AtomicLong tokenNumber = new AtomicLong();
  private final Map<String, Issued> issued = new ConcurrentHashMap<>();
  private final Map<String, RefreshState> refreshTokens = new ConcurrentHashMap<>();
  private final Map<String, Fault> rotatedBy = new ConcurrentHashMap<>();
  /** The {@link AttemptLog} number of the request whose answer rotated a refresh token. */
  private final Map<String, Long> rotatedInAttempt = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requestsByKey = new ConcurrentHashMap<>();
  private final Map<Fault, AtomicInteger> faults = Collections.synchronizedMap(new EnumMap<>(Fault.class));
  private final List<Reuse> reuses = Collections.synchronizedList(new ArrayList<>());
  private volatile java.util.function.LongPredicate unanswered = attempt -> false;
  private volatile boolean closed;

  /**
   * @param chooser picks the fault for each request (called on the connection's thread)
   * @param retryAfterSeconds the {@code Retry-After} the two Retry-After faults announce
   */
  public ChaosTokenEndpoint(Function<Request, Fault> chooser, long retryAfterSeconds)
      throws IOException {
    this.chooser = chooser;
    this.retryAfterSeconds = retryAfterSeconds;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    Thread acceptor = new Thread(this::acceptLoop, "chaos-endpoint-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Faults drawn from {@code seed}: each request is good with probability {@code 1 - faultRate},
   * else one of {@code faults}: the first faults drawn are each of {@code faults} once, in order
   * (so that a short run meets every kind), then uniformly at random. The draw is made under a
   * lock in arrival order, so a run with one client thread is reproducible; with many, the
   * multiset of faults is.
   */
  public static Function<Request, Fault> seeded(long seed, double faultRate, List<Fault> faults) {
    Random random = new Random(seed);
    int[] drawn = {0};
    return request -> {
      synchronized (random) {
        if (random.nextDouble() >= faultRate) {
          return Fault.NONE;
        }
        return drawn[0] < faults.size() ? faults.get(drawn[0]++)
            : faults.get(random.nextInt(faults.size()));
      }
    };
  }

  public URI tokenUri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/oauth/token");
  }

  /** Whether {@code accessToken} was issued here and is valid now. */
  public boolean validNow(String accessToken) {
    Issued i = issued.get(accessToken);
    return i != null && System.nanoTime() - i.expiresAtNanos() < 0;
  }

  public Issued issued(String accessToken) {
    return issued.get(accessToken);
  }

  public int requests() {
    return sequence.get();
  }

  public int requests(String key) {
    AtomicInteger n = requestsByKey.get(key);
    return n == null ? 0 : n.get();
  }

  /** Faults injected so far, by kind ({@link Fault#NONE} excluded). */
  public Map<Fault, Integer> faults() {
    Map<Fault, Integer> copy = new LinkedHashMap<>();
    synchronized (faults) {
      faults.forEach((f, n) -> {
        if (f != Fault.NONE) {
          copy.put(f, n.get());
        }
      });
    }
    return copy;
  }

  public int faultCount() {
    return faults().values().stream().mapToInt(Integer::intValue).sum();
  }

  /** A dead or unknown refresh token sent; {@code rotatedInAttempt} 0 when not known. */
  private record Reuse(String message, long rotatedInAttempt) {}

  /**
   * Tells which requests' answers the client never got ({@link AttemptLog#unanswered}): a
   * refresh token rotated in such an answer and sent again is no violation, since no client can
   * know of a rotation whose answer it lost, but an {@link #unseenRotations() unseen rotation}.
   */
  public void answersLostBy(java.util.function.LongPredicate unanswered) {
    this.unanswered = unanswered;
  }

  /** Refresh tokens sent after they were rotated or refused, or never issued; must stay empty. */
  public List<String> violations() {
    return reuses(false);
  }

  /**
   * Refresh tokens sent again after a rotation in an answer the client never got (it timed out
   * first, on a loaded machine): the provider's side of a lost answer, not the client's fault.
   */
  public List<String> unseenRotations() {
    return reuses(true);
  }

  private List<String> reuses(boolean unseen) {
    synchronized (reuses) {
      return reuses.stream()
          .filter(r -> unseen == (r.rotatedInAttempt() != 0
              && unanswered.test(r.rotatedInAttempt())))
          .map(Reuse::message).toList();
    }
  }

  /** Every access and refresh token issued: what must never show in a log or a message. */
  public List<String> secrets() {
    List<String> all = new ArrayList<>(issued.keySet());
    all.addAll(refreshTokens.keySet());
    return all;
  }

  public RefreshState refreshState(String refreshToken) {
    return refreshTokens.get(refreshToken);
  }

  // ---- serving ---------------------------------------------------------------------------

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        open.add(s);
        pool.execute(() -> {
          try {
            serve(s);
          } catch (IOException | RuntimeException e) {
            // the client went away, or we reset it on purpose
          } finally {
            open.remove(s);
            closeQuietly(s);
          }
        });
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void serve(Socket s) throws IOException {
    s.setSoTimeout((int) HOLD_MILLIS);
    InputStream in = s.getInputStream();
    String head = readHead(in);
    if (head == null) {
      return;
    }
    int contentLength = 0;
    long attempt = 0;
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
        contentLength = Integer.parseInt(line.substring(colon + 1).trim());
      }
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(AttemptLog.HEADER)) {
        attempt = Long.parseLong(line.substring(colon + 1).trim());
      }
    }
    byte[] body = in.readNBytes(contentLength);
    Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
    String key = form.getOrDefault("endpoint_id", "");
    Request request = new Request(sequence.incrementAndGet(), key, form.get("grant_type"), form);
    requestsByKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    Fault fault = chooser.apply(request);
    faults.computeIfAbsent(fault, f -> new AtomicInteger()).incrementAndGet();
    OutputStream out = s.getOutputStream();

    if (fault == Fault.REFUSED) {
      reset(s);
      return;
    }
    // A refresh with a dead token is always refused and recorded, whatever the fault.
    String refreshToken = "refresh_token".equals(request.grantType()) ? form.get("refresh_token") : null;
    if (refreshToken != null) {
      RefreshState state = refreshTokens.get(refreshToken);
      if (state != RefreshState.LIVE) {
        reuses.add(new Reuse("request " + request.sequence() + " for key " + key + " sent a"
            + " refresh token " + (state == null ? "never issued" : "already "
            + state.name().toLowerCase(Locale.ROOT) + (state == RefreshState.ROTATED
                ? " by a " + rotatedBy.get(refreshToken) + " answer" : "")),
            state == RefreshState.ROTATED ? rotatedInAttempt.getOrDefault(refreshToken, 0L) : 0));
        write(out, 400, "application/json", "{\"error\":\"invalid_grant\"}", Map.of());
        return;
      }
    }
    switch (fault) {
      case NONE, TOKEN_TYPE_MAC, EXPIRES_IN_NEGATIVE, EXPIRES_IN_ZERO, EXPIRES_IN_HUGE,
          EXPIRES_IN_TEXT, DUPLICATE_KEYS -> write(out, 200, "application/json",
          answer(key, refreshToken, fault, attempt), Map.of());
      case RESET_MID_RESPONSE -> {
        String json = goodLooking(key);
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes, 0, bytes.length / 2);
        out.flush();
        reset(s);
      }
      case NO_ANSWER -> waitForClose(in);
      case STATUS_500 -> write(out, 500, "application/json", "{\"error\":\"server_error\"}", Map.of());
      case STATUS_502 -> write(out, 502, "application/json", "{\"error\":\"bad_gateway\"}", Map.of());
      case STATUS_503 -> write(out, 503, "application/json",
          "{\"error\":\"temporarily_unavailable\"}", Map.of());
      case STATUS_504 -> write(out, 504, "text/plain", "gateway timeout", Map.of());
      case TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS -> write(out, 429, "application/json",
          "{\"error\":\"rate_limited\"}", Map.of("Retry-After", Long.toString(retryAfterSeconds)));
      case UNAVAILABLE_RETRY_AFTER_DATE -> write(out, 503, "text/plain", "maintenance",
          Map.of("Retry-After", HTTP_DATE.format(
              ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(retryAfterSeconds + 1))));
      case HTML_PAGE -> write(out, 502, "text/html",
          "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad"
              + " Gateway</h1><p>The upstream server is not answering.</p></body></html>", Map.of());
      case EMPTY_BODY -> write(out, 200, "application/json", "", Map.of());
      case TRUNCATED_JSON -> write(out, 200, "application/json",
          "{\"access_token\":\"trunc" + tokenNumber.incrementAndGet() + "\",\"token_ty", Map.of());
      case JSON_ARRAY -> write(out, 200, "application/json",
          "[{\"access_token\":\"arr" + tokenNumber.incrementAndGet()
              + "\",\"token_type\":\"bearer\",\"expires_in\":3600}]", Map.of());
      case NO_ACCESS_TOKEN -> write(out, 200, "application/json",
          "{\"token_type\":\"bearer\",\"expires_in\":3600}", Map.of());
      case INVALID_GRANT -> {
        if (refreshToken != null) {
          refreshTokens.put(refreshToken, RefreshState.REFUSED);
        }
        write(out, 400, "application/json",
            "{\"error\":\"invalid_grant\",\"error_description\":\"refused\"}", Map.of());
      }
      case INVALID_CLIENT -> write(out, 401, "application/json",
          "{\"error\":\"invalid_client\"}", Map.of("WWW-Authenticate", "Basic realm=\"chaos\""));
      case HUGE_BODY -> huge(out);
      case DRIP -> drip(out, goodLooking(key));
      default -> throw new IllegalStateException("unhandled fault " + fault);
    }
  }

  /** A processed answer: issues the access token, rotates the refresh token. */
  private String answer(String key, String refreshToken, Fault fault, long attempt) {
    long now = System.nanoTime();
    String access = "AT" + tokenNumber.incrementAndGet() + "sEcR";
    String newRefresh = "RT" + tokenNumber.incrementAndGet() + "sEcR";
    if (refreshToken != null) {
      refreshTokens.put(refreshToken, RefreshState.ROTATED);
      rotatedBy.put(refreshToken, fault);
      if (attempt != 0) {
        rotatedInAttempt.put(refreshToken, attempt);
      }
    }
    refreshTokens.put(newRefresh, RefreshState.LIVE);
    String expiresIn;
    long lifetimeSeconds;
    switch (fault) {
      case EXPIRES_IN_NEGATIVE -> { expiresIn = "-5"; lifetimeSeconds = 0; }
      case EXPIRES_IN_ZERO -> { expiresIn = "0"; lifetimeSeconds = 0; }
      case EXPIRES_IN_HUGE -> { expiresIn = "1000000000000"; lifetimeSeconds = 1_000_000_000L; }
      case EXPIRES_IN_TEXT -> { expiresIn = "\"abc\""; lifetimeSeconds = 0; }
      default -> { expiresIn = Long.toString(EXPIRES_IN); lifetimeSeconds = EXPIRES_IN; }
    }
    String tokenType = fault == Fault.TOKEN_TYPE_MAC ? "mac" : "bearer";
    // A token the client must refuse is never valid: it counts as expired at issue.
    long expiresAt = fault == Fault.TOKEN_TYPE_MAC ? now
        : now + TimeUnit.SECONDS.toNanos(lifetimeSeconds);
    issued.put(access, new Issued(key, access, now, expiresAt, fault));
    if (fault == Fault.DUPLICATE_KEYS) {
      String other = "AT" + tokenNumber.incrementAndGet() + "sEcR";
      issued.put(other, new Issued(key, other, now, now + TimeUnit.SECONDS.toNanos(EXPIRES_IN),
          fault));
      return "{\"access_token\":\"" + access + "\",\"access_token\":\"" + other
          + "\",\"token_type\":\"bearer\",\"expires_in\":3600,\"expires_in\":60,\"refresh_token\":\""
          + newRefresh + "\",\"endpoint_id\":\"" + key + "\"}";
    }
    return "{\"access_token\":\"" + access + "\",\"token_type\":\"" + tokenType
        + "\",\"expires_in\":" + expiresIn + ",\"refresh_token\":\"" + newRefresh
        + "\",\"refresh_token_expires_in\":86400,\"endpoint_id\":\"" + key + "\"}";
  }

  /** A good-looking answer that never arrives whole: its token is not issued. */
  private String goodLooking(String key) {
    return "{\"access_token\":\"lost-" + tokenNumber.incrementAndGet()
        + "\",\"token_type\":\"bearer\",\"expires_in\":3600,\"endpoint_id\":\"" + key + "\"}";
  }

  private void huge(OutputStream out) throws IOException {
    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + HUGE_BYTES
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    byte[] chunk = new byte[64 * 1024];
    java.util.Arrays.fill(chunk, (byte) ' ');
    chunk[0] = '{';
    for (int sent = 0; sent < HUGE_BYTES && !closed; sent += chunk.length) {
      out.write(chunk, 0, Math.min(chunk.length, HUGE_BYTES - sent));
      chunk[0] = ' ';
    }
    out.flush();
  }

  private void drip(OutputStream out, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOLD_MILLIS);
    for (int i = 0; i < bytes.length && !closed && System.nanoTime() < deadline; i++) {
      out.write(bytes[i]);
      out.flush();
      try {
        Thread.sleep(1000); // the fault itself: one byte a second, bounded by HOLD_MILLIS
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void waitForClose(InputStream in) {
    try {
      while (in.read() >= 0) {
        // the client sent more than its request: ignore it and keep waiting for its close
      }
    } catch (IOException e) {
      // timed out (HOLD_MILLIS) or reset: done
    }
  }

  private static void write(OutputStream out, int status, String type, String body,
      Map<String, String> headers) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n")
        .append("Content-Type: ").append(type).append("\r\n")
        .append("Content-Length: ").append(bytes.length).append("\r\n")
        .append("Cache-Control: no-store\r\nConnection: close\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0;
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      last4 = (last4 << 8) | b;
      if (last4 == 0x0d0a0d0a) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
      if (head.size() > 64 * 1024) {
        return null;
      }
    }
    return null;
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new LinkedHashMap<>();
    if (body.isEmpty()) {
      return form;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException e) {
      // closed already
    }
    closeQuietly(s);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // nothing to do
    }
    open.forEach(ChaosTokenEndpoint::reset);
    pool.shutdownNow();
  }
}

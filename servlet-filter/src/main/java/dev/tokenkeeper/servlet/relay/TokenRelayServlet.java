package dev.tokenkeeper.servlet.relay;

import dev.tokenkeeper.AccessToken;
import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.servlet.TokenContext;
import dev.tokenkeeper.servlet.internal.ParamReader;
import dev.tokenkeeper.servlet.internal.Responses;
import dev.tokenkeeper.servlet.relay.internal.HopByHop;
import dev.tokenkeeper.servlet.relay.internal.RelayPaths;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A token relay for single-page apps (the backend-for-frontend pattern): the browser calls
 * {@code /api/**} on the app's own origin with its session cookie, and this servlet forwards the
 * call to a configured upstream base URL with the signed-in user's access token. Tokens never
 * reach the browser.
 *
 * <p>Map it behind {@code LoginFilter} (or {@code TokenFilter}), which binds the request's {@link
 * TokenContext}. For each request it
 *
 * <ul>
 *   <li>requires the anti-CSRF header (default {@code X-Requested-With}; any non-empty value), which
 *       a cross-site form cannot send and a cross-site script cannot send without a CORS
 *       preflight this servlet never answers; without it: {@code 403};
 *   <li>refuses paths that could leave the upstream base ({@code ..}, {@code %2e%2e}, encoded
 *       slashes and backslashes, backslashes, {@code //}, {@code ;}): {@code 400};
 *   <li>forwards method, path, query, headers and body, without the browser's cookies, its own
 *       {@code Authorization} and hop-by-hop headers (RFC 9110, 7.6.1), streaming the body both
 *       ways (nothing is held whole in memory except request bodies up to the retry limit);
 *   <li>after upstream rejects the token (a {@code 401}, or {@code WWW-Authenticate: Bearer
 *       error="invalid_token"}), reports it through {@link dev.tokenkeeper.TokenManager#rejected}
 *       (one refresh however many requests were rejected at once) and repeats the call once with
 *       the new token, when the request body was at most {@code retry-body-limit} bytes (it was
 *       kept for that). When the manager hands back the same token (within its rejection
 *       interval, init-param {@code rejection-interval}) or the body was streamed, upstream's
 *       answer goes back as it came and the call is not repeated;
 *   <li>passes every other answer, errors included, through unchanged (status, headers except
 *       hop-by-hop and {@code Set-Cookie}, body).
 * </ul>
 *
 * <p>It never creates a session or changes its id. Thread-safe. Configure it with init-params
 * ({@code upstream}, {@code csrf-header}, {@code retry-body-limit}, {@code timeout},
 * {@code allow-insecure-http}; CONFIGURATION.md, "Token relay") or in code with {@link #builder}.
 */
public final class TokenRelayServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final System.Logger LOG = System.getLogger(TokenRelayServlet.class.getName());
  private static final List<String> NAMES = List.of("upstream", "csrf-header", "retry-body-limit",
      "timeout", "allow-insecure-http");
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH",
      "DELETE", "OPTIONS");

  private transient volatile Settings settings;
  private transient volatile HttpClient client;
  private transient volatile boolean ownsClient;

  private record Settings(URI upstream, String csrfHeader, int retryBodyLimit, Duration timeout) {}

  /** For {@code web.xml}: configured by init-params at {@code init}. */
  public TokenRelayServlet() {}

  private TokenRelayServlet(Builder b) {
    this.settings = new Settings(b.upstream, b.csrfHeader, b.retryBodyLimit, b.timeout);
    this.client = b.client;
  }

  /** A relay to {@code upstream} (an absolute http(s) base URL; relayed paths go below it). */
  public static Builder builder(URI upstream) {
    return new Builder(upstream);
  }

  @Override
  public void init(ServletConfig config) throws ServletException {
    super.init(config);
    if (settings == null) {
      ParamReader p = ParamReader.of("TokenRelayServlet", config, NAMES, System::getenv,
          System::getProperty);
      URI upstream = p.url("upstream", p.bool("allow-insecure-http", false));
      if (upstream == null) {
        p.require("upstream", "the absolute base URL of the API, such as"
            + " https://api.example.com/v1");
      }
      Long limit = p.bytes("retry-body-limit", 0, 16 * 1024 * 1024, "a number of bytes from 0"
          + " to 16777216, optionally with the suffix KiB or MiB (65536, 64KiB, 16MiB)");
      // Zero would fail every relayed request (HttpRequest refuses a zero timeout): refused here.
      Duration timeout = p.positiveDuration("timeout");
      settings = new Settings(stripSlash(upstream), p.get("csrf-header", "X-Requested-With"),
          limit == null ? 64 * 1024 : limit.intValue(),
          timeout == null ? Duration.ofSeconds(60) : timeout);
    }
    if (client == null) {
      // HTTP/2 over TLS (ALPN); on cleartext http no h2c upgrade dance, which holds request
      // bodies back.
      client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
          .version("https".equalsIgnoreCase(settings.upstream.getScheme())
              ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10)).build();
      ownsClient = true;
    }
  }

  private static URI stripSlash(URI uri) {
    String s = uri.toString();
    return s.endsWith("/") ? URI.create(s.substring(0, s.length() - 1)) : uri;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Settings s = settings;
    String method = request.getMethod().toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      response.setHeader("Allow", String.join(", ", METHODS));
      refuse(response, 405, "method_not_allowed", method + " is not relayed");
      return;
    }
    String csrf = request.getHeader(s.csrfHeader);
    if (csrf == null || csrf.isBlank()) {
      refuse(response, 403, "csrf_header_required", "Relayed requests must carry the header "
          + s.csrfHeader + " (sent by scripts of this app, never by a cross-site form)");
      return;
    }
    String rest = RelayPaths.rest(request.getRequestURI(), request.getContextPath(),
        request.getServletPath());
    if (rest == null) {
      refuse(response, 400, "invalid_path", "The path must stay below the API's base: no dot"
          + " segments, encoded dots, slashes or backslashes, backslashes, // or ;");
      return;
    }
    TokenContext tk = TokenContext.find(request).orElse(null);
    if (tk == null) {
      LOG.log(Level.ERROR, "TokenRelayServlet has no TokenContext: map LoginFilter or TokenFilter"
          + " to its URL pattern");
      refuse(response, 500, "relay_not_configured", "The relay is not behind the login filter");
      return;
    }
    String query = request.getQueryString();
    URI target = URI.create(s.upstream + rest + (query == null ? "" : "?" + query));

    long length = request.getContentLengthLong();
    boolean chunked = request.getHeader("Transfer-Encoding") != null;
    byte[] buffered = null;
    boolean hasBody = length > 0 || chunked;
    if (hasBody && length >= 0 && length <= s.retryBodyLimit) {
      buffered = request.getInputStream().readNBytes((int) length);
    }
    AccessToken token = tk.token();
    HttpResponse<InputStream> answer = send(request, method, target, token, buffered, hasBody,
        length, s);
    if (BearerPolicy.rejectsToken(answer.statusCode(),
        answer.headers().allValues("WWW-Authenticate"))) {
      if (hasBody && buffered == null) {
        // The body streamed upstream and cannot be sent again: the 401 goes back, and the token
        // is reported so that the next request carries a new one.
        report(tk, token);
      } else {
        // One compare-and-refresh. A failure propagates: the filter's policy answers a
        // ReauthenticationRequiredException (the user must sign in again).
        AccessToken renewed;
        try {
          renewed = BearerPolicy.awaitRenewal(
              tk.tokenManager().rejected(tk.endpointId(), token));
        } catch (IOException | RuntimeException e) {
          answer.body().close();
          throw e;
        }
        if (!renewed.value().equals(token.value())) {
          answer.body().close();
          answer = send(request, method, target, renewed, buffered, hasBody, length, s);
        }
        // Else the manager passed the 401 on (at most one refresh per rejection-interval): the
        // same token would be rejected again, so upstream's answer goes back as it came.
      }
    }
    copyBack(answer, response);
  }

  private static void report(TokenContext tk, AccessToken token) {
    try {
      tk.tokenManager().rejected(tk.endpointId(), token);
    } catch (RuntimeException e) {
      // The next request meets the same condition through token() and answers it.
      LOG.log(Level.DEBUG, "reporting a rejected token failed: {0}", e.toString());
    }
  }

  private HttpResponse<InputStream> send(HttpServletRequest request, String method, URI target,
      AccessToken token, byte[] buffered, boolean hasBody, long length, Settings s)
      throws IOException {
    HttpRequest.BodyPublisher body;
    if (buffered != null) {
      body = HttpRequest.BodyPublishers.ofByteArray(buffered);
    } else if (hasBody) {
      InputStream in = request.getInputStream();
      HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(() -> in);
      body = length > 0 ? HttpRequest.BodyPublishers.fromPublisher(stream, length) : stream;
    } else {
      body = HttpRequest.BodyPublishers.noBody();
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(s.timeout)
        .method(method, body);
    List<String> connection = Collections.list(request.getHeaders("Connection"));
    Set<String> listed = HopByHop.listed(connection);
    for (String name : Collections.list(request.getHeaderNames())) {
      if (HopByHop.dropRequest(name, listed)) {
        continue;
      }
      for (String value : Collections.list(request.getHeaders(name))) {
        try {
          b.header(name, value);
        } catch (IllegalArgumentException restricted) {
          // a header java.net.http sets itself; the upstream gets its own
        }
      }
    }
    b.header("Authorization", "Bearer " + token.value());
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while relaying", e);
    }
  }

  private static void copyBack(HttpResponse<InputStream> answer, HttpServletResponse response)
      throws IOException {
    response.setStatus(answer.statusCode());
    Map<String, List<String>> headers = answer.headers().map();
    Set<String> listed = HopByHop.listed(headers.getOrDefault("connection", List.of()));
    headers.forEach((name, values) -> {
      if (!HopByHop.dropResponse(name, listed)) {
        for (String v : values) {
          response.addHeader(name, v);
        }
      }
    });
    answer.headers().firstValueAsLong("content-length").ifPresent(response::setContentLengthLong);
    try (InputStream in = answer.body()) {
      OutputStream out = response.getOutputStream();
      byte[] chunk = new byte[16 * 1024];
      for (int n; (n = in.read(chunk)) >= 0; ) {
        out.write(chunk, 0, n);
        if (in.available() == 0) {
          out.flush(); // stream: what arrived goes on now
        }
      }
    }
  }

  private static void refuse(HttpServletResponse response, int status, String error,
      String description) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("error_description", description);
    Responses.json(response, status, body);
  }

  @Override
  public void destroy() {
    if (ownsClient && client instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        // nothing to do
      }
    }
  }

  /** Builds a {@link TokenRelayServlet} in code; not thread-safe. */
  public static final class Builder {
    private final URI upstream;
    private String csrfHeader = "X-Requested-With";
    private int retryBodyLimit = 64 * 1024;
    private Duration timeout = Duration.ofSeconds(60);
    private HttpClient client;

    private Builder(URI upstream) {
      Objects.requireNonNull(upstream, "upstream");
      String scheme = String.valueOf(upstream.getScheme()).toLowerCase(Locale.ROOT);
      if (!upstream.isAbsolute() || upstream.getHost() == null
          || !(scheme.equals("http") || scheme.equals("https")) || upstream.getRawQuery() != null
          || upstream.getRawFragment() != null) {
        throw new IllegalArgumentException("the upstream must be an absolute http(s) URL without"
            + " query or fragment; got " + upstream);
      }
      this.upstream = stripSlash(upstream);
    }

    /** The anti-CSRF header every relayed request must carry; default {@code X-Requested-With}. */
    public Builder csrfHeader(String name) {
      this.csrfHeader = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Request bodies up to this many bytes are kept, so a 401 can be retried; default 64 KiB. */
    public Builder retryBodyLimit(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("retryBodyLimit must be 0 or more");
      }
      this.retryBodyLimit = bytes;
      return this;
    }

    /** How long the upstream may take to answer (until its headers); default 60 s. */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** The client to call upstream with; it must not follow redirects. Yours to close. */
    public Builder httpClient(HttpClient client) {
      this.client = client;
      return this;
    }

    public TokenRelayServlet build() {
      return new TokenRelayServlet(this);
    }
  }
}

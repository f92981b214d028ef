package dev.tokenkeeper.benchmarks;

import com.google.auth.oauth2.OAuth2Credentials;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;

/**
 * Steady state with refresh ahead of expiry: what callers feel while tokens are renewed under
 * them. {@code callers} threads ask in a loop for the {@code Authorization} header of one of
 * {@code keys} keys (round robin) while short-lived tokens ({@code lifetime}, refreshed within
 * {@code window} of their expiry) are renewed by a loopback provider that answers after
 * {@code delay}. Each library is measured in turn, in the same JVM, with the same settings:
 *
 * <ul>
 *   <li>TokenKeeper: {@code refreshWindow(window)}, the header from {@code token(key)};
 *   <li>google-auth: {@code OAuth2Credentials} with refresh margin {@code window} (its own
 *       asynchronous refresh) and expiration margin {@code window / 3}, one per key in a map;
 *   <li>Spring Security: {@code AuthorizedClientServiceOAuth2AuthorizedClientManager} with the
 *       client-credentials provider's clock skew {@code window} (it refreshes in the caller).
 * </ul>
 *
 * <p>Per library it reports the callers' latency distribution (p50, p99, p99.9, max, and how many
 * calls took longer than 10 ms) over the measured seconds, and the token requests the provider
 * saw: in all and per key, and how many of them were duplicates (a second request for a key
 * within half a refresh period of the previous one: more than one request per key per refresh).
 *
 * <pre>java -cp benchmarks.jar dev.tokenkeeper.benchmarks.SteadyStateBenchmark [--callers 16]
 *     [--keys 8] [--lifetime-s 3] [--window-ms 1000] [--seconds 12] [--warmup-s 3]
 *     [--delay-ms 20] [--pause-us 500] [--json FILE]</pre>
 */
public final class SteadyStateBenchmark {

  /** One library's way of answering "the Authorization header for key i, now". */
  interface Contender extends AutoCloseable {
    String header(int key) throws Exception;

    @Override
    default void close() {}
  }

  interface Factory {
    Contender create(URI tokenUri, String[] keys, Duration window) throws Exception;
  }

  private final int callers;
  private final int keys;
  private final Duration lifetime;
  private final Duration window;
  private final Duration measured;
  private final Duration warmup;
  private final Duration delay;
  private final long pauseNanos;

  SteadyStateBenchmark(int callers, int keys, Duration lifetime, Duration window,
      Duration measured, Duration warmup, Duration delay, long pauseNanos) {
    this.pauseNanos = pauseNanos;
    this.callers = callers;
    this.keys = keys;
    this.lifetime = lifetime;
    this.window = window;
    this.measured = measured;
    this.warmup = warmup;
    this.delay = delay;
  }

  public static void main(String[] args) throws Exception {
    int callers = 16;
    int keys = 8;
    long lifetimeS = 3;
    long windowMs = 1000;
    long seconds = 12;
    long warmupS = 3;
    long delayMs = 20;
    long pauseUs = 500;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--callers" -> callers = Integer.parseInt(args[++i]);
        case "--keys" -> keys = Integer.parseInt(args[++i]);
        case "--lifetime-s" -> lifetimeS = Long.parseLong(args[++i]);
        case "--window-ms" -> windowMs = Long.parseLong(args[++i]);
        case "--seconds" -> seconds = Long.parseLong(args[++i]);
        case "--warmup-s" -> warmupS = Long.parseLong(args[++i]);
        case "--delay-ms" -> delayMs = Long.parseLong(args[++i]);
        case "--pause-us" -> pauseUs = Long.parseLong(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; expected --callers N, --keys N, --lifetime-s N, --window-ms N, --seconds N,"
            + " --warmup-s N, --delay-ms N, --pause-us N or --json FILE");
      }
    }
    SteadyStateBenchmark bench = new SteadyStateBenchmark(callers, keys,
        Duration.ofSeconds(lifetimeS), Duration.ofMillis(windowMs), Duration.ofSeconds(seconds),
        Duration.ofSeconds(warmupS), Duration.ofMillis(delayMs), pauseUs * 1000);
    List<Map<String, Object>> results = new ArrayList<>();
    results.add(bench.measure("tokenkeeper", TokenKeeperSteady::new));
    results.add(bench.measure("google", GoogleSteady::new));
    results.add(bench.measure("spring", SpringSteady::new));
    if (json != null) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("callers", callers);
      doc.put("keys", keys);
      doc.put("lifetimeSeconds", lifetimeS);
      doc.put("windowMillis", windowMs);
      doc.put("measuredSeconds", seconds);
      doc.put("delayMillis", delayMs);
      doc.put("pauseMicros", pauseUs);
      doc.put("results", results);
      Files.createDirectories(json.toAbsolutePath().getParent());
      Files.writeString(json, JSONObjectUtils.toJSONString(doc));
    }
  }

  Map<String, Object> measure(String library, Factory factory) throws Exception {
    String[] names = new String[keys];
    for (int i = 0; i < keys; i++) {
      names[i] = "steady-" + i;
    }
    try (TokenServer server = TokenServer.start(delay, lifetime);
        Contender contender = factory.create(server.tokenUri(), names, window)) {
      for (int i = 0; i < keys; i++) {
        contender.header(i); // every key holds a token before the clock starts
      }
      Histogram[] histograms = new Histogram[callers];
      AtomicReference<Throwable> failure = new AtomicReference<>();
      CountDownLatch start = new CountDownLatch(1);
      long warmupEnds = 0;
      List<Thread> threads = new ArrayList<>();
      long[] phase = new long[2]; // [0] measured from, [1] stop at; written before start
      for (int t = 0; t < callers; t++) {
        Histogram h = histograms[t] = new Histogram();
        int first = t % keys;
        Thread thread = new Thread(() -> {
          int k = first;
          long sink = 0;
          try {
            start.await();
            long from = phase[0];
            long stop = phase[1];
            for (;;) {
              long t0 = System.nanoTime();
              if (t0 >= stop) {
                break;
              }
              String header = contender.header(k);
              long t1 = System.nanoTime();
              sink += header.length();
              if (t0 >= from) {
                h.record(t1 - t0);
              }
              k = k + 1 == keys ? 0 : k + 1;
              if (pauseNanos > 0) {
                LockSupport.parkNanos(pauseNanos);
              }
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
          if (sink == 42) {
            System.out.print(""); // keeps the header reads alive
          }
        }, "steady-caller-" + t);
        threads.add(thread);
        thread.start();
      }
      long now = System.nanoTime();
      warmupEnds = now + warmup.toNanos();
      phase[0] = warmupEnds;
      phase[1] = warmupEnds + measured.toNanos();
      start.countDown();
      // Requests before the measured phase (priming, warm-up) are not counted.
      Thread.sleep(Math.max(0, (warmupEnds - System.nanoTime()) / 1_000_000));
      for (Thread thread : threads) {
        thread.join(measured.toMillis() + 60_000);
      }
      Histogram all = new Histogram();
      for (Histogram h : histograms) {
        all.add(h);
      }
      Map<String, List<Long>> requests = server.requestTimes();
      int measuredRequests = 0;
      int duplicates = 0;
      long halfPeriod = lifetime.minus(window).toNanos() / 2;
      for (List<Long> times : requests.values()) {
        times.sort(null);
        long previous = Long.MIN_VALUE;
        for (long at : times) {
          if (at >= warmupEnds && at < warmupEnds + measured.toNanos()) {
            measuredRequests++;
            if (previous != Long.MIN_VALUE && at - previous < halfPeriod) {
              duplicates++;
            }
          }
          previous = at;
        }
      }
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("library", library);
      result.put("calls", all.count);
      result.put("p50Us", all.percentile(50) / 1e3);
      result.put("p99Us", all.percentile(99) / 1e3);
      result.put("p999Us", all.percentile(99.9) / 1e3);
      result.put("maxMs", all.max / 1e6);
      result.put("over10ms", all.over10ms);
      result.put("tokenRequests", measuredRequests);
      result.put("requestsPerKey", (double) measuredRequests / keys);
      result.put("duplicateRequests", duplicates);
      Throwable e = failure.get();
      if (e != null) {
        result.put("error", e.toString());
      }
      System.out.printf(Locale.ROOT, "steady library=%s calls=%d p50=%.2fus p99=%.2fus"
              + " p99.9=%.2fus max=%.2fms over_10ms=%d token_requests=%d per_key=%.1f"
              + " duplicates=%d%s%n",
          library, all.count, all.percentile(50) / 1e3, all.percentile(99) / 1e3,
          all.percentile(99.9) / 1e3, all.max / 1e6, all.over10ms, measuredRequests,
          (double) measuredRequests / keys, duplicates, e == null ? "" : " error=" + e);
      return result;
    }
  }

  /**
   * A log-linear latency histogram in nanoseconds: 32 sub-buckets per power of two (3 % wide), so
   * percentiles are exact to about 3 %. One per thread, merged at the end.
   */
  static final class Histogram {
    private static final int SUB = 32;
    private final long[] counts = new long[64 * SUB];
    long count;
    long max;
    long over10ms;

    void record(long nanos) {
      long v = Math.max(1, nanos);
      counts[index(v)]++;
      count++;
      if (v > max) {
        max = v;
      }
      if (v > 10_000_000L) {
        over10ms++;
      }
    }

    static int index(long v) {
      int exp = 63 - Long.numberOfLeadingZeros(v);
      if (exp < 5) {
        return (int) v; // below 32 ns: one bucket per nanosecond
      }
      int sub = (int) ((v >>> (exp - 5)) & (SUB - 1));
      return exp * SUB + sub;
    }

    /** The upper bound of the bucket at index i. */
    static long upper(int i) {
      if (i < SUB) {
        return i;
      }
      int exp = i / SUB;
      int sub = i % SUB;
      return ((long) (SUB + sub + 1) << (exp - 5)) - 1;
    }

    void add(Histogram other) {
      for (int i = 0; i < counts.length; i++) {
        counts[i] += other.counts[i];
      }
      count += other.count;
      max = Math.max(max, other.max);
      over10ms += other.over10ms;
    }

    double percentile(double p) {
      if (count == 0) {
        return Double.NaN;
      }
      long rank = (long) Math.ceil(p / 100.0 * count);
      long seen = 0;
      for (int i = 0; i < counts.length; i++) {
        seen += counts[i];
        if (seen >= rank) {
          return Math.min(upper(i), max);
        }
      }
      return max;
    }
  }

  static final class TokenKeeperSteady implements Contender {
    private final TokenManager manager;
    private final String[] keys;

    TokenKeeperSteady(URI tokenUri, String[] keys, Duration window) {
      this.keys = keys;
      TokenEndpoint endpoint =
          TokenEndpoint.builder(tokenUri, ClientAuthentication.basic("benchmark", "secret")).build();
      manager = TokenManager.builder(endpoint)
          .primaryRequest(key -> TokenRequest.builder(Grant.clientCredentials())
              .endpointId(key)
              .build())
          .refreshWindow(window)
          .build();
    }

    @Override
    public String header(int key) {
      return manager.token(keys[key]).authorizationHeader();
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  static final class GoogleSteady implements Contender {
    private final OAuth2Credentials[] credentials;
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI resource = URI.create("https://api.example.test/v1/resource");

    GoogleSteady(URI tokenUri, String[] keys, Duration window) {
      credentials = new OAuth2Credentials[keys.length];
      for (int i = 0; i < keys.length; i++) {
        credentials[i] = new KeyedCredentials(keys[i], tokenUri, http, window);
      }
    }

    @Override
    public String header(int key) throws IOException {
      return credentials[key].getRequestMetadata(resource).get("Authorization").get(0);
    }
  }

  /**
   * google-auth's own FRESH/STALE/EXPIRED logic (asynchronous refresh inside the refresh margin,
   * callers blocked inside the expiration margin) with its refresh pointed at the loopback
   * provider, as a user-written subclass for a non-Google provider would do.
   */
  static final class KeyedCredentials extends OAuth2Credentials {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final URI tokenUri;
    private final transient HttpClient http;

    KeyedCredentials(String key, URI tokenUri, HttpClient http, Duration window) {
      super(null, window, window.dividedBy(3));
      this.key = key;
      this.tokenUri = tokenUri;
      this.http = http;
    }

    @Override
    public com.google.auth.oauth2.AccessToken refreshAccessToken() throws IOException {
      HttpRequest request = HttpRequest.newBuilder(tokenUri)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Authorization", "Basic " + Base64.getEncoder()
              .encodeToString("benchmark:secret".getBytes(StandardCharsets.UTF_8)))
          .POST(HttpRequest.BodyPublishers.ofString(
              "grant_type=client_credentials&endpoint_id=" + key))
          .build();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IOException("token endpoint answered " + response.statusCode());
        }
        Map<String, Object> json = JSONObjectUtils.parse(response.body());
        long expiresIn = JSONObjectUtils.getLong(json, "expires_in");
        return new com.google.auth.oauth2.AccessToken(JSONObjectUtils.getString(json, "access_token"),
            new Date(System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(expiresIn)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while refreshing", e);
      } catch (ParseException e) {
        throw new IOException("token endpoint answered something that is not JSON", e);
      }
    }
  }

  static final class SpringSteady implements Contender {
    private static final String PRINCIPAL = "benchmark";
    private final AuthorizedClientServiceOAuth2AuthorizedClientManager manager;
    private final OAuth2AuthorizeRequest[] requests;

    SpringSteady(URI tokenUri, String[] keys, Duration window) {
      List<ClientRegistration> registrations = new ArrayList<>();
      for (String key : keys) {
        // The client id names the key: the provider counts requests per key by it.
        registrations.add(ClientRegistration.withRegistrationId(key)
            .clientId(key)
            .clientSecret("secret")
            .authorizationGrantType(
                org.springframework.security.oauth2.core.AuthorizationGrantType.CLIENT_CREDENTIALS)
            .tokenUri(tokenUri.toString())
            .build());
      }
      InMemoryClientRegistrationRepository repository =
          new InMemoryClientRegistrationRepository(registrations);
      InMemoryOAuth2AuthorizedClientService service =
          new InMemoryOAuth2AuthorizedClientService(repository);
      manager = new AuthorizedClientServiceOAuth2AuthorizedClientManager(repository, service);
      manager.setAuthorizedClientProvider(OAuth2AuthorizedClientProviderBuilder.builder()
          .clientCredentials(c -> c.clockSkew(window))
          .build());
      requests = new OAuth2AuthorizeRequest[keys.length];
      for (int i = 0; i < keys.length; i++) {
        requests[i] = OAuth2AuthorizeRequest.withClientRegistrationId(keys[i])
            .principal(PRINCIPAL)
            .build();
      }
    }

    @Override
    public String header(int key) {
      return "Bearer " + manager.authorize(requests[key]).getAccessToken().getTokenValue();
    }
  }
}

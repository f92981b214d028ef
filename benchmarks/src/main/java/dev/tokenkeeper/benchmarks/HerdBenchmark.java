package dev.tokenkeeper.benchmarks;

import com.google.auth.oauth2.OAuth2Credentials;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

/**
 * The thundering herd: {@code callers} threads ask for the token of one key at the moment it has
 * expired, and the token endpoint (loopback, JDK {@code HttpServer}) takes {@code delay} to answer.
 * Prints, per library, how many token requests one herd caused and the p50/p99 wait of a caller.
 *
 * <p>Each library gets its own endpoint, one warm-up herd (not counted) and then {@code rounds}
 * measured herds. A round re-arms the expired token, parks all callers at a gate, opens it, and
 * waits for all of them; requests still arriving shortly after the last caller returns count too.
 *
 * <pre>
 * java -cp benchmarks.jar dev.tokenkeeper.benchmarks.HerdBenchmark \
 *     [--callers 64] [--delay-ms 50] [--rounds 5] [--json results/herd.json]
 * </pre>
 */
public final class HerdBenchmark {

  private final int callers;
  private final Duration delay;
  private final int rounds;

  private HerdBenchmark(int callers, Duration delay, int rounds) {
    this.callers = callers;
    this.delay = delay;
    this.rounds = rounds;
  }

  /** One library's way of answering "the token for this key, now". */
  interface Contender extends AutoCloseable {
    /** Makes the key's token expired again, before a round. */
    void arm(int round) throws Exception;

    /** What one caller does: returns the token value it got. */
    String call() throws Exception;

    @Override
    default void close() {}
  }

  /** A contender's results over the measured rounds. */
  record Result(String library, List<Integer> requestsPerRound, long[] waitsNanos, int errors,
      String firstError) {

    double percentileMillis(double p) {
      if (waitsNanos.length == 0) {
        return Double.NaN;
      }
      long[] sorted = waitsNanos.clone();
      java.util.Arrays.sort(sorted);
      int rank = (int) Math.ceil(p / 100.0 * sorted.length); // nearest-rank
      return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("library", library);
      json.put("requestsPerRound", requestsPerRound);
      // JSON has no NaN: a library with no successful caller gets nulls.
      json.put("p50Ms", waitsNanos.length == 0 ? null : percentileMillis(50));
      json.put("p99Ms", waitsNanos.length == 0 ? null : percentileMillis(99));
      json.put("maxMs", waitsNanos.length == 0 ? null : percentileMillis(100));
      json.put("samples", waitsNanos.length);
      json.put("errors", errors);
      if (firstError != null) {
        json.put("firstError", firstError);
      }
      return json;
    }
  }

  public static void main(String[] args) throws Exception {
    int callers = 64;
    long delayMs = 50;
    int rounds = 5;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--callers" -> callers = Integer.parseInt(args[++i]);
        case "--delay-ms" -> delayMs = Long.parseLong(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; expected --callers N, --delay-ms N, --rounds N or --json FILE");
      }
    }
    HerdBenchmark herd = new HerdBenchmark(callers, Duration.ofMillis(delayMs), rounds);
    List<Result> results = new ArrayList<>();
    results.add(herd.measure("tokenkeeper", TokenKeeperHerd::new));
    results.add(herd.measure("spring", SpringHerd::new));
    results.add(herd.measure("google", GoogleHerd::new));

    for (Result r : results) {
      System.out.printf(Locale.ROOT, "herd %-11s callers=%d delay=%dms requests/round=%s p50=%.1fms"
              + " p99=%.1fms max=%.1fms errors=%d%s%n",
          r.library(), callers, delayMs, r.requestsPerRound(), r.percentileMillis(50),
          r.percentileMillis(99), r.percentileMillis(100), r.errors(),
          r.firstError() == null ? "" : " first_error=" + r.firstError());
    }
    if (json != null) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("callers", callers);
      out.put("delayMs", delayMs);
      out.put("rounds", rounds);
      List<Object> list = new ArrayList<>();
      results.forEach(r -> list.add(r.toJson()));
      out.put("results", list);
      Files.createDirectories(json.toAbsolutePath().getParent());
      Files.writeString(json, JSONObjectUtils.toJSONString(out) + "\n");
    }
  }

  interface ContenderFactory {
    Contender create(URI tokenUri) throws Exception;
  }

  private Result measure(String library, ContenderFactory factory) throws Exception {
    List<Integer> requests = new ArrayList<>();
    List<Long> waits = new ArrayList<>();
    int errors = 0;
    String firstError = null;
    try (TokenServer server = TokenServer.start(delay)) {
      Contender contender;
      try {
        contender = factory.create(server.tokenUri());
      } catch (Exception | LinkageError e) {
        return new Result(library, List.of(), new long[0], callers * rounds, describe(e));
      }
      try (contender) {
        for (int round = 0; round <= rounds; round++) { // round 0 is the warm-up
          try {
            contender.arm(round);
          } catch (Exception e) {
            return new Result(library, requests, new long[0], callers * rounds, describe(e));
          }
          server.reset();
          long[] roundWaits = new long[callers];
          Throwable[] roundErrors = new Throwable[callers];
          herd(contender, roundWaits, roundErrors);
          // A request that lands just after the herd is still the herd's doing.
          Thread.sleep(Math.max(100, 2 * delay.toMillis()));
          if (round == 0) {
            continue;
          }
          requests.add(server.requests());
          for (int i = 0; i < callers; i++) {
            if (roundErrors[i] != null) {
              errors++;
              if (firstError == null) {
                firstError = describe(roundErrors[i]);
              }
            } else {
              waits.add(roundWaits[i]);
            }
          }
        }
      }
    }
    return new Result(library, requests, waits.stream().mapToLong(Long::longValue).toArray(),
        errors, firstError);
  }

  /** Parks every caller at a gate, opens it, and waits for all of them. */
  private void herd(Contender contender, long[] waits, Throwable[] errors)
      throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(callers);
    CountDownLatch gate = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>(callers);
    for (int i = 0; i < callers; i++) {
      int index = i;
      Thread t = new Thread(() -> {
        ready.countDown();
        try {
          gate.await();
          long start = System.nanoTime();
          String token = contender.call();
          waits[index] = System.nanoTime() - start;
          if (token == null || !token.startsWith("herd-")) {
            throw new IllegalStateException("got a token that the endpoint did not issue");
          }
        } catch (Throwable e) {
          errors[index] = e;
        }
      }, "herd-caller-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    ready.await();
    gate.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
      if (t.isAlive()) {
        throw new IllegalStateException("a caller has waited more than 60 s; giving up");
      }
    }
  }

  private static String describe(Throwable e) {
    String message = e.getClass().getSimpleName() + ": " + e.getMessage();
    return message.length() > 160 ? message.substring(0, 160) + "…" : message;
  }

  /** A token response that expired an hour ago, as TokenKeeper would have stored it. */
  static Instant expiredReceivedAt() {
    return Instant.now().minus(Duration.ofHours(2));
  }

  static final class TokenKeeperHerd implements Contender {
    private final TokenManager manager;
    private volatile String key;

    TokenKeeperHerd(URI tokenUri) {
      TokenEndpoint endpoint =
          TokenEndpoint.builder(tokenUri, ClientAuthentication.basic("benchmark", "secret")).build();
      manager = TokenManager.builder(endpoint)
          .primaryGrant(Grant.clientCredentials())
          .refreshWindow(Duration.ofMinutes(5))
          .maximumSize(10_000)
          .clock(Clock.systemUTC())
          .build();
    }

    @Override
    public void arm(int round) {
      // A new key per round, holding a token that expired an hour ago.
      key = "herd-key-" + round;
      manager.put(key, TokenResponse.builder("expired", expiredReceivedAt())
          .expiresIn(Duration.ofHours(1))
          .build());
    }

    @Override
    public String call() {
      return manager.token(key).value();
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  static final class SpringHerd implements Contender {
    private static final String PRINCIPAL = "benchmark";
    private final ClientRegistration registration;
    private final InMemoryOAuth2AuthorizedClientService service;
    private final AuthorizedClientServiceOAuth2AuthorizedClientManager manager;
    private final OAuth2AuthorizeRequest request;

    SpringHerd(URI tokenUri) {
      registration = HotPathBenchmark.SpringState.registration("herd", tokenUri);
      InMemoryClientRegistrationRepository repository =
          new InMemoryClientRegistrationRepository(registration);
      service = new InMemoryOAuth2AuthorizedClientService(repository);
      // Spring's defaults: DefaultClientCredentialsTokenResponseClient over RestTemplate.
      manager = new AuthorizedClientServiceOAuth2AuthorizedClientManager(repository, service);
      manager.setAuthorizedClientProvider(
          OAuth2AuthorizedClientProviderBuilder.builder().clientCredentials().build());
      request = OAuth2AuthorizeRequest.withClientRegistrationId("herd").principal(PRINCIPAL).build();
    }

    @Override
    public void arm(int round) {
      Instant issuedAt = expiredReceivedAt();
      OAuth2AccessToken expired = new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER,
          "expired", issuedAt, issuedAt.plus(Duration.ofHours(1)));
      service.saveAuthorizedClient(
          new OAuth2AuthorizedClient(registration, PRINCIPAL, expired), request.getPrincipal());
    }

    @Override
    public String call() {
      return manager.authorize(request).getAccessToken().getTokenValue();
    }
  }

  static final class GoogleHerd implements Contender {
    private final URI tokenUri;
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI resource = URI.create("https://api.example.test/v1/resource");
    private volatile OAuth2Credentials credentials;

    GoogleHerd(URI tokenUri) {
      this.tokenUri = tokenUri;
    }

    @Override
    public void arm(int round) {
      Instant issuedAt = expiredReceivedAt();
      credentials = new LoopbackCredentials(
          new com.google.auth.oauth2.AccessToken("expired",
              Date.from(issuedAt.plus(Duration.ofHours(1)))),
          tokenUri, http);
    }

    @Override
    public String call() throws IOException {
      String authorization = credentials.getRequestMetadata(resource).get("Authorization").get(0);
      return authorization.substring("Bearer ".length());
    }
  }

  /**
   * google-auth's {@link OAuth2Credentials} with its refresh pointed at the loopback endpoint: a
   * client_credentials POST, as a user-written subclass for a non-Google provider would do.
   * Everything else (the FRESH/STALE/EXPIRED states, the one shared refresh task, the blocking of
   * callers on an expired token) is google-auth's own.
   */
  static final class LoopbackCredentials extends OAuth2Credentials {
    private static final long serialVersionUID = 1L;
    private final URI tokenUri;
    private final transient HttpClient http;

    LoopbackCredentials(com.google.auth.oauth2.AccessToken token, URI tokenUri, HttpClient http) {
      super(token);
      this.tokenUri = tokenUri;
      this.http = http;
    }

    @Override
    public com.google.auth.oauth2.AccessToken refreshAccessToken() throws IOException {
      HttpRequest request = HttpRequest.newBuilder(tokenUri)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Authorization", "Basic " + Base64.getEncoder()
              .encodeToString("benchmark:secret".getBytes(StandardCharsets.UTF_8)))
          .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
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
}

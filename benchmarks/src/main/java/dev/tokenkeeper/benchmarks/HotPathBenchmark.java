package dev.tokenkeeper.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.google.auth.oauth2.OAuth2Credentials;
import dev.tokenkeeper.ClientAuthentication;
import dev.tokenkeeper.Grant;
import dev.tokenkeeper.TokenEndpoint;
import dev.tokenkeeper.TokenManager;
import dev.tokenkeeper.TokenResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

/**
 * The header path: what an application pays per outgoing call, from a key to the value of the
 * {@code Authorization} header that carries its fresh token, for 1, 1,000 and 100,000 keys, each
 * library wired as its documentation says, against two floors, all in the same run:
 * <ul>
 *   <li>{@code tokenkeeper}: {@code manager.token(key).authorizationHeader()}, what
 *       {@code BearerHttpClient} and every adapter call once per request;
 *   <li>{@code google}: google-auth's {@code getRequestMetadata(uri).get("Authorization").get(0)}
 *       on per-key credentials held in a {@code ConcurrentHashMap} (google-auth has no key map);
 *   <li>{@code googleHeld}: the same when the caller already holds the credentials object (no
 *       lookup: a reference point, not a like-for-like peer);
 *   <li>{@code spring}: Spring Security's {@code authorize(request)}, then the header as its
 *       {@code HttpHeaders#setBearerAuth} builds it;
 *   <li>{@code limit}: a {@code ConcurrentHashMap} of entries holding a prebuilt header and a
 *       volatile expiry compared with {@code System.nanoTime()}, the least any token cache can do;
 *   <li>{@code caffeine}: a bounded Caffeine cache with per-entry expiry holding prebuilt headers.
 * </ul>
 *
 * <p>Every contender holds a fresh token (valid for a day) for every key before measuring, so no
 * call may reach the network: a loopback token endpoint counts requests, and a trial that made
 * one fails at tear-down. Each operation picks its key the same way for every contender: the next
 * slot of a per-thread cursor over one precomputed, shuffled array (threads start at different
 * offsets), then one array load of whatever that contender looks up by (the key; Spring's prebuilt
 * {@code OAuth2AuthorizeRequest}; for {@code googleHeld} the per-key credentials themselves).
 *
 * <p>Thread count is not a JMH parameter: {@code run.sh} runs this class with {@code -t 1} and
 * {@code -t 2}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class HotPathBenchmark {

  /** Far enough ahead that no contender considers refreshing during a run. */
  static final Duration LIFETIME = Duration.ofDays(1);

  @Benchmark
  public String tokenkeeper(TokenKeeperState s, Cursor c) {
    return s.manager.token(s.names[c.next(s.size)]).authorizationHeader();
  }

  @Benchmark
  public String caffeine(CaffeineState s, Cursor c) {
    return s.cache.getIfPresent(s.names[c.next(s.size)]);
  }

  @Benchmark
  public String limit(LimitState s, Cursor c) {
    return s.map.get(s.names[c.next(s.size)]).headerIfFresh();
  }

  @Benchmark
  public String spring(SpringState s, Cursor c) {
    // HttpHeaders#setBearerAuth: "Bearer " + token, as Spring's exchange filter and interceptors do.
    return "Bearer "
        + s.manager.authorize(s.requests[c.next(s.size)]).getAccessToken().getTokenValue();
  }

  /**
   * Google with the key lookup an application keyed by endpoint_id has to do itself (google-auth
   * keeps one credentials object per identity and no map): the like-for-like peer.
   */
  @Benchmark
  public String google(GoogleState s, Cursor c) throws IOException {
    return s.byKey.get(s.names[c.next(s.size)]).getRequestMetadata(s.resource)
        .get("Authorization").get(0);
  }

  /**
   * Google when the caller already holds the credentials object: no lookup at all, a reference
   * point for what "a field read and a clock check" costs, not a like-for-like peer.
   */
  @Benchmark
  public String googleHeld(GoogleState s, Cursor c) throws IOException {
    return s.credentials[c.next(s.size)].getRequestMetadata(s.resource).get("Authorization").get(0);
  }

  /** The per-thread key cursor: an increment, a compare and a store per operation. */
  @State(Scope.Thread)
  public static class Cursor {
    private int next;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams benchmark, ThreadParams thread) {
      int keys = Integer.parseInt(benchmark.getParam("keys"));
      // Spread the threads over the array so that 2 threads do not walk the same keys in step.
      next = (int) ((long) keys * thread.getThreadIndex() / thread.getThreadCount());
    }

    int next(int size) {
      int i = next;
      next = i + 1 == size ? 0 : i + 1;
      return i;
    }
  }

  /** The key names, in a fixed shuffled order, shared by every contender's state. */
  @State(Scope.Benchmark)
  public abstract static class Keys {
    @Param({"1", "1000", "100000"})
    public int keys;

    String[] names;
    int size;

    void makeKeys() {
      List<String> list = new ArrayList<>(keys);
      for (int i = 0; i < keys; i++) {
        list.add("endpoint-" + i);
      }
      Collections.shuffle(list, new Random(42));
      names = list.toArray(new String[0]);
      size = names.length;
    }

    /** The same bound for TokenKeeper and the Caffeine floor, with room so nothing is evicted. */
    long maximumSize() {
      return Math.max(10_000L, 2L * keys);
    }

    static String tokenFor(String key) {
      return "at-" + key;
    }

    /**
     * Collects the set-up's garbage (100,000 keys' worth for some contenders) before warm-up, so
     * that no contender's measurement pays for a collection another contender's set-up did not
     * cause.
     */
    static void settle() {
      System.gc();
    }

    static void check(boolean condition, String what) {
      if (!condition) {
        throw new IllegalStateException("benchmark set-up is wrong: " + what);
      }
    }
  }

  @State(Scope.Benchmark)
  public static class TokenKeeperState extends Keys {
    TokenServer server;
    TokenManager manager;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      makeKeys();
      server = TokenServer.start(Duration.ZERO);
      TokenEndpoint endpoint =
          TokenEndpoint.builder(server.tokenUri(), ClientAuthentication.basic("benchmark", "secret"))
              .build();
      manager = TokenManager.builder(endpoint)
          .primaryGrant(Grant.clientCredentials())
          .refreshWindow(Duration.ofMinutes(5))
          .maximumSize(maximumSize())
          .clock(Clock.systemUTC())
          .build();
      Instant now = Instant.now();
      for (String key : names) {
        manager.put(key, TokenResponse.builder(tokenFor(key), now).expiresIn(LIFETIME).build());
      }
      for (String key : names) {
        check(tokenFor(key).equals(manager.token(key).value()), "TokenKeeper lost the token of " + key);
      }
      settle();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      int requests = server.requests();
      manager.close();
      server.close();
      check(requests == 0, "TokenKeeper sent " + requests + " token requests on the hot path");
    }
  }

  @State(Scope.Benchmark)
  public static class CaffeineState extends Keys {
    Cache<String, String> cache;

    @Setup(Level.Trial)
    public void setUp() {
      makeKeys();
      cache = Caffeine.newBuilder()
          .maximumSize(maximumSize())
          .expireAfter(new ForTheTokenLifetime())
          .build();
      for (String key : names) {
        cache.put(key, "Bearer " + tokenFor(key));
      }
      for (String key : names) {
        check(("Bearer " + tokenFor(key)).equals(cache.getIfPresent(key)), "Caffeine lost " + key);
      }
      settle();
    }
  }

  /** Per-entry expiry at the token's own expiry, as a token cache needs it. */
  static final class ForTheTokenLifetime implements Expiry<String, String> {
    @Override
    public long expireAfterCreate(String key, String header, long currentTime) {
      return LIFETIME.toNanos();
    }

    @Override
    public long expireAfterUpdate(
        String key, String header, long currentTime, long currentDuration) {
      return LIFETIME.toNanos();
    }

    @Override
    public long expireAfterRead(
        String key, String header, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  /**
   * The floor: one map read, one volatile read, one {@code System.nanoTime()} compare, no
   * allocation. No bound, no refresh, no single flight: what every token cache does at the least.
   */
  @State(Scope.Benchmark)
  public static class LimitState extends Keys {
    final Map<String, Entry> map = new ConcurrentHashMap<>();

    static final class Entry {
      final String header;
      volatile long freshUntilNanos;

      Entry(String header, long freshUntilNanos) {
        this.header = header;
        this.freshUntilNanos = freshUntilNanos;
      }

      String headerIfFresh() {
        return System.nanoTime() < freshUntilNanos ? header : null;
      }
    }

    @Setup(Level.Trial)
    public void setUp() {
      makeKeys();
      long until = System.nanoTime() + LIFETIME.toNanos();
      for (String key : names) {
        map.put(key, new Entry("Bearer " + tokenFor(key), until));
      }
      for (String key : names) {
        check(("Bearer " + tokenFor(key)).equals(map.get(key).headerIfFresh()), "limit lost " + key);
      }
      settle();
    }
  }

  @State(Scope.Benchmark)
  public static class SpringState extends Keys {
    static final String PRINCIPAL = "benchmark";

    TokenServer server;
    AuthorizedClientServiceOAuth2AuthorizedClientManager manager;
    OAuth2AuthorizeRequest[] requests;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      makeKeys();
      server = TokenServer.start(Duration.ZERO);
      List<ClientRegistration> registrations = new ArrayList<>(size);
      for (String key : names) {
        registrations.add(registration(key, server.tokenUri()));
      }
      InMemoryClientRegistrationRepository repository =
          new InMemoryClientRegistrationRepository(registrations);
      InMemoryOAuth2AuthorizedClientService service =
          new InMemoryOAuth2AuthorizedClientService(repository);
      manager = new AuthorizedClientServiceOAuth2AuthorizedClientManager(repository, service);
      manager.setAuthorizedClientProvider(
          OAuth2AuthorizedClientProviderBuilder.builder().clientCredentials().build());

      Instant now = Instant.now();
      requests = new OAuth2AuthorizeRequest[size];
      for (int i = 0; i < size; i++) {
        requests[i] = OAuth2AuthorizeRequest.withClientRegistrationId(names[i])
            .principal(PRINCIPAL)
            .build();
        OAuth2AccessToken token = new OAuth2AccessToken(
            OAuth2AccessToken.TokenType.BEARER, tokenFor(names[i]), now, now.plus(LIFETIME));
        service.saveAuthorizedClient(
            new OAuth2AuthorizedClient(registrations.get(i), PRINCIPAL, token),
            requests[i].getPrincipal());
      }
      for (int i = 0; i < size; i++) {
        OAuth2AuthorizedClient client = manager.authorize(requests[i]);
        check(client != null && tokenFor(names[i]).equals(client.getAccessToken().getTokenValue()),
            "Spring lost " + names[i]);
      }
      settle();
    }

    static ClientRegistration registration(String id, URI tokenUri) {
      return ClientRegistration.withRegistrationId(id)
          .clientId("benchmark")
          .clientSecret("secret")
          .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
          .tokenUri(tokenUri.toString())
          .build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      int requests = server.requests();
      server.close();
      check(requests == 0, "Spring sent " + requests + " token requests on the hot path");
    }
  }

  @State(Scope.Benchmark)
  public static class GoogleState extends Keys {
    OAuth2Credentials[] credentials;
    final Map<String, OAuth2Credentials> byKey = new ConcurrentHashMap<>();
    final URI resource = URI.create("https://api.example.test/v1/resource");

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      makeKeys();
      Date expiresAt = Date.from(Instant.now().plus(LIFETIME));
      credentials = new OAuth2Credentials[size];
      for (int i = 0; i < size; i++) {
        // create(...) has no way to refresh: a refresh attempt would throw, so none can hide.
        credentials[i] = OAuth2Credentials.create(
            new com.google.auth.oauth2.AccessToken(tokenFor(names[i]), expiresAt));
        byKey.put(names[i], credentials[i]);
      }
      for (int i = 0; i < size; i++) {
        List<String> authorization = credentials[i].getRequestMetadata(resource).get("Authorization");
        check(authorization != null && authorization.get(0).equals("Bearer " + tokenFor(names[i])),
            "Google lost " + names[i]);
      }
      settle();
    }
  }
}

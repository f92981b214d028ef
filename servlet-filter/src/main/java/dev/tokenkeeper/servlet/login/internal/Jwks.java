package dev.tokenkeeper.servlet.login.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * The provider's signing keys (a JWK Set, RFC 7517, section 5), cached. A key id not in the cached
 * set causes one re-fetch (the provider rotated its keys), at most once per
 * {@code minRefetchInterval}, so that tokens with made-up {@code kid}s cannot make us hammer the
 * provider. Thread-safe: the set is an immutable snapshot behind a volatile field; fetches are
 * serialised (one at a time, the next caller finds the fresh set).
 */
public final class Jwks {
  private static final int MAX_BYTES = 256 * 1024;

  private final Supplier<URI> uri;
  private final HttpClient client;
  private final Clock clock;
  private final Duration maxAge;
  private final Duration minRefetchInterval;
  private final Duration timeout;
  private volatile Snapshot snapshot;
  private volatile int fetches;

  private record Snapshot(JWKSet set, Instant fetchedAt) {}

  public Jwks(Supplier<URI> uri, HttpClient client, Clock clock, Duration maxAge,
      Duration minRefetchInterval, Duration timeout) {
    this.uri = uri;
    this.client = client;
    this.clock = clock;
    this.maxAge = maxAge;
    this.minRefetchInterval = minRefetchInterval;
    this.timeout = timeout;
  }

  /** How many times the set was fetched (for tests and the log). */
  public int fetches() {
    return fetches;
  }

  /**
   * The keys that may have signed a JWS with key id {@code kid} ({@code null}: every key).
   *
   * @throws IOException the set cannot be fetched
   */
  public List<JWK> candidates(String kid) throws IOException {
    Snapshot s = snapshot;
    Instant now = clock.instant();
    if (s == null || now.isAfter(s.fetchedAt.plus(maxAge))) {
      s = refresh(s);
    }
    List<JWK> found = select(s.set, kid);
    if (found.isEmpty() && kid != null
        && !now.isBefore(s.fetchedAt.plus(minRefetchInterval))) {
      // An unknown kid: the provider may have rotated its keys (OpenID Connect Core, 10.1.1).
      s = refresh(s);
      found = select(s.set, kid);
    }
    return found;
  }

  private static List<JWK> select(JWKSet set, String kid) {
    if (kid == null) {
      return set.getKeys();
    }
    JWK key = set.getKeyByKeyId(kid);
    return key == null ? List.of() : List.of(key);
  }

  private synchronized Snapshot refresh(Snapshot seen) throws IOException {
    Snapshot current = snapshot;
    if (current != seen && current != null) {
      return current; // another thread fetched meanwhile
    }
    URI target = uri.get();
    if (target == null) {
      throw new IOException("the provider has no jwks_uri, so ID token signatures cannot be"
          + " checked; set init-param jwks-uri or use a provider whose metadata names one");
    }
    try {
      HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(target).timeout(timeout)
          .header("Accept", "application/json").GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw new IOException("the JWK Set at " + target + " answered " + r.statusCode());
      }
      if (r.body().length > MAX_BYTES) {
        throw new IOException("the JWK Set at " + target + " is larger than " + MAX_BYTES
            + " bytes");
      }
      JWKSet set = JWKSet.parse(new String(r.body(), StandardCharsets.UTF_8));
      fetches++;
      Snapshot next = new Snapshot(set.toPublicJWKSet(), clock.instant());
      snapshot = next;
      return next;
    } catch (ParseException e) {
      throw new IOException("the JWK Set at " + target + " is malformed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + target, e);
    }
  }
}

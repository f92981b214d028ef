package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.TokenStore;
import dev.tokenkeeper.TokenStoreException;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Reads {@code TokenFilter}'s {@code store*} init-params into the shared Redis store (built by
 * {@link RedisStores}, so that the optional {@code tokenkeeper-redis} is linked only when
 * {@code store} is set). Not part of the API.
 */
final class StoreParams {
  static final List<String> NAMES = List.of("store", "store-encryption-keys-env",
      "store-encryption-keys-file", "store-plaintext", "store-namespace", "store-lease",
      "store-reconnect-delay", "store-require-at-start");

  private StoreParams() {}

  /** Checks the {@code store*} init-params without connecting; {@code null} without a store. */
  static Settings read(ParamReader p, Function<String, String> environment)
      throws ServletException {
    p.requiredBy("store", "store=redis://host:6379 (or rediss://, redis-sentinel://,"
        + " redis-cluster://) to share tokens with other instances",
        NAMES.subList(1, NAMES.size()).toArray(String[]::new));
    String uri = p.get("store");
    if (uri == null) {
      return null;
    }
    String envName = p.get("store-encryption-keys-env");
    String file = p.get("store-encryption-keys-file");
    boolean plaintext = p.bool("store-plaintext", false);
    int given = (envName != null ? 1 : 0) + (file != null ? 1 : 0) + (plaintext ? 1 : 0);
    String form = "exactly one of store-encryption-keys-env (an environment variable's name),"
        + " store-encryption-keys-file (a file's path), each holding base64 AES-256 keys, the"
        + " current one first (generate one with: openssl rand -base64 32), or"
        + " store-plaintext=true (tokens readable in Redis; development only)";
    if (given != 1) {
      throw p.error("store-encryption-keys-env", given == 0 ? "is missing" : "and its"
          + " alternatives are set " + given + " times", form);
    }
    String keys = null;
    if (envName != null) {
      keys = environment.apply(envName);
      if (keys == null || keys.isBlank()) {
        throw p.error("store-encryption-keys-env", "names the environment variable " + envName
            + ", which is not set or is empty", form);
      }
    } else if (file != null) {
      keys = SecretFiles.read(file, message -> p.error("store-encryption-keys-file", message,
          SecretFiles.FORM + " holding base64 AES-256 keys"));
    }
    Duration reconnectDelay = p.duration("store-reconnect-delay");
    if (reconnectDelay != null && reconnectDelay.toMillis() < 10) {
      throw p.error("store-reconnect-delay", "is " + reconnectDelay + ", too short",
          "at least 10 ms, e.g. PT1S or 1 (seconds)");
    }
    return new Settings(uri, keys, p.get("store-namespace"), p.duration("store-lease"),
        reconnectDelay, p.bool("store-require-at-start", false));
  }

  /** The checked settings; {@link #open} connects. */
  record Settings(String uri, String keys, String namespace, Duration lease,
      Duration reconnectDelay, boolean requireAtStart) {
    @Override
    public String toString() {
      return "StoreParams.Settings[redacted]";
    }

    TokenStore open(ParamReader p) throws ServletException {
      try {
        return RedisStores.redis(this);
      } catch (NoClassDefFoundError e) {
        throw p.error("store", "needs the module tokenkeeper-redis, which is not on the class"
            + " path (or, on the module path, not in the module graph)",
            "dev.tokenkeeper:tokenkeeper-redis in the application's dependencies (WEB-INF/lib;"
            + " on the module path also requires dev.tokenkeeper.redis in module-info.java)");
      } catch (IllegalArgumentException | IllegalStateException e) {
        // The builder's messages name the URI without its password, and keys by position only.
        throw p.error("store", "is not usable: " + e.getMessage(), "redis://[user:password@]"
            + "host:port, rediss://..., redis-sentinel://host:26379#master or"
            + " redis-cluster://h1:p1,h2:p2");
      } catch (TokenStoreException e) {
        // Only with store-require-at-start=true: otherwise the store starts without Redis.
        throw new ServletException(p.owner() + ": init-param store: Redis could not be reached ("
            + e.getClass().getSimpleName() + "); check that it runs and that the URI is right,"
            + " or remove store-require-at-start=true to start without it and join once it"
            + " answers", e);
      }
    }
  }
}

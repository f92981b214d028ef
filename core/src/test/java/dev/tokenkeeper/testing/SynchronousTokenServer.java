package dev.tokenkeeper.testing;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A token endpoint without a network: an {@link HttpClient} whose {@code sendAsync} answers at
 * once, on the calling thread, with a completed future — so that an interleaving checker sees
 * every step of a token request on the threads it controls. Every grant is answered with a new
 * access token and a rotated refresh token; a refresh token that was rotated before (or never
 * issued) is answered {@code invalid_grant} and recorded as a {@linkplain #violations()
 * violation}. Thread-safe (synchronized: the checker explores the orders of these calls).
 */
public final class SynchronousTokenServer extends HttpClient {
  private final Map<String, Boolean> refreshTokens = new LinkedHashMap<>(); // token -> live
  private final List<String> accessTokens = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private int issued;
  private int requests;

  /** The access tokens issued, in order. */
  public synchronized List<String> accessTokens() {
    return List.copyOf(accessTokens);
  }

  public synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  public synchronized int requests() {
    return requests;
  }

  /** Issues a token pair without a request, for {@code TokenManager.put}. */
  public synchronized String[] issue() {
    issued++;
    String access = "at-" + issued;
    String refresh = "rt-" + issued;
    accessTokens.add(access);
    refreshTokens.put(refresh, Boolean.TRUE);
    return new String[] {access, refresh};
  }

  private synchronized String answer(String body) {
    requests++;
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    String refresh = form.get("refresh_token");
    if ("refresh_token".equals(form.get("grant_type"))) {
      if (!Boolean.TRUE.equals(refreshTokens.get(refresh))) {
        violations.add("refresh token " + refresh + " sent after it was rotated");
        return null;
      }
      refreshTokens.put(refresh, Boolean.FALSE);
    }
    String[] pair = issue();
    return "{\"access_token\":\"" + pair[0] + "\",\"token_type\":\"bearer\",\"expires_in\":3600,"
        + "\"refresh_token\":\"" + pair[1] + "\"}";
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    String body = request.bodyPublisher().map(SynchronousTokenServer::read).orElse("");
    boolean revocation = request.uri().getPath().endsWith("/revoke");
    String json = revocation ? "" : answer(body);
    int status = json == null ? 400 : 200;
    byte[] bytes = (json == null ? "{\"error\":\"invalid_grant\"}" : json)
        .getBytes(StandardCharsets.UTF_8);
    HttpHeaders headers = HttpHeaders.of(
        Map.of("Content-Type", List.of("application/json")), (a, b) -> true);
    HttpResponse.ResponseInfo info = new HttpResponse.ResponseInfo() {
      @Override public int statusCode() {
        return status;
      }

      @Override public HttpHeaders headers() {
        return headers;
      }

      @Override public Version version() {
        return Version.HTTP_1_1;
      }
    };
    HttpResponse.BodySubscriber<T> subscriber = handler.apply(info);
    subscriber.onSubscribe(new Flow.Subscription() {
      @Override public void request(long n) {}

      @Override public void cancel() {}
    });
    subscriber.onNext(List.of(ByteBuffer.wrap(bytes)));
    subscriber.onComplete();
    T value = subscriber.getBody().toCompletableFuture().join();
    return CompletableFuture.completedFuture(new HttpResponse<T>() {
      @Override public int statusCode() {
        return status;
      }

      @Override public HttpRequest request() {
        return request;
      }

      @Override public Optional<HttpResponse<T>> previousResponse() {
        return Optional.empty();
      }

      @Override public HttpHeaders headers() {
        return headers;
      }

      @Override public T body() {
        return value;
      }

      @Override public Optional<javax.net.ssl.SSLSession> sslSession() {
        return Optional.empty();
      }

      @Override public java.net.URI uri() {
        return request.uri();
      }

      @Override public Version version() {
        return Version.HTTP_1_1;
      }
    });
  }

  private static String read(HttpRequest.BodyPublisher publisher) {
    StringBuilder out = new StringBuilder();
    publisher.subscribe(new Flow.Subscriber<ByteBuffer>() {
      @Override public void onSubscribe(Flow.Subscription s) {
        s.request(Long.MAX_VALUE);
      }

      @Override public void onNext(ByteBuffer item) {
        out.append(StandardCharsets.UTF_8.decode(item));
      }

      @Override public void onError(Throwable throwable) {}

      @Override public void onComplete() {}
    });
    return out.toString();
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
    return sendAsync(request, handler);
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    return sendAsync(request, handler).join();
  }

  @Override public Optional<CookieHandler> cookieHandler() {
    return Optional.empty();
  }

  @Override public Optional<Duration> connectTimeout() {
    return Optional.of(Duration.ofSeconds(1));
  }

  @Override public Redirect followRedirects() {
    return Redirect.NEVER;
  }

  @Override public Optional<ProxySelector> proxy() {
    return Optional.empty();
  }

  @Override public SSLContext sslContext() {
    return null;
  }

  @Override public SSLParameters sslParameters() {
    return new SSLParameters();
  }

  @Override public Optional<Authenticator> authenticator() {
    return Optional.empty();
  }

  @Override public Version version() {
    return Version.HTTP_1_1;
  }

  @Override public Optional<Executor> executor() {
    return Optional.empty();
  }
}

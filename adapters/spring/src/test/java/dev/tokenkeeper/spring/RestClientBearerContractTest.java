package dev.tokenkeeper.spring;

import dev.tokenkeeper.testkit.BearerContract;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * The interceptor keeps the contract on a {@code RestClient} over the JDK's client (which does not
 * follow redirects: the interceptor does). Spring buffers every body before interceptors see it,
 * so a streamed body within the limit is sent again.
 */
class RestClientBearerContractTest extends BearerContract {

  @Override
  protected boolean streamedBodiesWithinTheLimitAreSentAgain() {
    return true;
  }

  /** One JDK client for all tests: Java 17's HttpClient cannot be closed. */
  private static final HttpClient JDK =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Override
  protected ClientUnderTest newClient(Setup setup) {
    RestClient client = RestClient.builder()
        .requestFactory(new JdkClientHttpRequestFactory(JDK))
        .requestInterceptor(BearerClientHttpRequestInterceptor
            .of(setup.manager(), setup.key(), setup.policy()))
        .build();
    return call -> {
      RestClient.RequestBodySpec spec = client.method(HttpMethod.valueOf(call.method()))
          .uri(call.uri())
          .headers(h -> call.headers().forEach(h::set));
      if (call.key() != null) {
        spec.attribute(BearerClientHttpRequestInterceptor.KEY_ATTRIBUTE, call.key());
      }
      if (call.body() != null) {
        if (call.streamed()) {
          spec.body(out -> out.write(call.body()));
        } else {
          spec.body(call.body());
        }
      }
      return spec.exchange((req, res) -> new Reply(res.getStatusCode().value(),
          new String(res.getBody().readAllBytes(), StandardCharsets.UTF_8)));
    };
  }
}

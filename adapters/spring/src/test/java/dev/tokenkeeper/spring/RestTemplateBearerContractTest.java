package dev.tokenkeeper.spring;

import dev.tokenkeeper.testkit.BearerContract;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.DefaultResponseErrorHandler;
import org.springframework.web.client.RestTemplate;

/** The interceptor keeps the contract on a {@code RestTemplate} too. */
class RestTemplateBearerContractTest extends BearerContract {

  @Override
  protected boolean streamedBodiesWithinTheLimitAreSentAgain() {
    return true;
  }

  /** One JDK client for all tests: Java 17's HttpClient cannot be closed. */
  private static final HttpClient JDK =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Override
  protected ClientUnderTest newClient(Setup setup) {
    RestTemplate template = new RestTemplate(new JdkClientHttpRequestFactory(JDK));
    template.setErrorHandler(new DefaultResponseErrorHandler() {
      @Override
      public boolean hasError(ClientHttpResponse response) {
        return false; // the kit looks at every status itself
      }
    });
    template.setInterceptors(List.of(BearerClientHttpRequestInterceptor
        .of(setup.manager(), setup.key(), setup.policy())));
    return call -> template.execute(call.uri(), HttpMethod.valueOf(call.method()), request -> {
      call.headers().forEach(request.getHeaders()::set);
      if (call.key() != null) {
        request.getAttributes().put(BearerClientHttpRequestInterceptor.KEY_ATTRIBUTE, call.key());
      }
      if (call.body() != null) {
        if (call.streamed()) {
          // With interceptors, RestTemplate buffers what is written here before they run.
          new java.io.ByteArrayInputStream(call.body()).transferTo(request.getBody());
        } else {
          request.getBody().write(call.body());
        }
      }
    }, response -> new Reply(response.getStatusCode().value(),
        new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
  }
}

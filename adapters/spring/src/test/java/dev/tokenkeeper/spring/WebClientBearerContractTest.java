package dev.tokenkeeper.spring;

import dev.tokenkeeper.testkit.BearerContract;
import java.time.Duration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

/**
 * The filter keeps the contract on a {@code WebClient} over Reactor Netty (which does not follow
 * redirects: the filter does). The filter copies bodies as they are written, so a streamed body
 * within the limit is sent again.
 */
class WebClientBearerContractTest extends BearerContract {

  @Override
  protected boolean streamedBodiesWithinTheLimitAreSentAgain() {
    return true;
  }

  @Override
  protected ClientUnderTest newClient(Setup setup) {
    WebClient client = WebClient.builder()
        .clientConnector(new ReactorClientHttpConnector(HttpClient.create()))
        .filter(BearerExchangeFilterFunction.of(setup.manager(), setup.key(), setup.policy()))
        .build();
    return call -> {
      WebClient.RequestBodySpec spec = client.method(HttpMethod.valueOf(call.method()))
          .uri(call.uri())
          .headers(h -> call.headers().forEach(h::set));
      if (call.key() != null) {
        spec.attribute(BearerExchangeFilterFunction.KEY_ATTRIBUTE, call.key());
      }
      WebClient.RequestHeadersSpec<?> ready = spec;
      if (call.body() != null) {
        if (call.streamed()) {
          // Two chunks, produced when subscribed: a stream of unknown length.
          int half = call.body().length / 2;
          Flux<DataBuffer> chunks = Flux.just(0, 1).map(i -> DefaultDataBufferFactory.sharedInstance
              .wrap(java.util.Arrays.copyOfRange(call.body(), i == 0 ? 0 : half,
                  i == 0 ? half : call.body().length)));
          ready = spec.body(chunks, DataBuffer.class);
        } else {
          ready = spec.bodyValue(call.body());
        }
      }
      return ready.exchangeToMono(r -> r.bodyToMono(String.class).defaultIfEmpty("")
              .map(b -> new Reply(r.statusCode().value(), b)))
          .block(Duration.ofSeconds(30));
    };
  }
}

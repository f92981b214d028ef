package dev.tokenkeeper.jaxrs;

import dev.tokenkeeper.testkit.BearerContract;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayInputStream;

/** The filters keep the contract on Jersey 3.1's client (its default HttpURLConnection connector). */
class JerseyBearerContractTest extends BearerContract {

  @Override
  protected ClientUnderTest newClient(Setup setup) {
    Client client = ClientBuilder.newClient()
        .register(BearerClientFilter.of(setup.manager(), setup.key(), setup.policy()),
            Priorities.AUTHENTICATION);
    return new ClientUnderTest() {
      @Override
      public Reply send(Call call) {
        Invocation.Builder b = client.target(call.uri()).request();
        if (call.key() != null) {
          b.property(BearerClientFilter.KEY_PROPERTY, call.key());
        }
        MediaType type = MediaType.TEXT_PLAIN_TYPE;
        for (var h : call.headers().entrySet()) {
          if (h.getKey().equalsIgnoreCase("Content-Type")) {
            type = MediaType.valueOf(h.getValue());
          } else {
            b.header(h.getKey(), h.getValue());
          }
        }
        Response r;
        if (call.body() == null) {
          r = b.method(call.method());
        } else {
          Object entity = call.streamed() ? new ByteArrayInputStream(call.body()) : call.body();
          r = b.method(call.method(), Entity.entity(entity, type));
        }
        try (r) {
          return new Reply(r.getStatus(), r.hasEntity() ? r.readEntity(String.class) : "");
        }
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }
}

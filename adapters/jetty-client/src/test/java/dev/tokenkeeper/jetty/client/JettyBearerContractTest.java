package dev.tokenkeeper.jetty.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenkeeper.BearerPolicy;
import dev.tokenkeeper.testkit.BearerContract;
import dev.tokenkeeper.testkit.LoopbackServer.Answer;
import java.io.ByteArrayInputStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BasicAuthentication;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.Request;
import org.junit.jupiter.api.Test;

/** The listener and protocol handler keep the contract, with Jetty following redirects. */
class JettyBearerContractTest extends BearerContract {

  @Override
  protected ClientUnderTest newClient(Setup setup) throws Exception {
    HttpClient client = new HttpClient();
    JettyBearer.of(setup.manager(), setup.key(), setup.policy()).install(client);
    client.start();
    return new ClientUnderTest() {
      @Override
      public Reply send(Call call) throws Exception {
        Request request = client.newRequest(call.uri()).method(call.method())
            .timeout(30, TimeUnit.SECONDS);
        if (call.key() != null) {
          request.attribute(JettyBearer.KEY_ATTRIBUTE, call.key());
        }
        String type = "text/plain";
        for (Map.Entry<String, String> h : call.headers().entrySet()) {
          if (h.getKey().equalsIgnoreCase("Content-Type")) {
            type = h.getValue();
          } else {
            request.headers(fields -> fields.put(h.getKey(), h.getValue()));
          }
        }
        if (call.body() != null) {
          request.body(call.streamed()
              ? new InputStreamRequestContent(type, new ByteArrayInputStream(call.body()))
              : new BytesRequestContent(type, call.body()));
        }
        ContentResponse response = request.send();
        return new Reply(response.getStatus(), response.getContentAsString());
      }

      @Override
      public void close() throws java.io.IOException {
        try {
          client.stop();
        } catch (Exception e) {
          throw new java.io.IOException(e);
        }
      }
    };
  }

  @Test
  void installedOnAStartedClientItKeepsJettysBasicAuthenticationForOtherOrigins()
      throws Exception {
    other.script(r -> "Basic dTpw".equals(r.header("Authorization"))
        ? Answer.text(200, "welcome")
        : Answer.text(401, "who?").withHeader("WWW-Authenticate", "Basic realm=\"other\""));
    api.script(r -> "Bearer at-1".equals(r.header("Authorization"))
        ? Answer.text(401, "expired").withHeader("WWW-Authenticate", "Bearer")
        : Answer.text(200, "api " + r.header("Authorization")));
    HttpClient client = new HttpClient();
    client.start();
    try {
      JettyBearer.of(manager, KEY, BearerPolicy.allowedOrigins(api.uri("/"))).install(client);
      client.getAuthenticationStore().addAuthentication(
          new BasicAuthentication(other.uri("/"), "other", "u", "p"));

      ContentResponse basic = client.newRequest(other.uri("/x")).send();
      ContentResponse bearer = client.newRequest(api.uri("/y")).send();

      assertEquals(200, basic.getStatus());
      assertEquals("welcome", basic.getContentAsString());
      assertEquals(200, bearer.getStatus());
      assertEquals("api Bearer at-2", bearer.getContentAsString());
      assertEquals(1, refreshes());
    } finally {
      client.stop();
    }
  }
}

package dev.tokenkeeper.httpclient5;

import dev.tokenkeeper.testkit.BearerContract;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;

/**
 * The classic handler keeps the contract, with the client following redirects itself. A POST
 * re-sent after a 401 is the case that failed with "Content-Length header already present" when
 * the same request object was executed twice.
 */
class ClassicBearerContractTest extends BearerContract {

  /** HttpClient 5.6 itself refuses a cross-origin redirect of a request with a Cookie header. */
  @Override
  protected boolean followsCrossOriginRedirectsWithCallersCookies() {
    return false;
  }

  @Override
  protected ClientUnderTest newClient(Setup setup) {
    CloseableHttpClient client = BearerExecChainHandler
        .of(setup.manager(), setup.key(), setup.policy())
        .install(HttpClients.custom())
        .build();
    return new ClientUnderTest() {
      @Override
      public Reply send(Call call) throws IOException {
        ClassicRequestBuilder b = ClassicRequestBuilder.create(call.method()).setUri(call.uri());
        ContentType type = null;
        for (Map.Entry<String, String> h : call.headers().entrySet()) {
          if (h.getKey().equalsIgnoreCase("Content-Type")) {
            type = ContentType.parse(h.getValue());
          } else {
            b.setHeader(h.getKey(), h.getValue());
          }
        }
        if (call.body() != null) {
          HttpEntity entity = call.streamed()
              ? new InputStreamEntity(new ByteArrayInputStream(call.body()), -1, type)
              : new ByteArrayEntity(call.body(), type);
          b.setEntity(entity);
        }
        HttpClientContext context = HttpClientContext.create();
        if (call.key() != null) {
          context.setAttribute(BearerExecChainHandler.KEY_ATTRIBUTE, call.key());
        }
        return client.execute(b.build(), context, response -> new Reply(response.getCode(),
            response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity())));
      }

      @Override
      public void close() throws IOException {
        client.close();
      }
    };
  }
}

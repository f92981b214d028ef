package dev.tokenkeeper.httpclient5;

import dev.tokenkeeper.testkit.BearerContract;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.apache.hc.core5.io.CloseMode;

/** The async handler keeps the contract, with the client following redirects itself. */
class AsyncBearerContractTest extends BearerContract {

  /** HttpClient 5.6 itself refuses a cross-origin redirect of a request with a Cookie header. */
  @Override
  protected boolean followsCrossOriginRedirectsWithCallersCookies() {
    return false;
  }

  @Override
  protected ClientUnderTest newClient(Setup setup) {
    CloseableHttpAsyncClient client = AsyncBearerExecChainHandler
        .of(setup.manager(), setup.key(), setup.policy())
        .install(HttpAsyncClients.custom())
        .build();
    client.start();
    return new ClientUnderTest() {
      @Override
      public Reply send(Call call) throws Exception {
        BasicRequestBuilder b = BasicRequestBuilder.create(call.method()).setUri(call.uri());
        ContentType type = null;
        for (Map.Entry<String, String> h : call.headers().entrySet()) {
          if (h.getKey().equalsIgnoreCase("Content-Type")) {
            type = ContentType.parse(h.getValue());
          } else {
            b.setHeader(h.getKey(), h.getValue());
          }
        }
        AsyncEntityProducer entity = null;
        if (call.body() != null) {
          entity = call.streamed()
              ? new Streamed(new BasicAsyncEntityProducer(call.body(), type, true))
              : new BasicAsyncEntityProducer(call.body(), type);
        }
        HttpClientContext context = HttpClientContext.create();
        if (call.key() != null) {
          context.setAttribute(BearerExecChainHandler.KEY_ATTRIBUTE, call.key());
        }
        SimpleHttpResponse r = client.execute(new BasicRequestProducer(b.build(), entity),
            SimpleResponseConsumer.create(), context, null).get(30, TimeUnit.SECONDS);
        return new Reply(r.getCode(), r.getBodyText() == null ? "" : r.getBodyText());
      }

      @Override
      public void close() throws IOException {
        client.close(CloseMode.GRACEFUL);
      }
    };
  }

  /** A producer that can run once, of unknown length: as one fed from a stream. */
  private record Streamed(AsyncEntityProducer delegate) implements AsyncEntityProducer {
    @Override
    public boolean isRepeatable() {
      return false;
    }

    @Override
    public long getContentLength() {
      return -1;
    }

    @Override
    public String getContentType() {
      return delegate.getContentType();
    }

    @Override
    public String getContentEncoding() {
      return delegate.getContentEncoding();
    }

    @Override
    public boolean isChunked() {
      return true;
    }

    @Override
    public Set<String> getTrailerNames() {
      return delegate.getTrailerNames();
    }

    @Override
    public int available() {
      return delegate.available();
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
      delegate.produce(channel);
    }

    @Override
    public void failed(Exception cause) {
      delegate.failed(cause);
    }

    @Override
    public void releaseResources() {
      delegate.releaseResources();
    }
  }
}

package dev.tokenkeeper.servlet.it;

import dev.tokenkeeper.ReauthenticationRequiredException;
import dev.tokenkeeper.servlet.SessionEndedPolicy;
import dev.tokenkeeper.servlet.TokenContext;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.util.TreeMap;

/** The servlets of the test web app (declared in its web.xml). */
public final class Servlets {
  private Servlets() {}

  /** {@code /login?id=X}: starts an HttpSession whose attribute endpointId is X. */
  public static final class Login extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override protected void doGet(HttpServletRequest req, HttpServletResponse resp)
        throws IOException {
      req.getSession(true).setAttribute("endpointId", req.getParameter("id"));
      resp.getWriter().print("signed in");
    }
  }

  /** {@code /app/call[?path=/x]}: calls the API through the request's BearerHttpClient. */
  public static final class Call extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override protected void doGet(HttpServletRequest req, HttpServletResponse resp)
        throws IOException {
      String api = req.getParameter("api") != null ? req.getParameter("api")
          : getServletContext().getInitParameter("api-uri");
      String answer = callApi(TokenContext.from(req), URI.create(api + "/whoami"));
      resp.setStatus(answer.startsWith("200 ") ? 200 : 502);
      resp.getWriter().print(answer);
    }
  }

  static String callApi(TokenContext context, URI uri) throws IOException {
    try {
      HttpResponse<String> r = context.httpClient().send(HttpRequest.newBuilder(uri).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + " " + r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } catch (IllegalStateException e) {
      return "ISE " + e.getMessage();
    }
  }

  /** {@code /app/info}: the request attributes and session state, one {@code name=value} a line. */
  public static final class Info extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override protected void doGet(HttpServletRequest req, HttpServletResponse resp)
        throws IOException {
      TreeMap<String, Object> lines = new TreeMap<>();
      for (String name : java.util.Collections.list(req.getAttributeNames())) {
        if (name.startsWith("dev.tokenkeeper.")) {
          lines.put(name, req.getAttribute(name));
        }
      }
      TokenContext.find(req).ifPresent(c -> lines.put("endpointId", c.endpointId()));
      HttpSession session = req.getSession(false);
      lines.put("maxInactiveInterval", session == null ? "none" : session.getMaxInactiveInterval());
      lines.put("ended", req.getAttribute(SessionEndedPolicy.ENDED_ATTRIBUTE));
      resp.setContentType("text/plain");
      lines.forEach((k, v) -> {
        try {
          resp.getWriter().println(k + "=" + v);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    }
  }

  /**
   * {@code /app/async}: goes async and calls the API from AsyncContext work, with the context
   * taken from the async request after the filter has returned.
   */
  public static final class AsyncCall extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      AsyncContext async = req.startAsync();
      URI api = URI.create(getServletContext().getInitParameter("api-uri") + "/whoami");
      async.start(() -> {
        try {
          TokenContext context = TokenContext.from(async.getRequest());
          String answer = callApi(context, api);
          HttpServletResponse response = (HttpServletResponse) async.getResponse();
          response.setStatus(answer.startsWith("200 ") ? 200 : 502);
          response.getWriter().print(answer + " token=" + context.token().value()
              + " thread=" + Thread.currentThread().getName());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        } finally {
          async.complete();
        }
      });
    }
  }

  /** {@code /app/end}: the session ends during the request (the servlet meets the exception). */
  public static final class EndDuringRequest extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      TokenContext context = TokenContext.from(req);
      context.tokenManager().invalidate(context.endpointId());
      context.token();
      throw new AssertionError("token() should have thrown "
          + ReauthenticationRequiredException.class.getSimpleName());
    }
  }

  /** A custom EndpointIdResolver ({@code class:}): the {@code ep} query parameter. */
  public static final class QueryParam implements dev.tokenkeeper.servlet.EndpointIdResolver {
    @Override public String resolve(HttpServletRequest request) {
      return request.getParameter("ep");
    }
  }

  /** A listener named in web.xml: records every event. */
  public static final class Recording implements dev.tokenkeeper.TokenListener {
    public static final java.util.List<String> EVENTS =
        new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override public void onToken(String key, dev.tokenkeeper.TokenResponse response,
        dev.tokenkeeper.RefreshCause cause) {
      EVENTS.add("token " + key + " " + cause);
    }

    @Override public void onSessionEnding(String key, dev.tokenkeeper.SessionTimeouts t) {
      EVENTS.add("ending " + key);
    }

    @Override public void onSessionEnded(String key, dev.tokenkeeper.SessionTimeouts t) {
      EVENTS.add("ended " + key);
    }
  }

  /** A TokenListener with state of its own: published as a context attribute, not named by class. */
  public static final class InstanceListener implements dev.tokenkeeper.TokenListener {
    public final java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override public void onToken(String key, dev.tokenkeeper.TokenResponse response,
        dev.tokenkeeper.RefreshCause cause) {
      events.add("token " + key + " " + cause);
    }
  }

  /**
   * Publishes an {@link InstanceListener} as context attribute {@value #ATTRIBUTE} before filters
   * start, for {@code listener=attribute:...}.
   */
  public static final class PublishListener implements jakarta.servlet.ServletContextListener {
    public static final String ATTRIBUTE = "it.token-listener";

    @Override public void contextInitialized(jakarta.servlet.ServletContextEvent event) {
      event.getServletContext().setAttribute(ATTRIBUTE, new InstanceListener());
    }
  }

  /**
   * Adds TokenFilter in code ({@code ServletContext.addFilter}) from a {@code TokenFilterConfig},
   * as a framework would: a fixed key, the API origin, headers on, pass-through policy.
   */
  public static final class ProgrammaticSetup implements jakarta.servlet.ServletContextListener {
    public static volatile dev.tokenkeeper.TokenManager manager;

    @Override public void contextInitialized(jakarta.servlet.ServletContextEvent event) {
      jakarta.servlet.ServletContext sc = event.getServletContext();
      dev.tokenkeeper.TokenEndpoint endpoint = dev.tokenkeeper.TokenEndpoint.builder(
          URI.create(sc.getInitParameter("token-uri")),
          dev.tokenkeeper.ClientAuthentication.post("code-client", "code-secret"))
          .dialect(dev.tokenkeeper.Dialect.ringCentral()).budget(null).build();
      manager = dev.tokenkeeper.TokenManager.builder(endpoint)
          .primaryGrant(dev.tokenkeeper.Grant.clientCredentials()).build();
      dev.tokenkeeper.servlet.TokenFilterConfig config = dev.tokenkeeper.servlet.TokenFilterConfig
          .builder(manager, dev.tokenkeeper.servlet.EndpointIdResolver.fixed("svc-code"))
          .allowedOrigins(URI.create(sc.getInitParameter("api-uri")))
          .exposeHeaders(true)
          .alignSessionTimeout(true)
          .sessionEndedPolicy(SessionEndedPolicy.passThrough())
          .httpClient(java.net.http.HttpClient.newHttpClient())
          .build();
      jakarta.servlet.FilterRegistration.Dynamic registration =
          sc.addFilter("tokenkeeper-in-code", new dev.tokenkeeper.servlet.TokenFilter(config));
      registration.setAsyncSupported(true);
      registration.addMappingForUrlPatterns(
          java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST), true, "/app/*");
    }

    @Override public void contextDestroyed(jakarta.servlet.ServletContextEvent event) {
      manager.close();
    }
  }

  /** Plays container authentication: the principal is the X-Test-User header. */
  public static final class PrincipalFromHeader extends HttpFilter {
    private static final long serialVersionUID = 1L;

    @Override protected void doFilter(HttpServletRequest req, HttpServletResponse res,
        FilterChain chain) throws IOException, ServletException {
      String user = req.getHeader("X-Test-User");
      if (user == null) {
        chain.doFilter(req, res);
        return;
      }
      Principal principal = () -> user;
      chain.doFilter(new HttpServletRequestWrapper(req) {
        @Override public Principal getUserPrincipal() {
          return principal;
        }

        @Override public String getRemoteUser() {
          return user;
        }
      }, res);
    }
  }
}

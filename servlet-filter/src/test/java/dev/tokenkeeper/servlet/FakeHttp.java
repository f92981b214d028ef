package dev.tokenkeeper.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.HashMap;
import java.util.Map;

/** Minimal request/response fakes (dynamic proxies) for unit tests of resolvers and policies. */
final class FakeHttp {
  final Map<String, String> requestHeaders = new HashMap<>();
  final Map<String, Object> attributes = new HashMap<>();
  final Map<String, Object> sessionAttributes = new HashMap<>();
  boolean hasSession;
  String principal;
  String contextPath = "";

  int status = 200;
  final Map<String, String> responseHeaders = new HashMap<>();
  final ByteArrayOutputStream body = new ByteArrayOutputStream();
  String redirect;
  String contentType;

  String body() {
    return body.toString(StandardCharsets.UTF_8);
  }

  HttpServletRequest request() {
    HttpSession session = (HttpSession) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {HttpSession.class}, (p, m, a) -> switch (m.getName()) {
          case "getAttribute" -> sessionAttributes.get((String) a[0]);
          default -> throw new UnsupportedOperationException(m.getName());
        });
    return (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (p, m, a) -> switch (m.getName()) {
          case "getHeader" -> requestHeaders.get((String) a[0]);
          case "getAttribute" -> attributes.get((String) a[0]);
          case "setAttribute" -> attributes.put((String) a[0], a[1]);
          case "getSession" -> hasSession ? session : null;
          case "getUserPrincipal" -> principal == null ? null : (Principal) () -> principal;
          case "getContextPath" -> contextPath;
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  HttpServletResponse response() {
    ServletOutputStream out = new ServletOutputStream() {
      @Override public boolean isReady() {
        return true;
      }

      @Override public void setWriteListener(WriteListener listener) {}

      @Override public void write(int b) {
        body.write(b);
      }
    };
    return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {HttpServletResponse.class}, (p, m, a) -> {
          switch (m.getName()) {
            case "setHeader": responseHeaders.put((String) a[0], (String) a[1]); return null;
            case "setStatus": status = (Integer) a[0]; return null;
            case "setContentType": contentType = (String) a[0]; return null;
            case "sendRedirect": status = 302; redirect = (String) a[0]; return null;
            case "encodeRedirectURL": return a[0];
            case "getOutputStream": return out;
            case "resetBuffer": body.reset(); return null;
            case "setCharacterEncoding": case "setContentLength": case "flushBuffer": return null;
            default: throw new UnsupportedOperationException(m.getName());
          }
        });
  }
}

package dev.tokenkeeper.servlet;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A FilterConfig over a map, with a ServletContext that only keeps attributes and context-params. */
final class FakeFilterConfig implements FilterConfig {
  final Map<String, String> params;
  final Map<String, Object> contextAttributes = new ConcurrentHashMap<>();
  final Map<String, String> contextParams = new ConcurrentHashMap<>();
  private final ServletContext context;

  FakeFilterConfig(Map<String, String> params) {
    this.params = new LinkedHashMap<>(params);
    this.context = (ServletContext) Proxy.newProxyInstance(
        ServletContext.class.getClassLoader(), new Class<?>[] {ServletContext.class},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "getAttribute": return contextAttributes.get((String) args[0]);
            case "setAttribute": contextAttributes.put((String) args[0], args[1]); return null;
            case "removeAttribute": contextAttributes.remove((String) args[0]); return null;
            case "getInitParameter": return contextParams.get((String) args[0]);
            case "getClassLoader": return FakeFilterConfig.class.getClassLoader();
            case "getContextPath": return "";
            case "toString": return "FakeServletContext";
            case "hashCode": return System.identityHashCode(proxy);
            case "equals": return proxy == args[0];
            default: throw new UnsupportedOperationException(method.getName());
          }
        });
  }

  @Override public String getFilterName() {
    return "tk";
  }

  @Override public ServletContext getServletContext() {
    return context;
  }

  @Override public String getInitParameter(String name) {
    return params.get(name);
  }

  @Override public Enumeration<String> getInitParameterNames() {
    return Collections.enumeration(params.keySet());
  }
}

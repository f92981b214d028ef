package dev.tokenkeeper.servlet.internal;

import dev.tokenkeeper.TokenListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;

/**
 * The application's objects an init-param names: a class to instantiate (loaded with the web
 * app's class loader) or a {@code ServletContext} attribute the application set. Every error names
 * the init-param. Not part of the API; stateless.
 */
public final class Instances {
  private Instances() {}

  /**
   * The listeners of a comma-separated list: {@code attribute:NAME} (a ServletContext attribute
   * set before filters start) or a class name, optionally prefixed {@code class:}.
   */
  public static List<TokenListener> listeners(ParamReader p, String name)
      throws ServletException {
    List<TokenListener> listeners = new ArrayList<>();
    for (String entry : p.items(name)) {
      if (entry.startsWith("attribute:")) {
        listeners.add(attribute(p, name, entry.substring("attribute:".length()),
            TokenListener.class));
      } else {
        String className = entry.startsWith("class:") ? entry.substring("class:".length()) : entry;
        listeners.add(instance(p, name, className, TokenListener.class));
      }
    }
    return listeners;
  }

  /** The instance of {@code type} the application published as a ServletContext attribute. */
  public static <T> T attribute(ParamReader p, String param, String attribute, Class<T> type)
      throws ServletException {
    String form = "attribute:NAME naming a ServletContext attribute that holds a "
        + type.getName() + ", set before filters start (in a ServletContextListener's"
        + " contextInitialized, or by the code that builds the context)";
    if (attribute.isEmpty()) {
      throw p.error(param, "has an entry attribute: without a name", form);
    }
    Object value = p.context() == null ? null : p.context().getAttribute(attribute);
    if (value == null) {
      throw p.error(param, "names the ServletContext attribute " + attribute
          + ", which is not set", form);
    }
    if (!type.isInstance(value)) {
      throw p.error(param, "names the ServletContext attribute " + attribute
          + ", which holds a " + value.getClass().getName() + ", not a " + type.getName(), form);
    }
    return type.cast(value);
  }

  /** A new instance of the application's class {@code className}, which implements {@code type}. */
  public static <T> T instance(ParamReader p, String param, String className,
      Class<T> type) throws ServletException {
    String form = "the name of a public class implementing " + type.getName()
        + " with a public no-arg constructor";
    Class<?> cls;
    try {
      cls = Class.forName(className, true, classLoader(p.context()));
    } catch (ClassNotFoundException | LinkageError e) {
      throw p.error(param, "names the class " + className + ", which cannot be loaded ("
          + e.getClass().getSimpleName() + ")", form);
    }
    if (!type.isAssignableFrom(cls)) {
      throw p.error(param, "names the class " + className + ", which does not implement "
          + type.getName(), form);
    }
    try {
      return type.cast(cls.getConstructor().newInstance());
    } catch (NoSuchMethodException e) {
      throw p.error(param, "names the class " + className + ", which has no public no-arg"
          + " constructor", form);
    } catch (InvocationTargetException e) {
      throw new ServletException(p.owner() + ": init-param " + param + ": the constructor of "
          + className + " failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw p.error(param, "names the class " + className + ", which cannot be instantiated ("
          + e.getClass().getSimpleName() + ")", form);
    }
  }

  private static ClassLoader classLoader(ServletContext context) {
    try {
      ClassLoader loader = context == null ? null : context.getClassLoader();
      if (loader != null) {
        return loader;
      }
    } catch (RuntimeException e) {
      // a ServletContext that refuses (e.g. to a programmatic listener): fall through
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return loader != null ? loader : Instances.class.getClassLoader();
  }
}

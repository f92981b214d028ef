package dev.tokenkeeper.example;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.Holder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

/**
 * Fills {@code ${name}} in the {@code web.xml} init-params of filters and servlets from the
 * context-params of the same name, and drops an init-param whose value comes out empty. Declared
 * in {@code web.xml}; runs before any filter or servlet is initialised (listeners come first).
 *
 * <p>Why: {@code TokenFilter} reads its configuration only from its own init-params, while the
 * example's values (the port, the provider, the grant) come from the command line. The launcher
 * turns flags into context-params; this listener carries them into the filter, so {@code web.xml}
 * still shows every init-param the filter gets. Editing a declared filter's init-params needs
 * Jetty's {@link FilterHolder}: the portable {@code FilterRegistration.setInitParameter} never
 * replaces a value.
 */
public final class ContextParamPlaceholders implements ServletContextListener {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.\\-]+)}");

  @Override
  public void contextInitialized(ServletContextEvent event) {
    ServletContext context = event.getServletContext();
    ServletContextHandler handler = ServletContextHandler.getServletContextHandler(context);
    for (Holder<?> holder : handler.getServletHandler().getFilters()) {
      resolveAll(holder, context);
    }
    for (Holder<?> holder : handler.getServletHandler().getServlets()) {
      resolveAll(holder, context);
    }
  }

  private static void resolveAll(Holder<?> holder, ServletContext context) {
    Map<String, String> resolved = new LinkedHashMap<>();
    for (Map.Entry<String, String> param : holder.getInitParameters().entrySet()) {
      String value = resolve(param.getValue(), context, holder.getName(), param.getKey());
      if (!value.isBlank()) {
        resolved.put(param.getKey(), value.trim());
      }
    }
    holder.setInitParameters(resolved);
  }

  static String resolve(String value, ServletContext context, String filter, String param) {
    Matcher m = PLACEHOLDER.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement = context.getInitParameter(m.group(1));
      if (replacement == null) {
        throw new IllegalStateException("web.xml: '" + filter + "' init-param '" + param
            + "' refers to ${" + m.group(1) + "}, but no context-param of that name is set;"
            + " add a <context-param> or set it from the launcher");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }
}

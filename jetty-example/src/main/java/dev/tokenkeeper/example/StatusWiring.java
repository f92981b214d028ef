package dev.tokenkeeper.example;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.time.Clock;

/**
 * Gives the web application its {@link StatusBoard} and the {@link StatusListener} that feeds it,
 * as {@code ServletContext} attributes. Declared in {@code web.xml}: the container runs it before
 * it initialises filters, so {@code TokenFilter} finds the listener through its init-param
 * {@code listener} = {@code attribute:}{@value StatusListener#ATTRIBUTE}, and the servlets find
 * the board under {@value StatusBoard#ATTRIBUTE}. One board per web application, no JVM-wide state.
 */
public final class StatusWiring implements ServletContextListener {
  @Override
  public void contextInitialized(ServletContextEvent event) {
    ServletContext context = event.getServletContext();
    StatusBoard board = new StatusBoard(Clock.systemUTC());
    context.setAttribute(StatusBoard.ATTRIBUTE, board);
    context.setAttribute(StatusListener.ATTRIBUTE, new StatusListener(board));
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    event.getServletContext().removeAttribute(StatusListener.ATTRIBUTE);
    event.getServletContext().removeAttribute(StatusBoard.ATTRIBUTE);
  }
}

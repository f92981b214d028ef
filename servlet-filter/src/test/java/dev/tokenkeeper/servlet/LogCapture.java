package dev.tokenkeeper.servlet;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * What TokenKeeper logs (through JUL, the default of {@code System.Logger}) while it is open:
 * each record's message, and each record as a log file would show it (source, level, message and
 * stack trace, where a leaked secret would show). Thread-safe.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final Level levelBefore;
  private final Handler handler;
  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private LogCapture(String loggerName, Level level) {
    logger = Logger.getLogger(loggerName);
    levelBefore = logger.getLevel();
    SimpleFormatter formatter = new SimpleFormatter();
    handler = new Handler() {
      @Override public void publish(LogRecord record) {
        messages.add(formatter.formatMessage(record));
        lines.add(formatter.format(record));
      }
      @Override public void flush() {}
      @Override public void close() {}
    };
    if (level != null) {
      handler.setLevel(level);
      logger.setLevel(level);
    }
    logger.addHandler(handler);
  }

  /** Captures all of TokenKeeper's loggers at the levels configured (INFO and up by default). */
  public static LogCapture start() {
    return of("dev.tokenkeeper");
  }

  /** Captures one logger (and those below it) at the levels configured. */
  public static LogCapture of(String loggerName) {
    return new LogCapture(loggerName, null);
  }

  /** Captures all of TokenKeeper's loggers at every level, DEBUG (FINE) and below included. */
  public static LogCapture allLevels() {
    return new LogCapture("dev.tokenkeeper", Level.ALL);
  }

  /** The messages logged so far. */
  public List<String> messages() {
    return List.copyOf(messages);
  }

  /** The records logged so far, formatted in full. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** The first message that contains {@code text}; fails naming what was logged. */
  public String messageWith(String text) {
    return messages.stream().filter(m -> m.contains(text)).findFirst()
        .orElseThrow(() -> new AssertionError("no log message contains '" + text + "': "
            + messages));
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
    logger.setLevel(levelBefore);
  }
}

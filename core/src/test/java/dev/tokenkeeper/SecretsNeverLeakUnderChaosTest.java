package dev.tokenkeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

/**
 * The leak check of issue 8: with TokenKeeper's logging at its finest level ({@code System.Logger}
 * → JUL at {@code ALL}), every flow the chaos endpoint can provoke — good answers, rotations,
 * every fault, retries, cool-downs, fallbacks, evictions — runs, and then no client secret and no
 * access or refresh token the endpoint issued appears in a log record (message, parameters or
 * stack trace), an exception's message or stack trace, a listener's view of a failure, or the
 * {@code toString()} of the manager, its stats, the endpoint or a served token.
 */
class SecretsNeverLeakUnderChaosTest {

  @Test
  void atTheFinestLogLevelEveryChaosFlowShowsNoSecretAnywhere() throws Exception {
    Logger logger = Logger.getLogger("dev.tokenkeeper");
    Level previous = logger.getLevel();
    List<String> logged = new ArrayList<>();
    SimpleFormatter formatter = new SimpleFormatter();
    Handler capture = new Handler() {
      @Override public void publish(LogRecord record) {
        synchronized (logged) {
          logged.add(formatter.format(record)); // message, parameters filled in, stack trace
        }
      }

      @Override public void flush() {}

      @Override public void close() {}
    };
    capture.setLevel(Level.ALL);
    logger.setLevel(Level.ALL);
    logger.addHandler(capture);
    ChaosSoak soak = new ChaosSoak(4242, 8, 12, 40, 0.5, ChaosSoak.faultsExcept());
    List<String> heard = new ArrayList<>();
    soak.customize = b -> b.listener(new TokenListener() {
      @Override public void onFailure(String key, Throwable failure, boolean stillServing) {
        synchronized (heard) {
          heard.add(stackTrace(failure));
        }
      }
    });
    try {
      soak.run();
    } finally {
      logger.removeHandler(capture);
      logger.setLevel(previous);
    }
    System.out.println("leak check: " + soak.summary() + "; " + logged.size() + " log records, "
        + soak.thrown.size() + " exceptions, " + heard.size() + " failures heard, "
        + soak.secrets.size() + " tokens issued");

    List<String> texts = new ArrayList<>(logged);
    texts.addAll(heard);
    soak.thrown.forEach(t -> texts.add(stackTrace(t)));
    texts.addAll(soak.shown);
    List<String> secrets = new ArrayList<>(soak.secrets);
    secrets.add(ChaosSoak.CLIENT_SECRET);
    List<String> leaks = new ArrayList<>();
    for (String text : texts) {
      for (String secret : secrets) {
        if (text.contains(secret)) {
          leaks.add(secret + " in: " + text.substring(0, Math.min(300, text.length())));
        }
      }
    }
    assertTrue(logged.size() > 20, "finest-level logging produced records: " + logged.size());
    assertTrue(soak.secrets.size() > 20 && !soak.thrown.isEmpty(), soak.summary());
    assertEquals(List.of(), leaks);
  }

  static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}

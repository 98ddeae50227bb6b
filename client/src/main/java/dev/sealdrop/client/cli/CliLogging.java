package dev.sealdrop.client.cli;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * The CLI's logging, set up in code (found by logback through {@code META-INF/services}): the CLI
 * speaks through stdout/stderr in its own voice, library chatter stays quiet, so only errors are
 * logged, to stderr. A {@code logback.xml} would cost every command about 0.3 s of XML
 * configuration machinery. {@code -Dlogback.configurationFile=FILE} still wins: logback runs
 * service-loaded configurators first, so this one steps aside when that property is set.
 *
 * <p>gRPC logs through {@code java.util.logging}, whose default console handler would print its
 * warnings with whole stack traces (e.g. a host name that does not resolve) past the CLI's voice:
 * {@link #routeJavaUtilLogging} hands those records to the same logging instead.
 */
public final class CliLogging extends ContextAwareBase implements Configurator {
  static final String PATTERN = "sealdrop: log: %-5level %logger{20}: %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY; // logback's own configurator reads the user's file
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.ERROR);
    root.addAppender(stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * Replaces the handlers of {@code java.util.logging}'s root logger by one that passes its records
   * to SLF4J (so to the configuration above: errors only, in the CLI's voice). Without a user
   * logback file only SEVERE records are even made; with one, every record is passed on and the
   * file decides.
   */
  static void routeJavaUtilLogging() {
    java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    boolean userFile = System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null;
    root.setLevel(userFile ? java.util.logging.Level.ALL : java.util.logging.Level.SEVERE);
    root.addHandler(new ToSlf4j());
  }

  /** One {@code java.util.logging} record as an SLF4J event of the same logger and the nearest level. */
  static final class ToSlf4j extends Handler {
    @Override
    public void publish(LogRecord r) {
      if (r == null || !isLoggable(r)) {
        return;
      }
      org.slf4j.Logger log = LoggerFactory.getLogger(r.getLoggerName() == null ? "jul" : r.getLoggerName());
      String message = new java.util.logging.SimpleFormatter().formatMessage(r);
      int level = r.getLevel().intValue();
      if (level >= java.util.logging.Level.SEVERE.intValue()) {
        log.error(message, r.getThrown());
      } else if (level >= java.util.logging.Level.WARNING.intValue()) {
        log.warn(message, r.getThrown());
      } else if (level >= java.util.logging.Level.INFO.intValue()) {
        log.info(message, r.getThrown());
      } else if (level >= java.util.logging.Level.FINE.intValue()) {
        log.debug(message, r.getThrown());
      } else {
        log.trace(message, r.getThrown());
      }
    }

    @Override
    public void flush() {
      // SLF4J's appenders flush themselves
    }

    @Override
    public void close() {
      // nothing held
    }
  }
}

package dev.sealdrop.server.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Log events captured for a test, read safely while server threads are still logging. Logback appends under the
 * appender's own lock ({@code AppenderBase.doAppend} is synchronized on it), so {@link #events()} copies the list under
 * that same lock; reading {@code list} directly while another thread appends throws ConcurrentModificationException.
 */
public final class CapturedLog extends ListAppender<ILoggingEvent> implements AutoCloseable {
  private Logger attachedTo;

  /** Captures what the root logger writes (at its configured level) until {@link #close()}. */
  public static CapturedLog ofRoot() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    CapturedLog log = new CapturedLog();
    log.setContext(context);
    log.start();
    log.attachedTo = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    log.attachedTo.addAppender(log);
    return log;
  }

  /** A snapshot of the events logged so far. */
  public synchronized List<ILoggingEvent> events() {
    return List.copyOf(list);
  }

  /** The formatted messages logged so far. */
  public List<String> messages() {
    return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Override
  public void close() {
    if (attachedTo != null) {
      attachedTo.detachAppender(this);
    }
    stop();
  }
}

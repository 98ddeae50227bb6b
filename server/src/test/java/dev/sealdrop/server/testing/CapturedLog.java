package dev.sealdrop.server.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;

/**
 * Log events captured for a test, read safely while server threads are still logging. Logback appends under the
 * appender's own lock ({@code AppenderBase.doAppend} is synchronized on it), so {@link #events()} copies the list under
 * that same lock; reading {@code list} directly while another thread appends throws ConcurrentModificationException.
 */
public final class CapturedLog extends ListAppender<ILoggingEvent> {
  /** A snapshot of the events logged so far. */
  public synchronized List<ILoggingEvent> events() {
    return List.copyOf(list);
  }
}

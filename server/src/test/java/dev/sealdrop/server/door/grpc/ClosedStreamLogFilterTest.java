package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A client killed in the middle of a download makes grpc-java log WARN "Stream Error" with a stack
 * trace ("Stream closed before write could take place"); the server's logging drops that one and
 * keeps every other stream error.
 */
class ClosedStreamLogFilterTest {
  @Test
  void aStreamItsClientClosedIsNotLoggedButOtherStreamErrorsAre() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    assertThat(context.getTurboFilterList()).as("registered by logback.xml")
        .anyMatch(f -> f instanceof ClosedStreamLogFilter);
    if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
      org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger(); // as ServerMain does
      org.slf4j.bridge.SLF4JBridgeHandler.install();
    }
    Logger handler = context.getLogger(ClosedStreamLogFilter.GRPC_SERVER_HANDLER);
    CapturedLog seen = new CapturedLog();
    seen.setContext(context);
    seen.start();
    handler.addAppender(seen);
    try {
      // as grpc-java logs them, through java.util.logging
      java.util.logging.Logger jul = java.util.logging.Logger.getLogger(ClosedStreamLogFilter.GRPC_SERVER_HANDLER);
      jul.log(Level.WARNING, "Stream Error", Http2Exception.streamError(3, Http2Error.STREAM_CLOSED,
          "Stream closed before write could take place"));
      assertThat(seen.events()).as("a stream the client closed").isEmpty();
      jul.log(Level.WARNING, "Stream Error", Http2Exception.streamError(5, Http2Error.PROTOCOL_ERROR, "bad frame"));
      jul.log(Level.WARNING, "Exception in onDataRead()", Http2Exception.streamError(7, Http2Error.STREAM_CLOSED,
          "closed"));
      assertThat(seen.events()).extracting(ILoggingEvent::getFormattedMessage)
          .containsExactly("Stream Error", "Exception in onDataRead()");
    } finally {
      handler.detachAppender(seen);
    }
  }
}

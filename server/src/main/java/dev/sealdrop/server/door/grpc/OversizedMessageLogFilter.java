package dev.sealdrop.server.door.grpc;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.grpc.Status;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Replaces grpc-java's WARN "Exception processing message", with a StatusRuntimeException's stack
 * trace of about 15 lines, for a request message over the transport limit (RESOURCE_EXHAUSTED "gRPC
 * message exceeds maximum size"), by one line without a stack trace: any authenticated client could
 * otherwise flood the log with a trace per oversized message. The client was already answered
 * RESOURCE_EXHAUSTED (docs/protocol.md §1); nothing failed on the server. Every other failure to
 * process a message keeps grpc-java's record. Registered in logback.xml, as {@link
 * ClosedStreamLogFilter}.
 */
public final class OversizedMessageLogFilter extends TurboFilter {
  static final String GRPC_SERVER_STREAM = "io.grpc.netty.NettyServerStream";
  static final String GRPC_FORMAT = "Exception processing message";
  /** Its own logger: the line it writes never comes back through this filter as a match. */
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(OversizedMessageLogFilter.class);
  private volatile dev.sealdrop.server.logging.OncePerMinute logged = new dev.sealdrop.server.logging.OncePerMinute();

  /** Starts a new minute (tests: the filter is one per logging context, shared by every test of a JVM). */
  void forgetWhatWasLogged() {
    logged = new dev.sealdrop.server.logging.OncePerMinute();
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (t == null || logger == null || !GRPC_SERVER_STREAM.equals(logger.getName()) || !GRPC_FORMAT.equals(format)) {
      return FilterReply.NEUTRAL;
    }
    Status status = Status.fromThrowable(t);
    if (status.getCode() != Status.Code.RESOURCE_EXHAUSTED) {
      return FilterReply.NEUTRAL;
    }
    // once a minute (review DN: any enrolled client looping oversized messages wrote thousands of lines a second)
    if (logged.first("oversized")) {
      LOG.warn("a client sent a gRPC message larger than the server accepts ({}); it was refused with"
          + " RESOURCE_EXHAUSTED and its call ended. Nothing to do on the server; if it repeats, the client's software"
          + " sends messages over the protocol's limit (docs/protocol.md; logged once a minute)",
          status.getDescription());
    }
    return FilterReply.DENY;
  }
}

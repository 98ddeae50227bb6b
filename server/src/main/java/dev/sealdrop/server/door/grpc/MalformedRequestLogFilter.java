package dev.sealdrop.server.door.grpc;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import dev.sealdrop.server.logging.OncePerMinute;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Replaces grpc-java's ERROR "Exception while executing runnable", with a stack trace of some 26 lines, for a request
 * message that is not valid protobuf ("Invalid protobuf byte sequence"), by one WARN line a minute that counts them:
 * any enrolled client could otherwise write 26 lines per call into the log (round BY: 500 such calls, 13,000 lines).
 * grpc-java has already answered the call (UNKNOWN, "Application error processing RPC"; docs/protocol.md §6); nothing
 * failed on the server. Every other failure keeps grpc-java's record. Registered in logback.xml.
 */
public final class MalformedRequestLogFilter extends TurboFilter {
  static final String GRPC_EXECUTOR = "io.grpc.internal.SerializingExecutor";
  static final String INVALID_PROTOBUF = "Invalid protobuf byte sequence";
  /** How grpc-java's executor begins the line it logs for a task that threw. */
  static final String GRPC_FORMAT = "Exception while executing runnable";
  /** Its own logger: the line it writes never comes back through this filter as a match. */
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(MalformedRequestLogFilter.class);
  private final OncePerMinute minute = new OncePerMinute();
  private final AtomicLong since = new AtomicLong();

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (t == null || logger == null || !GRPC_EXECUTOR.equals(logger.getName()) || format == null
        || !format.startsWith(GRPC_FORMAT)) {
      return FilterReply.NEUTRAL;
    }
    Status status = Status.fromThrowable(t);
    if (status.getCode() != Status.Code.INTERNAL || status.getDescription() == null
        || !status.getDescription().startsWith(INVALID_PROTOBUF)) {
      return FilterReply.NEUTRAL;
    }
    since.incrementAndGet();
    if (minute.first("malformed")) {
      long count = since.getAndSet(0); // those counted since the last line, none lost to a concurrent call
      LOG.warn("{} request message(s) that were not valid protobuf since the last such line (a client's software"
          + " is broken, or someone probes the server); each call was answered UNKNOWN and ended, nothing else"
          + " happened (docs/protocol.md §6)", count);
    }
    return FilterReply.DENY;
  }
}

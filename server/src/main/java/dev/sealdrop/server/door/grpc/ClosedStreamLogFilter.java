package dev.sealdrop.server.door.grpc;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import org.slf4j.Marker;

/**
 * Drops grpc-java's WARN "Stream Error" record, with its stack trace, for a stream its client has
 * already closed (HTTP/2 {@code STREAM_CLOSED}: "Stream closed before write could take place"): what
 * every client killed in the middle of a download leaves, not a fault of the server. The download's
 * end is audited anyway ({@code download.abort}). Every other stream error is still logged.
 * Registered in logback.xml.
 */
public final class ClosedStreamLogFilter extends TurboFilter {
  static final String GRPC_SERVER_HANDLER = "io.grpc.netty.NettyServerHandler";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (logger != null && GRPC_SERVER_HANDLER.equals(logger.getName()) && "Stream Error".equals(format)
        && t instanceof Http2Exception.StreamException e && e.error() == Http2Error.STREAM_CLOSED) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}

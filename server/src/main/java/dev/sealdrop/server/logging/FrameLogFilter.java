package dev.sealdrop.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops the HTTP/2 frame dumps that grpc-java's and Netty's frame loggers write at DEBUG: they show every request's
 * bytes in hexadecimal, and so a grant token or a claim id, which {@link SecretRedaction} finds only as text (round
 * AG: a DEBUG level set in the shipped logback.xml put whole tokens in the log). Everything else at DEBUG stays.
 * Registered in logback.xml.
 */
public final class FrameLogFilter extends TurboFilter {
  /** The loggers of HTTP/2 frames: grpc-java's (named after its handlers) and Netty's own. */
  static boolean dumpsFrames(String logger) {
    return logger.equals("io.grpc.netty.NettyServerHandler") || logger.equals("io.grpc.netty.NettyClientHandler")
        || logger.startsWith("io.netty.handler.codec.http2") || logger.startsWith("io.netty.handler.logging");
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (logger != null && level != null && !level.isGreaterOrEqual(Level.INFO) && dumpsFrames(logger.getName())) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}

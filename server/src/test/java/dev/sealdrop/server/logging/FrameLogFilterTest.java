package dev.sealdrop.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Round AG: with DEBUG set for io.grpc (or io.netty) in the shipped logback.xml, the HTTP/2 frame loggers wrote every
 * request's bytes in hex, grant tokens and claim ids with them. Those dumps are dropped at any level below INFO.
 */
class FrameLogFilterTest {
  private final LoggerContext context = new LoggerContext();
  private final FrameLogFilter filter = new FrameLogFilter();

  private FilterReply decide(String logger, Level level) {
    Logger l = context.getLogger(logger);
    return filter.decide(null, l, level, "{} {} INBOUND DATA: streamId={} padding={} endStream={} length={} bytes={}",
        null, null);
  }

  @Test
  void frameDumpsAreDroppedBelowInfoAndNothingElseIs() {
    for (String frames : new String[] {"io.grpc.netty.NettyServerHandler", "io.grpc.netty.NettyClientHandler",
        "io.netty.handler.codec.http2.Http2FrameLogger", "io.netty.handler.logging.LoggingHandler"}) {
      assertThat(decide(frames, Level.DEBUG)).as(frames).isEqualTo(FilterReply.DENY);
      assertThat(decide(frames, Level.TRACE)).as(frames).isEqualTo(FilterReply.DENY);
      assertThat(decide(frames, Level.WARN)).as(frames).isEqualTo(FilterReply.NEUTRAL);
    }
    assertThat(decide("io.grpc.netty.NettyServerStream", Level.DEBUG)).isEqualTo(FilterReply.NEUTRAL);
    assertThat(decide("dev.sealdrop.server.core.grant.GrantService", Level.DEBUG)).isEqualTo(FilterReply.NEUTRAL);
  }

  @Test
  void theShippedConfigurationInstallsIt() throws Exception {
    try (var in = FrameLogFilterTest.class.getResourceAsStream("/logback.xml")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .contains("<turboFilter class=\"" + FrameLogFilter.class.getName() + "\"/>");
    }
  }
}

package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * grpc-java's java.util.logging records reach Logback (its format, levels and appenders) instead of
 * JUL's console handler, and obey logback.xml's levels: {@code io.grpc} logs WARN and above.
 */
class JulRoutingTest {
  @Test
  void grpcsJavaUtilLoggingGoesThroughLogbackAtLogbacksLevels() {
    ServerMain.routeJavaUtilLoggingToLogback();
    Handler[] handlers = LogManager.getLogManager().getLogger("").getHandlers();
    assertThat(handlers).as("JUL's own console handler is gone").noneMatch(h -> h instanceof ConsoleHandler);

    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    CapturedLog logs = new CapturedLog();
    logs.start();
    root.addAppender(logs);
    try {
      java.util.logging.Logger grpc = java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerTransport");
      grpc.log(Level.INFO, "Transport failed (probe, below io.grpc's WARN)", new IllegalStateException("probe"));
      grpc.log(Level.WARNING, "a warning from grpc (probe)");
    } finally {
      root.detachAppender(logs);
      logs.stop();
    }
    List<String> seen;
    seen = logs.events().stream().map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage())
        .toList();
    assertThat(seen).containsExactly("WARN io.grpc.netty.NettyServerTransport a warning from grpc (probe)");
  }
}

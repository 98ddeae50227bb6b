package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's logging as logback sets it up on start (service-loaded {@link CliLogging}, no XML):
 * errors only, one stderr appender in the CLI's voice; {@code -Dlogback.configurationFile} still
 * overrides it.
 */
class CliLoggingTest {
  @TempDir
  Path dir;

  private static LoggerContext autoConfigured() throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter()); // as LogbackServiceProvider does for the real one
    new ContextInitializer(context).autoConfig(CliLoggingTest.class.getClassLoader());
    return context;
  }

  private static List<Appender<ILoggingEvent>> appenders(Logger logger) {
    List<Appender<ILoggingEvent>> all = new ArrayList<>();
    logger.iteratorForAppenders().forEachRemaining(all::add);
    return all;
  }

  @Test
  void userConfigurationFileStillOverrides() throws Exception {
    Path xml = Files.writeString(dir.resolve("mine.xml"), """
        <configuration>
          <appender name="MINE" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>mine %msg%n</pattern></encoder>
          </appender>
          <root level="DEBUG"><appender-ref ref="MINE"/></root>
        </configuration>
        """);
    String previous = System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
    System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, xml.toString());
    try {
      LoggerContext context = autoConfigured();
      Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
      assertThat(appenders(root)).extracting(Appender::getName).containsExactly("MINE");
      context.stop();
    } finally {
      if (previous == null) {
        System.clearProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
      } else {
        System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, previous);
      }
    }
  }

  @Test
  void rootLogsOnlyErrorsToStderrInTheCliVoice() throws Exception {
    LoggerContext context = autoConfigured();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.ERROR);
    List<Appender<ILoggingEvent>> appenders = appenders(root);
    assertThat(appenders).hasSize(1);
    ConsoleAppender<ILoggingEvent> stderr = (ConsoleAppender<ILoggingEvent>) appenders.get(0);
    assertThat(stderr.getTarget()).isEqualTo("System.err");
    assertThat(stderr.isStarted()).isTrue();
    assertThat(((PatternLayoutEncoder) stderr.getEncoder()).getPattern()).isEqualTo(CliLogging.PATTERN);

    PrintStream previous = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      org.slf4j.Logger log = context.getLogger("dev.sealdrop.client.net.CheckpointKeeper");
      log.warn("quiet warning");
      log.error("loud failure");
    } finally {
      System.setErr(previous);
      context.stop();
    }
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .isEqualTo("sealdrop: log: ERROR d.s.c.n.CheckpointKeeper: loud failure" + System.lineSeparator());
  }
}

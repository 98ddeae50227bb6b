package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * docs/admin.md: the admin listener belongs on the loopback. Bound to every interface (or another address), the server
 * says so at start with a WARN (found by an outside operator test: 0.0.0.0 was taken silently).
 */
class AdminExposureWarningTest {
  private static List<String> warningsFor(String host) {
    CapturedLog logs = new CapturedLog();
    logs.start();
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try {
      SealdropServer.warnIfAdminIsReachable(host);
    } finally {
      root.detachAppender(logs);
      logs.stop();
    }
    return logs.events().stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void everyInterfaceIsWarnedAboutAndTheLoopbackIsNot() {
    assertThat(warningsFor("0.0.0.0")).singleElement().asString()
        .startsWith("the admin listener is bound to 0.0.0.0, every interface of this machine")
        // outside test: 0.0.0.0 listened on [::] too, and an operator firewalling IPv4 only left it open over IPv6
        .contains("IPv6 as well as IPv4").contains("firewall both")
        .contains("set admin-host=127.0.0.1");
    assertThat(warningsFor("::")).singleElement().asString().contains("every interface of this machine");
    assertThat(warningsFor("127.0.0.1")).isEmpty();
    assertThat(warningsFor("localhost")).isEmpty();
    assertThat(warningsFor("::1")).isEmpty();
  }
}

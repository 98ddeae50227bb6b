package dev.sealdrop.server.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code bootstrap-admin NAME} creates the first admin; a NAME that exists already is kept as it is, and
 * the operator, who asked for an admin, is told when that leaves them without one (a real database).
 */
class BootstrapAdminTest {
  @TempDir
  static Path data;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = new TestServer(data, c -> c);
    server.server().identities().registerAll(Map.of("boot-seller", Role.TRANSFEROR, "boot-gone", Role.ACQUIRER,
        "boot-asleep", Role.ADMIN));
    server.server().identities().revokeIdentity("boot-gone");
    server.server().identities().setEnabled("boot-asleep", false);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void anExistingNameThatIsNoUsableAdminIsToldNotPassedOverInSilence() {
    assertThat(bootstrap("boot-seller")).singleElement().asString()
        .contains("'boot-seller' not bootstrapped: it already exists as transferor");
    assertThat(bootstrap("boot-gone")).singleElement().asString()
        .contains("'boot-gone' not bootstrapped: that identity was revoked");
    assertThat(bootstrap("boot-asleep")).singleElement().asString()
        .contains("'boot-asleep' not bootstrapped: it already exists as an admin but is disabled");
    assertThat(server.server().identities().find("boot-seller").orElseThrow().role()).isEqualTo(Role.TRANSFEROR);
    // an enabled admin of that name: nothing to say; a new name: bootstrapped
    server.server().identities().setEnabled("boot-asleep", true);
    assertThat(bootstrap("boot-asleep")).isEmpty();
    assertThat(bootstrap("boot-new")).singleElement().asString().contains("bootstrapped admin identity 'boot-new'");
    assertThat(server.server().identities().find("boot-new").orElseThrow().role()).isEqualTo(Role.ADMIN);
  }

  /** The WARN lines of one bootstrap. */
  private static List<String> bootstrap(String name) {
    Logger log = (Logger) LoggerFactory.getLogger("sealdrop.security");
    CapturedLog lines = new CapturedLog();
    lines.start();
    log.addAppender(lines);
    try {
      server.server().identities().bootstrapAdmin(name);
    } finally {
      log.detachAppender(lines);
      lines.stop();
    }
    return lines.events().stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }
}

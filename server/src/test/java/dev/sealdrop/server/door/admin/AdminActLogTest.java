package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The server log names the admin behind an act on an identity, as its lockdown and grant-revocation lines do (outside
 * test: `identity 'alice' disabled` said nothing of who did it), and a repeat says it changed nothing.
 */
class AdminActLogTest {
  @TempDir
  Path dir;

  @Test
  void disableEnableAndRevokeNameTheAdminAndTheReason() throws Exception {
    Logger log = (Logger) LoggerFactory.getLogger("sealdrop.security");
    CapturedLog lines = new CapturedLog();
    lines.start();
    log.addAppender(lines);
    try (TestServer server = new TestServer(dir.resolve("server")); AdminClients admins = new AdminClients(server)) {
      admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("dave")
          .setReason("on leave").build());
      admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("dave").build());
      admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("dave").build());
      admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("dave")
          .setReason("left the firm").build());
    } finally {
      log.detachAppender(lines);
      lines.stop();
    }
    List<String> warned = lines.events().stream().filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).filter(m -> m.startsWith("identity 'dave'")).toList();
    assertThat(warned).containsExactly("identity 'dave' disabled by admin 'carol': on leave",
        "identity 'dave' was disabled already; admin 'carol' asked again, nothing changed", "identity 'dave' enabled by admin 'carol'",
        "identity 'dave' revoked by admin 'carol': left the firm");
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Users;
import java.io.OutputStream;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The client's file name of an upload is not kept (SECURITY.md §0 rule 5), and not logged either:
 * when a session with an upload open is closed (here: its identity disabled by an admin), MINA's
 * SFTP subsystem closed the handle and logged its failure at WARN with the handle's path,
 * "closeAllHandles(...) failed (SftpException) to close handle=00000000[/outbox/NAME]: ...".
 */
class SftpLogPrivacyTest extends OneServerPerClass {
  private static final String NAME = "acme-q3-layoffs";

  static SshClient client;
  static KeyPair aliceKey;

  @BeforeAll
  static void start() {
    Users.publish(clients, server.pki, "alice");
    aliceKey = registeredKey(clients, "alice");
    client = SftpTestSupport.client(server);
  }

  @AfterAll
  static void stop() throws Exception {
    client.stop();
  }

  @Test
  void anUploadCutWhenItsSessionIsClosedDoesNotLogItsFileName() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(300_000, 5), "bob").bytes();
    CapturedLog logs = new CapturedLog();
    logs.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try {
      ClientSession s = login(client, server, "alice", aliceKey);
      SftpClient sftp = sftp(s);
      OutputStream out = sftp.write("/outbox/" + NAME + ".sealed", 32 * 1024);
      out.write(envelope, 0, 128 * 1024);
      out.flush();
      admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("alice")
          .setReason("test").build());
      assertThat(s.waitFor(EnumSet.of(ClientSessionEvent.CLOSED), Duration.ofSeconds(10)))
          .contains(ClientSessionEvent.CLOSED);
      // the server's SFTP thread closes the handle as its channel ends
      // Which path ends the upload is a race: the subsystem closing the session's handles (the path that logged
      // the name), or the channel's end reaching the upload first ("ended without CLOSE"). Either way, the
      // upload's end is logged, and no line may name the file.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (logs.events().stream().noneMatch(SftpLogPrivacyTest::uploadEnded) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(500);
      assertThat(logs.events()).as("the upload's end was logged").anySatisfy(e -> assertThat(uploadEnded(e)).isTrue());
      assertThat(logs.events()).allSatisfy(e -> assertThat(text(e)).doesNotContain(NAME));
    } finally {
      root.detachAppender(logs);
      admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("alice").build());
    }
  }

  private static boolean uploadEnded(ILoggingEvent e) {
    String m = e.getFormattedMessage();
    return m.contains("handle") || m.contains("ended without CLOSE") || m.contains("upload.abort");
  }

  private static String text(ILoggingEvent e) {
    StringBuilder b = new StringBuilder(e.getFormattedMessage());
    for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      b.append('\n').append(t.getMessage());
    }
    return b.toString();
  }
}

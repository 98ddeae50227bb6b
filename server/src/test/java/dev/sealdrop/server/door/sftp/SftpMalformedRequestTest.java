package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.names;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Users;
import java.security.KeyPair;
import java.time.Duration;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.sftp.client.RawSftpClient;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request whose fields run past the end of its packet (a hostile or broken client) gets {@code SSH_FX_BAD_MESSAGE}
 * and the channel goes on: MINA reads the fields outside its handlers' error handling, and such a request ended the
 * subsystem's thread with no reply, so that the client's channel hung with every later request unanswered (outside
 * test: a {@code version-select} without its version).
 */
class SftpMalformedRequestTest extends OneServerPerClass {
  private static final Duration ANSWER = Duration.ofSeconds(10);
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
  void aFieldRunningPastThePacketsEndIsAnsweredBadMessageAndTheChannelGoesOn() throws Exception {
    Buffer versionSelectWithoutVersion = new ByteArrayBuffer();
    versionSelectWithoutVersion.putString("version-select");
    Buffer truncatedExtensionName = new ByteArrayBuffer();
    truncatedExtensionName.putInt(1000);
    truncatedExtensionName.putRawBytes("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Buffer openWithoutFlags = new ByteArrayBuffer();
    openWithoutFlags.putString("/outbox/x.sealed");
    Object[][] requests = {
        {SftpConstants.SSH_FXP_EXTENDED, versionSelectWithoutVersion},
        {SftpConstants.SSH_FXP_EXTENDED, truncatedExtensionName},
        {SftpConstants.SSH_FXP_OPEN, openWithoutFlags},
    };
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      RawSftpClient raw = (RawSftpClient) sftp;
      for (Object[] r : requests) {
        int type = (Integer) r[0];
        String what = SftpConstants.getCommandMessageName(type);
        Buffer reply = raw.receive(raw.send(type, (Buffer) r[1]), ANSWER);
        assertThat(reply).as("a reply to the malformed " + what).isNotNull();
        reply.getInt(); // length
        assertThat(reply.getUByte()).as(what).isEqualTo(SftpConstants.SSH_FXP_STATUS);
        reply.getInt(); // request id
        assertThat(reply.getInt()).as(what).isEqualTo(SftpConstants.SSH_FX_BAD_MESSAGE);
        assertThat(reply.getString()).as(what).contains("malformed").contains("not carried out");
        // the same channel still answers
        assertThat(names(sftp, "/")).as("after the malformed " + what).contains("outbox");
      }
    }
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.TIMEOUT;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.names;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Users;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A connection holds at most 2 channels (docs/sftp.md, "Hardening"): a 3rd is refused on its own,
 * with SSH_OPEN_RESOURCE_SHORTAGE and the door's words, while the transfers of the other two go on.
 * MINA's own limit let a 3rd channel open and closed the whole connection, running upload included,
 * at the 4th. A channel other than a session (port forwarding) is refused with the door's words too.
 */
class SftpChannelLimitTest extends OneServerPerClass {
  private static final int PIECE = 32 * 1024;
  private static final int OPENING = 4 * PIECE;

  static KeyPair aliceKey;
  static SshClient client;

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
  void aThirdChannelIsRefusedWhileTheUploadOnTheFirstGoesOnAndCommits() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(400_000, 7), "bob").bytes();
    long before = files();
    try (ClientSession s = login(client, server, "alice", aliceKey)) {
      SftpClient first = sftp(s);
      OutputStream upload = first.write("/outbox/busy.sealed", PIECE);
      upload.write(envelope, 0, OPENING);
      upload.flush(); // the upload is open on channel 1
      SftpClient second = sftp(s);
      assertThat(names(second, "/outbox")).hasSize((int) before);

      OpenFuture third = refused(s.createSubsystemChannel("sftp"));
      SshChannelOpenException e = (SshChannelOpenException) third.getException();
      assertThat(e.getReasonCode()).isEqualTo(SshConstants.SSH_OPEN_RESOURCE_SHORTAGE);
      assertThat(e).hasMessageContaining("sealdrop: at most 2 channels per SSH connection; close one or open another"
          + " connection");
      // and again: each refusal is the channel's own, the connection stays
      refused(s.createSubsystemChannel("sftp"));
      assertThat(s.isOpen()).isTrue();

      upload.write(envelope, OPENING, envelope.length - OPENING);
      upload.close(); // CLOSE commits
      assertThat(files()).isEqualTo(before + 1);
      assertThat(names(second, "/outbox")).hasSize((int) before + 1);
      // once a channel is closed (by both sides: until then it counts), another may open
      first.close();
      try (SftpClient again = sftpOnceAChannelIsFree(s)) {
        assertThat(names(again, "/outbox")).hasSize((int) before + 1);
      }
      second.close();
    }
  }

  @Test
  void aForwardingChannelIsRefusedInTheDoorsWordsAndTheSessionGoesOn() throws Exception {
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      ClientChannel tcpip = s.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 40000),
          new SshdSocketAddress(new InetSocketAddress("127.0.0.1", server.server().sftpPort())));
      OpenFuture opened = refused(tcpip);
      SshChannelOpenException e = (SshChannelOpenException) opened.getException();
      assertThat(e.getReasonCode()).isEqualTo(SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED);
      assertThat(e).hasMessageContaining("sealdrop: this server offers the sftp subsystem only; no port forwarding");
      assertThat(names(sftp, "/")).contains("outbox");
    }
  }

  /** Opens {@code channel} and expects the server's SSH_MSG_CHANNEL_OPEN_FAILURE. */
  private static OpenFuture refused(ClientChannel channel) throws Exception {
    OpenFuture f = channel.open();
    assertThat(f.await(TIMEOUT)).as("the server answered the open").isTrue();
    assertThat(f.isOpened()).as("the channel was refused").isFalse();
    assertThat(f.getException()).isInstanceOf(SshChannelOpenException.class);
    channel.close(true);
    return f;
  }

  /**
   * A new SFTP channel, opened once the server has let go of a closed one: the client's close completes
   * when the server's CLOSE arrives, and the server forgets the channel just after it sent that CLOSE.
   */
  private static SftpClient sftpOnceAChannelIsFree(ClientSession s) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      try {
        return sftp(s);
      } catch (java.io.UncheckedIOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  private static long files() {
    return clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount();
  }
}

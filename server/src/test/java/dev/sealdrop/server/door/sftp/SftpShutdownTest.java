package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.disconnectMessage;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Users;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: a graceful shutdown (SIGTERM) tells every open SFTP session why it ends and what to do,
 * as the gRPC door tells its calls, instead of dropping the connection without a word (OpenSSH then
 * printed only "Connection to HOST closed by remote host").
 */
class SftpShutdownTest {
  @TempDir
  Path data;

  @Test
  void aGracefulShutdownTellsAnIdleSessionAndOneInTheMiddleOfAnUploadWhyTheyEnd() throws Exception {
    TestServer server = new TestServer(data);
    SshClient client;
    CompletableFuture<String> idleTold;
    CompletableFuture<String> uploadTold;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.publish(clients, server.pki, "bob");
      KeyPair aliceKey = registeredKey(clients, "alice");
      KeyPair bobKey = registeredKey(clients, "bob");
      client = SftpTestSupport.client(server);
      ClientSession bob = login(client, server, "bob", bobKey);
      idleTold = disconnectMessage(bob);
      sftp(bob).stat("/inbox");
      ClientSession alice = login(client, server, "alice", aliceKey);
      uploadTold = disconnectMessage(alice);
      byte[] sealed = Users.seal("alice", new byte[200_000], "bob").bytes();
      OutputStream upload = sftp(alice).write("/outbox/half.sealed");
      upload.write(sealed, 0, sealed.length / 2);
      upload.flush();
    } finally {
      server.close();
    }
    try {
      String told = SshConstants.SSH2_DISCONNECT_BY_APPLICATION + " the server is shutting down; connect again once"
          + " it is back (an upload not yet closed was not kept: put it again; a get cut short can be run again)";
      assertThat(idleTold.get(10, TimeUnit.SECONDS)).isEqualTo(told);
      assertThat(uploadTold.get(10, TimeUnit.SECONDS)).isEqualTo(told);
    } finally {
      client.stop();
    }
  }
}

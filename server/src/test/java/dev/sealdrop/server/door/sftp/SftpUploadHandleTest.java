package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Users;
import java.security.KeyPair;
import java.util.EnumSet;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upload handle is written once, in sequence, from offset 0. A write out of sequence ends the upload, saying why;
 * a READ on the handle is refused as a read and the upload goes on (outside test: the READ was told "written
 * sequentially ... got offset 0", and every later write failed, so the upload was lost).
 */
class SftpUploadHandleTest extends OneServerPerClass {
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

  private static int files() {
    return clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount();
  }

  @Test
  void aReadOfTheUploadHandleIsRefusedAndTheUploadGoesOn() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(100_000, 3), "bob").bytes();
    int before = files();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpClient.CloseableHandle h = sftp.open("/outbox/read-probe.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate));
      sftp.write(h, 0, envelope, 0, 1000);
      SftpException read = catchThrowableOfType(SftpException.class, () -> sftp.read(h, 0, new byte[100], 0, 100));
      assertThat(read.getStatus()).isEqualTo(SftpConstants.SSH_FX_PERMISSION_DENIED);
      assertThat(read.getMessage()).contains("this handle writes an upload; it cannot be read")
          .doesNotContain("sequentially");
      sftp.write(h, 1000, envelope, 1000, envelope.length - 1000);
      sftp.close(h);
    }
    assertThat(files()).as("the upload was committed").isEqualTo(before + 1);
  }

  @Test
  void aWriteOutOfSequenceEndsTheUploadSayingWhy() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(100_000, 4), "bob").bytes();
    int before = files();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpClient.CloseableHandle h = sftp.open("/outbox/skip.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate));
      sftp.write(h, 0, envelope, 0, 1000);
      SftpException skip = catchThrowableOfType(SftpException.class,
          () -> sftp.write(h, 2000, envelope, 2000, 1000));
      assertThat(skip.getMessage()).contains("uploads are written sequentially from offset 0 (got offset 2000,"
          + " expected 1000)");
      // the upload is over: the next write in sequence is refused too, and nothing is committed
      catchThrowableOfType(SftpException.class, () -> sftp.write(h, 1000, envelope, 1000, 1000));
      catchThrowableOfType(java.io.IOException.class, () -> sftp.close(h));
    }
    assertThat(files()).isEqualTo(before);
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.upload.UploadService;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.EnumSet;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.Test;

/**
 * An identity's unfinished uploads are capped for both doors together; when SFTP files still open hold some of them,
 * the refusal says so and what ends them (outside test: it named only `send --abandon`, which knows none of them,
 * since an SFTP upload has no id its client is shown and cannot be resumed).
 */
class SftpTooManyUploadsTest extends OneServerPerMethod {
  @Test
  void theRefusalNamesTheSftpFilesStillOpen() throws Exception {
    Users.publish(clients, server.pki, "alice");
    var aliceKey = registeredKey(clients, "alice");
    SshClient client = SftpTestSupport.client(server);
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      // left open: its upload stays unfinished (the session's end deletes it)
      SftpClient.CloseableHandle h = sftp.open("/outbox/held.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate));
      byte[] envelope = Users.seal("alice", Users.randomBytes(1000, 7), "bob").bytes();
      sftp.write(h, 0, envelope, 0, 100);
      for (int i = 1; i < UploadService.MAX_OPEN_UPLOADS; i++) {
        Transfers.createUpload(clients, "alice", 0);
      }
      StatusRuntimeException full = refused(() -> Transfers.createUpload(clients, "alice", 0),
          Status.Code.RESOURCE_EXHAUSTED, "TOO_MANY_UPLOADS");
      assertThat(full.getStatus().getDescription()).contains("1 of them are SFTP uploads (/outbox/ files still open):"
          + " close those files or end those SFTP sessions");
    } finally {
      client.stop();
    }
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.put;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.protocol.v1.AbandonUploadRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's data folder on a small file system (a real 64 MiB tmpfs, so this needs the right to mount one: root in
 * a container): an upload larger than the free space stops short of the storage reserve with {@code STORAGE_FULL}, on
 * both doors, and the server goes on: the refusal is audited, the owner can give the upload up, and smaller uploads
 * and every other call work. Before, the upload filled the file system, the next audit record failed, and the server
 * refused every call and every start until its temporary data was deleted by hand (outside test).
 */
class StorageReserveTest {
  private static final int BIG = 80 << 20; // more than the whole file system
  @TempDir
  Path root;
  Path small;
  boolean mounted;
  TestServer server;
  Clients clients;
  AdminClients admins;

  @BeforeEach
  void mount() throws Exception {
    small = Files.createDirectory(root.resolve("small"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", small.toString())
        .redirectErrorStream(true).start();
    mounted = mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0;
    Assumptions.assumeTrue(mounted, "cannot mount a small tmpfs here (not root)");
    server = new TestServer(small.resolve("data"));
    clients = server.clients();
    admins = new AdminClients(server);
    Users.publish(clients, server.pki, "alice");
    Users.publish(clients, server.pki, "bob");
  }

  @AfterEach
  void unmount() throws Exception {
    if (server != null) {
      server.closeWith(admins, clients);
    }
    if (mounted) {
      new ProcessBuilder("umount", small.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void anUploadLargerThanTheFreeSpaceIsStoppedShortOfTheReserveAndTheServerGoesOn() throws Exception {
    byte[] big = Users.seal("alice", Users.randomBytes(BIG, 71), "bob").bytes();
    String id = Transfers.createUpload(clients, "alice", big.length);
    CompletableFuture<?> upload = Transfers.stream(clients, "alice", id, big, 0, big.length, true);
    assertThatThrownBy(() -> Transfers.await(upload)).isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .satisfies(e -> assertThat(Status.trailersFromThrowable(e).get(Statuses.REASON)).isEqualTo("STORAGE_FULL"))
        .hasMessageContaining("the server's storage is nearly full").hasMessageContaining("kept for a resume");
    assertThat(small.toFile().getUsableSpace()).as("the reserve is left free").isGreaterThan(16L << 20);
    assertThat(server.server().audit().tail(10)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("upload.abort");
      assertThat(r.result()).isEqualTo("storage-full");
    });
    // the owner gives it up (audited), and the server takes smaller uploads and answers every other call
    awaitAbandoned(id);
    byte[] smallFile = Users.seal("alice", Users.randomBytes(1 << 20, 72), "bob").bytes();
    assertThat(Transfers.upload(clients, "alice", smallFile).getFileId()).startsWith("f_");
    clients.transfer("bob").listInbox(ListInboxRequest.getDefaultInstance());

    // the SFTP door: the put fails with the reason, what it wrote is deleted, and a smaller put then works
    KeyPair key = registeredKey(clients, "alice");
    try (SshClient client = SftpTestSupport.client(server)) {
      try (ClientSession s = login(client, server, "alice", key); SftpClient sftp = sftp(s)) {
        assertThatThrownBy(() -> put(sftp, "/outbox/big.sealed", big))
            .hasMessageContaining("the server's storage is nearly full");
      }
      try (ClientSession s = login(client, server, "alice", key); SftpClient sftp = sftp(s)) {
        put(sftp, "/outbox/small.sealed", Users.seal("alice", Users.randomBytes(1 << 20, 73), "bob").bytes());
      }
    }
    try (var temps = Files.list(small.resolve("data").resolve("tmp"))) {
      assertThat(temps.toList()).as("no temporary data left").isEmpty();
    }
  }

  /** AbandonUpload once the stream that was attached has ended on the server. */
  private void awaitAbandoned(String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        clients.transfer("alice").abandonUpload(AbandonUploadRequest.newBuilder().setUploadId(id).build());
        return;
      } catch (StatusRuntimeException e) {
        assertThat(System.nanoTime()).as("still busy: " + e.getStatus()).isLessThan(deadline);
        Thread.sleep(10);
      }
    }
  }
}

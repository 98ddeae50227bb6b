package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upload stall timeout is one core rule for both doors: an /outbox/ handle left open and unwritten, in a session
 * that stays busy with other requests, is stopped after {@code upload-stall-timeout} (UPLOAD_STALLED), what it sent
 * deleted (an SFTP upload cannot be resumed), and its next write fails with the reason. A handle written slowly, in
 * writes the door gathers before the core sees them, is not stopped.
 */
class SftpUploadStallTest extends OneServerPerMethod {
  static final Duration STALL = Duration.ofSeconds(2);
  private static final int PIECE = 32 * 1024;
  SshClient client;
  KeyPair aliceKey;

  @Override
  protected ServerConfig configure(ServerConfig c) {
    return c.withUploads(c.uploads().withStallTimeout(STALL));
  }

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    aliceKey = registeredKey(clients, "alice");
    client = SftpTestSupport.client(server);
  }

  @AfterEach
  void stop() throws IOException {
    client.stop();
  }

  private int files() {
    return clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount();
  }

  @Test
  void anOpenHandleNobodyWritesIsStoppedAndWhatItSentDeleted() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(400_000, 73), "bob").bytes();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpClient.CloseableHandle h = sftp.open("/outbox/stalled.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate));
      sftp.write(h, 0, envelope, 0, 3 * PIECE);
      try (var temps = java.nio.file.Files.list(data.resolve("tmp"))) {
        assertThat(temps.toList()).as("the upload's temporary data").hasSize(1);
      }
      // the session stays busy (so its idle timeout never ends it), the upload's handle silent, until the server
      // stopped the upload (audited)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (server.server().audit().tail(60).stream().noneMatch(r -> r.action().equals("upload.abort")
          && r.result().equals("upload-stalled"))) {
        assertThat(System.nanoTime()).as("the upload was stopped within 30 s").isLessThan(deadline);
        sftp.stat("/outbox");
        Thread.sleep(100);
      }
      // a lockdown after the stall does not replace the stall as the reason told (round AB)
      admins.admin("carol").setLockdown(dev.sealdrop.protocol.v1.SetLockdownRequest.newBuilder().setOn(true)
          .setReason("drill").build());
      admins.admin("carol").setLockdown(dev.sealdrop.protocol.v1.SetLockdownRequest.newBuilder().setOn(false)
          .setReason("drill over").build());
      IOException stopped = catchThrowableOfType(IOException.class,
          () -> sftp.write(h, 3 * PIECE, envelope, 3 * PIECE, PIECE));
      assertThat(stopped).as("the stopped upload takes no more bytes").isNotNull();
      assertThat(stopped).hasMessageContaining("its client sent nothing for 2 s (upload-stall-timeout)")
          .hasMessageContaining("put the whole file again").hasMessageContaining("[UPLOAD_STALLED]");
      catchThrowableOfType(IOException.class, () -> sftp.close(h));
    }
    assertThat(server.server().audit().tail(60)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("upload.abort");
      assertThat(r.result()).isEqualTo("upload-stalled");
      assertThat(r.details()).containsEntry("door", "sftp");
    });
    assertThat(files()).as("nothing was committed").isZero();
    // deleted right after the stop's record, on the upload's own thread
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (var temps = java.nio.file.Files.list(data.resolve("tmp"))) {
        List<java.nio.file.Path> left = temps.toList();
        if (left.isEmpty()) {
          break;
        }
        assertThat(System.nanoTime()).as("nothing is kept for a resume SFTP cannot make: %s", left)
            .isLessThan(deadline);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void aHandleWrittenSlowlyIsNotStopped() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(300_000, 79), "bob").bytes();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      long started = System.nanoTime();
      try (SftpClient.CloseableHandle h = sftp.open("/outbox/slow.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate))) {
        for (int off = 0; off < envelope.length; off += PIECE) {
          // past the first 64 KiB the door gathers writes into 1 MiB appends: the core sees none of these
          sftp.write(h, off, envelope, off, Math.min(PIECE, envelope.length - off));
          Thread.sleep(STALL.toMillis() / 4);
        }
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the upload lasted longer than the timeout")
          .isGreaterThan(STALL.multipliedBy(2));
    }
    assertThat(files()).isEqualTo(1);
  }
}

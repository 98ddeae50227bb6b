package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.get;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.names;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 6 on the SFTP door: turning lockdown on cuts SFTP uploads and downloads already streaming. */
class SftpLockdownTest extends OneServerPerMethod {
  private static final int PIECE = 32 * 1024;

  SshClient client;
  KeyPair aliceKey;
  KeyPair bobKey;

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    aliceKey = registeredKey(clients, "alice");
    bobKey = registeredKey(clients, "bob");
    client = SftpTestSupport.client(server);
  }

  @AfterEach
  void stop() throws IOException {
    client.stop();
  }

  /** Carol's admin connection, opened once (each {@code admins.admin} call opens a new one). */
  private AdminServiceGrpc.AdminServiceBlockingStub carol;

  AdminServiceGrpc.AdminServiceBlockingStub carol() {
    if (carol == null) {
      carol = admins.admin("carol");
    }
    return carol.withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** Opens carol's admin connection ahead, so that a lockdown's act does not wait for a TLS handshake. */
  void warmAdmin() {
    carol().getLockdown(dev.sealdrop.protocol.v1.GetLockdownRequest.getDefaultInstance());
  }

  void lockdown(boolean on) {
    carol().setLockdown(SetLockdownRequest.newBuilder().setOn(on).setReason(on ? "breach" : "clear").build());
  }

  List<Audit.Entry> sftpRecords(String actionPrefix) throws IOException {
    return server.server().audit().tail(1000).stream().filter(e -> e.action().startsWith(actionPrefix))
        .filter(e -> "sftp".equals(e.details().get("door"))).toList();
  }

  @Test
  void anSftpUploadStreamingWhenLockdownGoesOnFailsWithLockedDownAndCommitsNothing() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 31), "bob").bytes();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      OutputStream out = sftp.write("/outbox/big.sealed", PIECE);
      int sent = 0;
      for (; sent < envelope.length / 4; sent += PIECE) {
        out.write(envelope, sent, PIECE);
      }
      out.flush();
      warmAdmin();

      lockdown(true);
      // from the act's answer: the cut is made within it, and its own writes (fsyncs of the database and the audit log)
      // are no part of how soon the stream learns it
      long t0 = System.nanoTime();
      final int from = sent;
      IOException cut = catchThrowableOfType(IOException.class, () -> {
        for (int off = from; off < envelope.length; off += PIECE) {
          out.write(envelope, off, Math.min(PIECE, envelope.length - off));
        }
        out.close();
      });
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(cut).as("the upload must fail, not commit").isNotNull();
      assertThat(cut).hasMessageContaining("LOCKED_DOWN");
      // at once, not after the 10-minute stall timeout (the bound leaves room for a busy machine)
      assertThat(millis).as("cut within 10 s").isLessThan(10_000);
      assertThat(names(sftp, "/outbox")).as("nothing committed").isEmpty();
    }
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList()).isEmpty();
    // the cut upload's end is audited on its own thread, after the chunks it had queued
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (sftpRecords("upload.abort").isEmpty()) {
      assertThat(System.nanoTime()).as("the cut upload's end was audited within 30 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(sftpRecords("upload.")).extracting(Audit.Entry::action, Audit.Entry::result).containsExactly(
        org.assertj.core.groups.Tuple.tuple("upload.start", "ok"),
        org.assertj.core.groups.Tuple.tuple("upload.abort", "locked-down"));

    // lifting it restores service
    lockdown(false);
    byte[] small = Users.seal("alice", Users.randomBytes(50_000, 32), "bob").bytes();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      try (OutputStream out = sftp.write("/outbox/small.sealed", PIECE)) {
        out.write(small);
      }
      assertThat(names(sftp, "/outbox")).hasSize(1);
    }
  }

  /**
   * A client that is not writing while the lockdown is on (stalled, or between writes) is cut all the
   * same, as a gRPC upload stream is: its data is deleted at once, and its next write fails with
   * LOCKED_DOWN even after the lockdown was lifted, so it cannot finish and commit.
   */
  @Test
  void anSftpUploadIdleDuringALockdownIsCutAtOnceAndCannotCommitAfterTheLockdownIsLifted() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 34), "bob").bytes();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      OutputStream out = sftp.write("/outbox/stalled.sealed", PIECE);
      int sent = 0;
      for (; sent < envelope.length / 2; sent += PIECE) {
        out.write(envelope, sent, PIECE);
      }
      out.flush();
      assertThat(tempFiles()).as("the upload's temporary data").hasSize(1);

      lockdown(true); // nothing written while it is on
      awaitNoTempFiles(); // the cut upload's data is deleted at once, not when the client comes back
      lockdown(false);

      final int from = sent;
      IOException cut = catchThrowableOfType(IOException.class, () -> {
        for (int off = from; off < envelope.length; off += PIECE) {
          out.write(envelope, off, Math.min(PIECE, envelope.length - off));
        }
        out.close();
      });
      assertThat(cut).as("the cut upload must not commit after the lockdown").isNotNull();
      assertThat(cut).hasMessageContaining("LOCKED_DOWN");
      assertThat(names(sftp, "/outbox")).as("nothing committed").isEmpty();
    }
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList()).isEmpty();
    assertThat(sftpRecords("upload.")).extracting(Audit.Entry::action, Audit.Entry::result).containsExactly(
        org.assertj.core.groups.Tuple.tuple("upload.start", "ok"),
        org.assertj.core.groups.Tuple.tuple("upload.abort", "locked-down"));
  }

  /** The same for a download: a reader that pauses across a lockdown does not get the rest afterwards. */
  @Test
  void anSftpDownloadIdleDuringALockdownIsCutAndServesNothingMoreAfterTheLockdownIsLifted() throws Exception {
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(8 << 20, 35), "bob");
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + g.getToken(), SftpClient.OpenMode.Read)) {
        byte[] buf = new byte[PIECE];
        assertThat(sftp.read(h, 0, buf, 0, PIECE)).isEqualTo(PIECE);

        lockdown(true); // nothing read while it is on
        lockdown(false);
        // audited at the cut, with its cause, before the client does anything more (outside test: `interrupted`,
        // written when the handle closed, once the lockdown had been lifted)
        assertThat(sftpRecords("download.")).singleElement().satisfies(r -> {
          assertThat(r.action()).isEqualTo("download.abort");
          assertThat(r.result()).isEqualTo("locked-down");
        });

        long off = PIECE;
        IOException cut = null;
        try {
          // a read within the read-ahead the door already holds, then one past it
          for (; off < sealed.bytes().length; off += PIECE) {
            sftp.read(h, off, buf, 0, PIECE);
          }
        } catch (IOException e) {
          cut = e;
        }
        assertThat(cut).as("no byte is served after the cut (stopped at offset %d)", off).isNotNull();
        assertThat(off).isEqualTo(PIECE);
        assertThat(cut).hasMessageContaining("LOCKED_DOWN");
      }
    }
    assertThat(sftpRecords("download.")).extracting(Audit.Entry::action).containsExactly("download.abort");
    assertThat(sftpRecords("grant.consume")).isEmpty();
  }

  /**
   * A handle read to its last byte before the lockdown: its end-of-file read still answers end of file, and its CLOSE
   * confirms the download (found by an outside test: the end-of-file read failed with LOCKED_DOWN, telling the reader
   * to re-run a grant that its CLOSE then used up).
   */
  @Test
  void anSftpDownloadReadToItsLastByteStillEndsAndCountsWhenLockdownGoesOn() throws Exception {
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(200_000, 36), "bob");
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    int size = sealed.bytes().length;
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + g.getToken(), SftpClient.OpenMode.Read)) {
        byte[] buf = new byte[PIECE];
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        while (got.size() < size) {
          int n = sftp.read(h, got.size(), buf, 0, Math.min(PIECE, size - got.size()));
          got.write(buf, 0, n);
        }
        assertThat(got.toByteArray()).isEqualTo(sealed.bytes());
        lockdown(true);
        assertThat(sftp.read(h, size, buf, 0, PIECE)).as("end of file, not LOCKED_DOWN").isEqualTo(-1);
      } // CLOSE confirms
    } finally {
      lockdown(false);
    }
    assertThat(sftpRecords("grant.consume")).singleElement()
        .satisfies(e -> assertThat(e.result()).isEqualTo("ok"));
  }

  private void awaitNoTempFiles() throws Exception {
    // deleted on the upload's own thread, after the chunks it had queued: not when the client comes back
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!tempFiles().isEmpty()) {
      assertThat(System.nanoTime()).as("the cut upload's temporary data is deleted within 30 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private List<Path> tempFiles() throws IOException {
    try (var list = java.nio.file.Files.list(data.resolve("tmp"))) {
      return list.toList();
    }
  }

  @Test
  void anSftpDownloadStreamingWhenLockdownGoesOnFailsWithLockedDownAndServiceReturnsAfterwards() throws Exception {
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(8 << 20, 33), "bob");
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      InputStream in = sftp.read("/redeem/" + g.getToken(), PIECE);
      assertThat(in.readNBytes(PIECE)).hasSize(PIECE);
      warmAdmin();

      lockdown(true);
      // from the act's answer: the cut is made within it, and its own writes (fsyncs of the database and the audit log)
      // are no part of how soon the stream learns it
      long t0 = System.nanoTime();
      IOException cut = catchThrowableOfType(IOException.class, () -> {
        byte[] buf = new byte[PIECE];
        while (in.read(buf) >= 0) {
          // drain until the server refuses
        }
      });
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(cut).as("the download must be cut, not completed").isNotNull();
      assertThat(cut).hasMessageContaining("LOCKED_DOWN");
      // at once, not after the 10-minute stall timeout (the bound leaves room for a busy machine)
      assertThat(millis).as("cut within 10 s").isLessThan(10_000);
      // the client's read-ahead answers carry the same refusal; closing reports them again
      assertThat(org.assertj.core.api.Assertions.catchThrowable(in::close)).satisfiesAnyOf(
          t -> assertThat(t).isNull(), t -> assertThat(t).hasMessageContaining("LOCKED_DOWN"));
    }
    assertThat(sftpRecords("download.")).extracting(Audit.Entry::action, Audit.Entry::result)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("download.abort", "locked-down"));

    // lifting it restores service: the grant was not consumed by the cut download; once its claim
    // window has passed it can be redeemed again (here: a fresh grant, redeemed at once)
    lockdown(false);
    CreateGrantResponse again = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      assertThat(get(sftp, "/redeem/" + again.getToken())).isEqualTo(sealed.bytes());
    }
  }
}

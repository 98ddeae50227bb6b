package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.server.door.sftp.OpenSshSftp.Run;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What OpenSSH shows for a channel the door refuses: a 3rd {@code sftp} over one connection shared
 * with ControlMaster (the upload and the session on the other two go on; the master prints the
 * door's reason, and the 3rd {@code sftp} falls back to a connection of its own), and a forwarding
 * channel ({@code ssh -W}). Before, MINA let the 3rd channel open and closed the whole connection at
 * the 4th, the running upload included.
 */
class OpenSshChannelsTest extends OneServerPerClass {
  @TempDir
  static Path work;
  static OpenSshSftp openSsh;

  @BeforeAll
  static void start() throws Exception {
    OpenSshSftp.assumeInstalled();
    openSsh = new OpenSshSftp(work, server);
    Users.publish(clients, server.pki, "alice");
    openSsh.writeIdentity("alice_key", registeredKey(clients, "alice"), true);
  }

  @Test
  void aThirdSftpOverOneControlMasterConnectionIsRefusedWhileAnUploadOnItGoesOn() throws Exception {
    // about 8 s at sftp -l 2000 (kbit/s): still running while the others start, on a busy machine too
    byte[] envelope = Users.seal("alice", Users.randomBytes(2_000_000, 11), "bob").bytes();
    Files.write(work.resolve("big.sealed"), envelope);
    String control = work.resolve("ctl").toString();
    Process master = openSsh.startSsh("alice", "alice_key", List.of("-N", "-M", "-S", control));
    Process held = null;
    try {
      awaitMaster(control);
      long uploadsBefore = uploadStarts();
      Process upload = openSsh.start("alice", "alice_key", "put big.sealed /outbox/\n", "-o", "ControlPath=" + control,
          "-l", "2000");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (uploadStarts() == uploadsBefore && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(uploadStarts()).as("the upload is open on channel 1").isGreaterThan(uploadsBefore);
      // channel 2: an sftp subsystem that waits for its client (stdin stays open)
      held = openSsh.startSsh("alice", "alice_key", List.of("-S", control, "-s"), "sftp");
      Thread.sleep(1500); // (its mux request and channel open, which nothing outside the master shows)
      // channel 3: refused on its own; OpenSSH's mux client says so and falls back to a connection of its own
      Run third = OpenSshSftp.finish(openSsh.start("alice", "alice_key", "ls /\n", "-o", "ControlPath=" + control));
      assertThat(third.output()).contains("session request failed: Session open refused by peer");
      assertThat(third.exit()).as(third.output()).isZero();
      assertThat(upload.isAlive()).as("the upload was still running").isTrue();
      Run uploaded = OpenSshSftp.finish(upload);
      assertThat(uploaded.exit()).as(uploaded.output()).isZero();
      assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList())
          .anySatisfy(f -> assertThat(f.getSize()).isEqualTo(envelope.length));
      assertThat(held.isAlive()).as("channel 2 is still open").isTrue();
      assertThat(master.isAlive()).as("the connection is still open").isTrue();
    } finally {
      if (held != null) {
        held.destroy();
      }
      // ends the master (its output stays readable, as it would not after Process.destroy)
      OpenSshSftp.finish(openSsh.startSsh("alice", "alice_key", List.of("-S", control, "-O", "exit")));
    }
    // the master, which holds the connection, prints the door's reason
    Run connection = OpenSshSftp.finish(master);
    assertThat(connection.output()).contains("open failed: resource shortage: sealdrop: at most 2 channels per SSH"
        + " connection; close one or open another connection");
  }

  @Test
  void stdioForwardingIsRefusedInTheDoorsWords() throws Exception {
    Run run = OpenSshSftp.finish(openSsh.startSsh("alice", "alice_key", List.of("-W", "127.0.0.1:9")));
    assertThat(run.exit()).as(run.output()).isNotZero();
    assertThat(run.output()).contains("administratively prohibited: sealdrop: this server offers the sftp subsystem"
        + " only; no port forwarding, agent, X11 or other channels");
  }

  private static void awaitMaster(String control) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(Path.of(control))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the ControlMaster connection did not come up");
      }
      Thread.sleep(20);
    }
  }

  private static long uploadStarts() throws IOException {
    return server.server().audit().tail(1000).stream().filter(e -> e.action().equals("upload.start")).count();
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.server.door.sftp.OpenSshSftp.Run;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (uploadStarts() == uploadsBefore && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(uploadStarts()).as("the upload is open on channel 1").isGreaterThan(uploadsBefore);
      // channel 2: an sftp subsystem that waits for its client (stdin stays open); open once it answered the client's
      // SSH_FXP_INIT (version 3) with its SSH_FXP_VERSION (2), which nothing but an open channel can carry
      held = openSsh.startSsh("alice", "alice_key", List.of("-S", control, "-s"), "sftp");
      Printed heldSays = new Printed(held.getInputStream());
      OutputStream toHeld = held.getOutputStream();
      toHeld.write(new byte[] {0, 0, 0, 5, 1, 0, 0, 0, 3});
      toHeld.flush();
      assertThat(heldSays.await(60, new byte[] {2, 0, 0, 0, 3})).as("channel 2's sftp subsystem answered (%s)",
          heldSays).isTrue();
      // channel 3: refused on its own; OpenSSH's mux client says so and falls back to a connection of its own
      Process thirdRun = openSsh.start("alice", "alice_key", "ls /\n", "-o", "ControlPath=" + control);
      Printed thirdSays = new Printed(thirdRun.getInputStream());
      boolean refused = thirdSays.await(60,
          "session request failed: Session open refused by peer".getBytes(StandardCharsets.UTF_8));
      // checked as soon as the refusal is told, not after the fallback connection (which a busy machine may take
      // seconds to set up, past the upload's end)
      boolean uploadRunning = upload.isAlive();
      assertThat(refused).as("channel 3 was refused: %s", thirdSays).isTrue();
      assertThat(uploadRunning).as("the upload was still running when channel 3 was refused").isTrue();
      assertThat(thirdRun.waitFor(60, TimeUnit.SECONDS)).as("the third sftp finished: %s", thirdSays).isTrue();
      assertThat(thirdRun.exitValue()).as(thirdSays.toString()).isZero();
      Run uploaded = OpenSshSftp.finish(upload);
      assertThat(uploaded.exit()).as(uploaded.output()).isZero();
      assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList())
          .anySatisfy(f -> assertThat(f.getSize()).isEqualTo(envelope.length));
      // channel 2 still open, and still answering: SSH_FXP_REALPATH "." (16, id 7), answered by a name (104) or a
      // status (101) for id 7
      toHeld.write(new byte[] {0, 0, 0, 10, 16, 0, 0, 0, 7, 0, 0, 0, 1, '.'});
      toHeld.flush();
      assertThat(heldSays.await(60, new byte[] {104, 0, 0, 0, 7}, new byte[] {101, 0, 0, 0, 7}))
          .as("channel 2 is still open (%s)", heldSays).isTrue();
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

  /** What a process prints, read as it comes on a thread of its own, so that a test can wait for a part of it. */
  private static final class Printed {
    private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    private boolean ended;

    Printed(InputStream in) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[8192];
        try (in) {
          int n;
          while ((n = in.read(buf)) > 0) {
            synchronized (this) {
              bytes.write(buf, 0, n);
              notifyAll();
            }
          }
        } catch (IOException e) {
          // the process ended
        }
        synchronized (this) {
          ended = true;
          notifyAll();
        }
      }, "printed-by-process");
      t.setDaemon(true);
      t.start();
    }

    /** Waits (at most {@code seconds}) until one of {@code parts} was printed; false if not before then or the end. */
    synchronized boolean await(long seconds, byte[]... parts) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (true) {
        byte[] all = bytes.toByteArray();
        for (byte[] part : parts) {
          if (indexOf(all, part) >= 0) {
            return true;
          }
        }
        long left = deadline - System.nanoTime();
        if (ended || left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    private static int indexOf(byte[] all, byte[] part) {
      for (int i = 0; i + part.length <= all.length; i++) {
        if (java.util.Arrays.equals(all, i, i + part.length, part, 0, part.length)) {
          return i;
        }
      }
      return -1;
    }

    @Override
    public synchronized String toString() {
      return new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void stdioForwardingIsRefusedInTheDoorsWords() throws Exception {
    Run run = OpenSshSftp.finish(openSsh.startSsh("alice", "alice_key", List.of("-W", "127.0.0.1:9")));
    assertThat(run.exit()).as(run.output()).isNotZero();
    assertThat(run.output()).contains("administratively prohibited: sealdrop: this server offers the sftp subsystem"
        + " only; no port forwarding, agent, X11 or other channels");
  }

  private static void awaitMaster(String control) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
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

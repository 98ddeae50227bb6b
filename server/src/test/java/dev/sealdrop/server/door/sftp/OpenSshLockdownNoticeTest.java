package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.openSsh;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sealdrop.protocol.v1.LockdownState;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSH's {@code sftp} prints a refused transfer's status only as "Failure": a login during a
 * lockdown is told, in an SSH_MSG_USERAUTH_BANNER on stderr, that the server is locked down since
 * when and that transfers are refused until an admin lifts it. The login itself goes on (listing
 * is no transfer); outside a lockdown nothing is told.
 */
class OpenSshLockdownNoticeTest {
  @TempDir
  Path data;
  @TempDir
  Path work;
  TestServer server;
  Clients clients;
  AdminClients admins;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/sftp")),
        "OpenSSH's sftp is not installed (apt-get install -y openssh-client); the test needs it");
    server = new TestServer(data);
    clients = server.clients();
    admins = new AdminClients(server);
    Files.writeString(work.resolve("known_hosts"), "[127.0.0.1]:" + server.server().sftpPort() + " "
        + PublicKeyEntry.toString(SftpTestSupport.hostKey(server)) + "\n");
    KeyPair kp = registeredKey(clients, "alice");
    Path key = work.resolve("alice_key");
    Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (OutputStream out = Files.newOutputStream(key)) {
      new OpenSSHKeyPairResourceWriter().writePrivateKey(kp, "alice", null, out);
    }
    Files.writeString(work.resolve("alice_key.pub"), openSsh(kp.getPublic()) + "\n");
    Files.write(work.resolve("payload.sealed"), new byte[] {1, 2, 3});
  }

  @AfterEach
  void stop() {
    if (server != null) {
      admins.close();
      clients.close();
      server.close();
    }
  }

  record Run(int exit, String stderr) {}

  /** OpenSSH's sftp in batch mode as alice, no -v: its stderr is what a job's operator sees. */
  private Run sftp(String commands) throws IOException, InterruptedException {
    Path batch = Files.writeString(work.resolve("batch-" + System.nanoTime()), commands);
    List<String> cmd = List.of("/usr/bin/sftp", "-F", "/dev/null", "-b", batch.toString(),
        "-i", work.resolve("alice_key").toString(), "-P", String.valueOf(server.server().sftpPort()),
        "-o", "UserKnownHostsFile=" + work.resolve("known_hosts"), "-o", "StrictHostKeyChecking=yes",
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "PasswordAuthentication=no",
        "alice@127.0.0.1");
    Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    String stderr;
    try (InputStream in = p.getErrorStream()) {
      stderr = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("sftp did not finish:\n" + stderr);
    }
    return new Run(p.exitValue(), stderr);
  }

  private LockdownState lockdown(boolean on) {
    return admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(on)
        .setReason(on ? "investigating a leak" : "clear").build());
  }

  @Test
  void outsideALockdownALoginIsToldNothing() throws Exception {
    Run run = sftp("ls /\nls /outbox\n");
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stderr()).doesNotContain("sealdrop").doesNotContain("locked down");
    // nor after a lockdown was lifted
    lockdown(true);
    lockdown(false);
    Run after = sftp("ls /\n");
    assertThat(after.exit()).as(after.stderr()).isZero();
    assertThat(after.stderr()).doesNotContain("sealdrop").doesNotContain("locked down");
  }

  @Test
  void aLoginDuringALockdownIsToldSinceWhenAndThatTransfersAreRefused() throws Exception {
    LockdownState on = lockdown(true);
    String since = Instant.ofEpochMilli(on.getChangedAtMillis()).truncatedTo(ChronoUnit.SECONDS).toString();
    String notice = "sealdrop: the server is locked down since " + since + ": transfers are refused until an admin"
        + " lifts it; listing still works; try again later or ask the operator [LOCKED_DOWN]";
    // listing is no transfer: the session opens, and is told
    Run listing = sftp("ls /\nls /outbox\n");
    assertThat(listing.exit()).as(listing.stderr()).isZero();
    assertThat(listing.stderr()).contains(notice);
    // an upload still fails with OpenSSH's bare "Failure", now below the notice that says why
    Run upload = sftp("put payload.sealed /outbox/\n");
    assertThat(upload.exit()).as(upload.stderr()).isNotZero();
    assertThat(upload.stderr()).contains(notice);
    assertThat(upload.stderr().indexOf(notice)).isLessThan(upload.stderr().indexOf("Failure"));
    // who switched it on and why stay the admins' (admin lockdown status)
    assertThat(upload.stderr()).doesNotContain("carol").doesNotContain("investigating");
    // lifted: told nothing
    lockdown(false);
    Run after = sftp("ls /\n");
    assertThat(after.exit()).as(after.stderr()).isZero();
    assertThat(after.stderr()).doesNotContain("locked down");
  }
}

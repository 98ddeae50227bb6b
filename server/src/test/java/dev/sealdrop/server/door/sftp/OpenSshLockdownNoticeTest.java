package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.LockdownState;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.server.door.sftp.OpenSshSftp.Run;
import dev.sealdrop.server.testing.OneServerPerMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSH's {@code sftp} prints a refused transfer's status only as "Failure": a login during a
 * lockdown is told, in an SSH_MSG_USERAUTH_BANNER on stderr, that the server is locked down since
 * when and that transfers are refused until an admin lifts it. The login itself goes on (listing
 * is no transfer); outside a lockdown nothing is told.
 */
class OpenSshLockdownNoticeTest extends OneServerPerMethod {
  @TempDir
  Path work;
  OpenSshSftp openSshClient;

  @BeforeEach
  void start() throws Exception {
    OpenSshSftp.assumeInstalled();
    openSshClient = new OpenSshSftp(work, server);
    openSshClient.writeIdentity("alice_key", registeredKey(clients, "alice"), true);
    Files.write(work.resolve("payload.sealed"), new byte[] {1, 2, 3});
  }

  /** OpenSSH's sftp in batch mode as alice, no -v: its stderr is what a job's operator sees. */
  private Run sftp(String commands) throws IOException, InterruptedException {
    return openSshClient.run("alice", "alice_key", commands);
  }

  private LockdownState lockdown(boolean on) {
    return admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(on)
        .setReason(on ? "investigating a leak" : "clear").build());
  }

  @Test
  void outsideALockdownALoginIsToldNothing() throws Exception {
    Run run = sftp("ls /\nls /outbox\n");
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).doesNotContain("sealdrop").doesNotContain("locked down");
    // nor after a lockdown was lifted
    lockdown(true);
    lockdown(false);
    Run after = sftp("ls /\n");
    assertThat(after.exit()).as(after.output()).isZero();
    assertThat(after.output()).doesNotContain("sealdrop").doesNotContain("locked down");
  }

  @Test
  void aLoginDuringALockdownIsToldSinceWhenAndThatTransfersAreRefused() throws Exception {
    LockdownState on = lockdown(true);
    String since = Instant.ofEpochMilli(on.getChangedAtMillis()).truncatedTo(ChronoUnit.SECONDS).toString();
    String notice = "sealdrop: the server is locked down since " + since + ": transfers are refused until an admin"
        + " lifts it; listing still works; try again later or ask the operator [LOCKED_DOWN]";
    // listing is no transfer: the session opens, and is told
    Run listing = sftp("ls /\nls /outbox\n");
    assertThat(listing.exit()).as(listing.output()).isZero();
    assertThat(listing.output()).contains(notice);
    // an upload still fails with OpenSSH's bare "Failure", now below the notice that says why
    Run upload = sftp("put payload.sealed /outbox/\n");
    assertThat(upload.exit()).as(upload.output()).isNotZero();
    assertThat(upload.output()).contains(notice);
    assertThat(upload.output().indexOf(notice)).isLessThan(upload.output().indexOf("Failure"));
    // who switched it on and why stay the admins' (admin lockdown status)
    assertThat(upload.output()).doesNotContain("carol").doesNotContain("investigating");
    // lifted: told nothing
    lockdown(false);
    Run after = sftp("ls /\n");
    assertThat(after.exit()).as(after.output()).isZero();
    assertThat(after.output()).doesNotContain("locked down");
  }
}

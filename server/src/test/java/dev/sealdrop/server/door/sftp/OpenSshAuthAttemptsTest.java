package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.door.sftp.OpenSshSftp.Run;
import dev.sealdrop.server.testing.OneServerPerClass;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sftp-max-auth-attempts} (6 by default) counts failed attempts, as OpenSSH's MaxAuthTries
 * does: OpenSSH's {@code sftp} offering 5 unregistered keys and then the registered one logs in (MINA
 * had accepted the 6th key's probe, then disconnected at its signature, "Too many authentication
 * failures: 7"), and the 6th failure closes the connection, told why, before a 7th key is tried.
 */
class OpenSshAuthAttemptsTest extends OneServerPerClass {
  @TempDir
  static Path work;
  static OpenSshSftp openSsh;

  @BeforeAll
  static void start() throws Exception {
    OpenSshSftp.assumeInstalled();
    openSsh = new OpenSshSftp(work, server);
    openSsh.writeIdentity("alice_key", registeredKey(clients, "alice"), true);
    for (int i = 1; i <= 6; i++) {
      openSsh.writeIdentity("wrong" + i, SftpTestSupport.ed25519(), true);
    }
  }

  /** sftp as alice offering {@code wrong} unregistered keys first (each asked about, refused), then hers. */
  private static Run afterWrongKeys(int wrong) throws Exception {
    List<String> options = new ArrayList<>();
    for (int i = 1; i <= wrong; i++) {
      options.addAll(List.of("-i", "wrong" + i));
    }
    return OpenSshSftp.finish(openSsh.start("alice", "alice_key", "ls /\n", options.toArray(String[]::new)));
  }

  @Test
  void fiveWrongKeysThenTheRegisteredOneLogIn() throws Exception {
    Run run = afterWrongKeys(5);
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("outbox").doesNotContain("Too many").doesNotContain("too many");
  }

  @Test
  void theSixthFailureClosesTheConnectionToldWhy() throws Exception {
    Run run = afterWrongKeys(6);
    assertThat(run.exit()).as(run.output()).isNotZero();
    assertThat(run.output()).contains("too many authentication attempts: 6 failed on this connection, the most it"
        + " allows (sftp-max-auth-attempts); connect again offering the registered key among the first 6 (e.g. -i KEY"
        + " -o IdentitiesOnly=yes)").doesNotContain("outbox");
  }
}

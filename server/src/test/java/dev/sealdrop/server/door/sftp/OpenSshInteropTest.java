package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.OpenedFile;
import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.server.door.sftp.OpenSshSftp.Run;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 interop: OpenSSH's own {@code sftp} binary (batch mode, strict host key checking against
 * the door's persistent host key, the registered key only) uploads as alice and redeems as bob.
 */
class OpenSshInteropTest extends OneServerPerClass {
  @TempDir
  static Path work;
  static OpenSshSftp openSshClient;

  @BeforeAll
  static void start() throws Exception {
    OpenSshSftp.assumeInstalled();
    Users.publish(clients, server.pki, "alice");
    Users.publish(clients, server.pki, "bob");
    openSshClient = new OpenSshSftp(work, server);
    openSshClient.writeIdentity("alice_ed25519", registeredKey(clients, "alice"), false);
    openSshClient.writeIdentity("bob_ed25519", registeredKey(clients, "bob"), false);
  }

  private static Run sftp(String user, String... commands) throws IOException, InterruptedException {
    return sftpWithKey(user, user + "_ed25519", commands);
  }

  private static Run sftpWithKey(String user, String keyFile, String... commands)
      throws IOException, InterruptedException {
    return openSshClient.runVerbose(user, keyFile, String.join("\n", commands) + "\n");
  }

  @Test
  void openSshSftpUploadsAndRedeemsOnceAndTheEnvelopeOpens() throws Exception {
    byte[] plain = "name,email\nACME,ceo@acme.example\n".repeat(20000).getBytes(StandardCharsets.UTF_8);
    Users.Sealed sealed = Users.seal("alice", plain, "bob");
    Files.write(work.resolve("clients.csv.sealed"), sealed.bytes());
    List<String> before = files();

    Run put = sftp("alice", "put clients.csv.sealed /outbox/", "ls -l /outbox");
    assertThat(put.exit()).as(put.output()).isZero();
    // hybrid PQ key exchange, AES-GCM, and strict KEX in force (OpenSSH resets sequence numbers
    // after NEWKEYS only when both sides announced kex-strict: the Terrapin countermeasure)
    assertThat(put.output())
        .containsPattern("kex: algorithm: (sntrup761x25519-sha512(@openssh.com)?|mlkem768x25519-sha256)")
        .containsPattern("server->client cipher: aes(128|256)-gcm@openssh.com MAC: <implicit>")
        .containsPattern("client->server cipher: aes(128|256)-gcm@openssh.com MAC: <implicit>")
        .contains("resetting send seqnr").contains("resetting read seqnr");
    List<String> after = files();
    assertThat(after).hasSize(before.size() + 1);
    String fileId = after.stream().filter(f -> !before.contains(f)).findFirst().orElseThrow();
    assertThat(put.output()).contains(fileId);

    CreateGrantResponse grant = Transfers.grant(clients, "alice", fileId, "bob");
    Run get = sftp("bob", "ls /inbox", "get /redeem/" + grant.getToken() + " fetched.sealed");
    assertThat(get.exit()).as(get.output()).isZero();
    assertThat(get.output()).contains(fileId + "." + grant.getGrant().getGrantId());
    byte[] fetched = Files.readAllBytes(work.resolve("fetched.sealed"));
    assertThat(fetched).isEqualTo(sealed.bytes());
    OpenedFile opened = Envelope.openToFile(Files.newInputStream(work.resolve("fetched.sealed")), Users.keys("bob"),
        SenderPolicy.exactly("alice", Users.keys("alice").publicKeys().signing()), work.resolve("clients.csv"));
    assertThat(Files.readAllBytes(opened.path())).isEqualTo(plain);

    Run again = sftp("bob", "get /redeem/" + grant.getToken() + " again.sealed");
    assertThat(again.exit()).isNotZero();
    assertThat(work.resolve("again.sealed")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
        p -> assertThat(p).isEmptyFile());
  }

  @Test
  void openSshMovesAMultiMegabyteEnvelopeIntact() throws Exception {
    // Random (incompressible) and large enough for OpenSSH to fill whole channel packets: the door's
    // maximum packet must fit MINA's 256 KiB packet limit (262144 bytes of data killed the upload).
    byte[] plain = SftpDoorTest.randomBytes(16 << 20, 11);
    Users.Sealed sealed = Users.seal("alice", plain, "bob");
    Files.write(work.resolve("big.sealed"), sealed.bytes());
    List<String> before = files();
    Run put = sftp("alice", "put big.sealed /outbox/");
    assertThat(put.exit()).as(put.output()).isZero();
    List<String> after = files();
    assertThat(after).hasSize(before.size() + 1);
    String fileId = after.stream().filter(f -> !before.contains(f)).findFirst().orElseThrow();
    CreateGrantResponse grant = Transfers.grant(clients, "alice", fileId, "bob");
    Run get = sftp("bob", "get /redeem/" + grant.getToken() + " big-fetched.sealed");
    assertThat(get.exit()).as(get.output()).isZero();
    assertThat(Files.readAllBytes(work.resolve("big-fetched.sealed"))).isEqualTo(sealed.bytes());
  }

  /**
   * What a user of OpenSSH's sftp sees: folders dr-x------, drwx------ or d--------- (what the door allows its role),
   * dated at the login instead of 1970; an uploaded file dated at its upload; a redeemed file that
   * get -p stores r-------- and dated at the download, not 1970; and {@code cd ~} going to the root.
   */
  @Test
  void openSshListsSensibleModesAndTimesAndCdHomeGoesToTheRoot() throws Exception {
    Users.Sealed sealed = Users.seal("alice", "modes and times\n".repeat(1000).getBytes(StandardCharsets.UTF_8), "bob");
    Files.write(work.resolve("modes.sealed"), sealed.bytes());
    List<String> before = files();
    Run put = sftp("alice", "put modes.sealed /outbox/", "ls -l /", "ls -l /outbox", "cd ~", "pwd", "cd ~/outbox",
        "pwd", "cd ..", "pwd", "cd outbox/../..", "pwd");
    assertThat(put.exit()).as(put.output()).isZero();
    String fileId = files().stream().filter(f -> !before.contains(f)).findFirst().orElseThrow();
    // the dates of the listed entries only: the whole output (ssh -v) holds random temporary paths and rates, which
    // had "1970" in them about once in 400 runs (round AV: a fresh clone's `mvn verify` failed)
    assertThat(put.output().lines().filter(l -> l.matches("^[-d][-rwx]{9} .*")).toList()).hasSizeGreaterThan(3)
        .noneMatch(l -> l.matches(".* [A-Z][a-z]{2} [ \\d]\\d +1970 .*"));
    assertThat(put.output())
        // a transferor may write /outbox and use neither /inbox nor /redeem (round BP: they showed dr-x------)
        .containsPattern("(?m)^d--------- .* inbox$").containsPattern("(?m)^drwx------ .* outbox$")
        .containsPattern("(?m)^d--------- .* redeem$")
        // listed, not downloadable: no permission; dated at its upload (today: hh:mm, not a year)
        .containsPattern("(?m)^---------- .* \\d\\d:\\d\\d " + fileId + "$")
        .contains("Remote working directory: /\n").contains("Remote working directory: /outbox\n");
    // review EA: `cd ..` climbs (OpenSSH canonicalises /outbox/.. with REALPATH), never above the root
    assertThat(put.output().lines().filter(l -> l.startsWith("Remote working directory:")).toList())
        .containsExactly("Remote working directory: /", "Remote working directory: /outbox",
            "Remote working directory: /", "Remote working directory: /");

    CreateGrantResponse grant = Transfers.grant(clients, "alice", fileId, "bob");
    long t0 = System.currentTimeMillis() - 2_000;
    Run get = sftp("bob", "cd ~", "ls -l /", "get -p /redeem/" + grant.getToken() + " modes-fetched.sealed");
    assertThat(get.exit()).as(get.output()).isZero();
    // an acquirer reads /inbox and /redeem, and may not write /outbox (round BP: it showed drwx------)
    assertThat(get.output()).containsPattern("(?m)^dr-x------ .* inbox$").containsPattern("(?m)^d--------- .* outbox$")
        .containsPattern("(?m)^dr-x------ .* redeem$");
    Path fetched = work.resolve("modes-fetched.sealed");
    assertThat(Files.readAllBytes(fetched)).isEqualTo(sealed.bytes());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fetched))).isEqualTo("r--------");
    assertThat(Files.getLastModifiedTime(fetched).toMillis()).as("dated at the download, not 1970")
        .isBetween(t0, System.currentTimeMillis() + 2_000);
  }

  @Test
  void openSshRefusals() throws Exception {
    Run traversal = sftp("alice", "get ../../etc/passwd passwd");
    assertThat(traversal.exit()).isNotZero();
    assertThat(work.resolve("passwd")).doesNotExist();
    Run plain = sftp("alice", "put known_hosts /outbox/plain.txt");
    assertThat(plain.exit()).isNotZero();
    Run link = sftp("alice", "symlink /etc/passwd /outbox/link");
    assertThat(link.exit()).isNotZero();
    // an existing folder too: refused as permission denied (SFTP v3 has no "already exists")
    Run mkdir = sftp("alice", "mkdir /inbox");
    assertThat(mkdir.exit()).isNotZero();
    assertThat(mkdir.output()).contains("Permission denied");
    Run bobPut = sftp("bob", "put known_hosts /outbox/x");
    assertThat(bobPut.exit()).isNotZero();
    Run ok = sftp("alice", "ls /");
    assertThat(ok.exit()).as(ok.output()).isZero();
    // bob's key does not log in as alice
    Run impostor = sftpWithKey("alice", "bob_ed25519", "ls /");
    assertThat(impostor.exit()).isNotZero();
    assertThat(impostor.output()).contains("Permission denied (publickey)");
  }

  /**
   * A mistyped or truncated token is a /redeem/ name that is not there, as a well-formed one that names
   * no grant: OpenSSH prints "No such file or directory" for both (a malformed one was a bare "Failure").
   * The audit still tells them apart (grant.redeem invalid-request / not-found).
   */
  @Test
  void aMalformedTokenIsNoSuchFileAsAnUnknownOneIs() throws Exception {
    Run malformed = sftp("bob", "get /redeem/sdg_bogus bogus.sealed");
    assertThat(malformed.exit()).isNotZero();
    assertThat(malformed.output()).contains("\"/redeem/sdg_bogus\": No such file or directory")
        .doesNotContain(": Failure");
    Run unknown = sftp("bob", "get /redeem/sdg_" + "A".repeat(43) + " unknown.sealed");
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.output()).contains("No such file or directory").doesNotContain(": Failure");
    assertThat(server.server().audit().tail(1000).stream().filter(e -> e.action().equals("grant.redeem"))
        .filter(e -> e.actor().equals("bob")).map(e -> e.result()).toList())
        .contains("invalid-request", "not-found");
  }

  private static List<String> files() {
    return clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList().stream()
        .map(f -> f.getFileId()).toList();
  }
}

package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, proof 1, driven by the CLI: alice seals with {@code sealdrop seal}, uploads with
 * OpenSSH's {@code sftp} into /outbox/, finds the file with {@code sealdrop files} and grants it
 * with {@code sealdrop grant}; bob fetches /redeem/TOKEN with OpenSSH {@code sftp} and opens it
 * with {@code sealdrop open}; a second fetch fails. Host key checked strictly against the door's.
 */
class OpenSshWalkThroughTest extends DevServerPerClass {
  static Path work;
  static Path knownHosts;
  static Cli alice;
  static Cli bob;

  @BeforeAll
  static void start() throws Exception {
    OpenSsh.assumeInstalled(OpenSsh.SFTP);
    OpenSsh.assumeInstalled(OpenSsh.SSH_KEYGEN);
    startServer(); // SFTP door on an ephemeral port
    assertThat(server.sftpPort()).isPositive();
    Path data = root.resolve("data");
    alice = Users.initAndPublish(pki, root, "alice", address);
    bob = Users.initAndPublish(pki, root, "bob", address);
    work = Files.createDirectories(root.resolve("work"));
    knownHosts = Files.writeString(work.resolve("known_hosts"), "[127.0.0.1]:" + server.sftpPort() + " "
        + OpenSsh.publicLine(data.resolve("ssh_host_ed25519_key")) + "\n");
  }

  private static OpenSsh.Run sftp(String user, String... commands) throws Exception {
    return OpenSsh.sftp(work, work.resolve(user + "_ed25519"), knownHosts, server.sftpPort(), user, commands);
  }

  @Test
  void aliceSealsUploadsBySftpAndGrantsBobFetchesBySftpAndOpensOnce() throws Exception {
    // each registers an SSH key made by ssh-keygen; before that, OpenSSH cannot log in
    for (Cli c : List.of(alice, bob)) {
      String user = c == alice ? "alice" : "bob";
      Path key = OpenSsh.keygen(work.resolve(user + "_ed25519"), "ed25519", 0, user + "@laptop");
      if (c == alice) {
        OpenSsh.Run before = sftp("alice", "ls /");
        assertThat(before.exit()).as(before.output()).isNotZero();
        assertThat(before.output()).contains("Permission denied (publickey)");
      }
      c.run("--json", "keys", "add-ssh", key.resolveSibling(key.getFileName() + ".pub").toString()).assertExit(0);
    }

    byte[] plain = "customer_id,name,email\n1,ACME GmbH,ceo@acme.example\n".repeat(4000)
        .getBytes(StandardCharsets.UTF_8);
    Path csv = Files.write(work.resolve("clients.csv"), plain);
    alice.run("keys", "show", "bob").assertExit(0); // verify and pin bob's bundle
    Path sealed = work.resolve("clients.csv.sealed");
    String fingerprint = (String) alice.run("--json", "seal", csv.toString(), "--to", "bob", "-o", sealed.toString())
        .assertExit(0).json().get("fingerprint");
    List<Object> before = fileIds();

    OpenSsh.Run put = sftp("alice", "put clients.csv.sealed /outbox/", "ls -l /outbox");
    assertThat(put.exit()).as(put.output()).isZero();
    List<Object> after = fileIds();
    assertThat(after).hasSize(before.size() + 1);
    String fileId = (String) after.stream().filter(f -> !before.contains(f)).findFirst().orElseThrow();
    assertThat(put.output()).contains(fileId);
    // as docs/sftp.md finds it: by the sealed file's fingerprint, which other uploads meanwhile cannot take (round BU:
    // the newest file in the listing was another upload's)
    assertThat(alice.run("--json", "files").assertExit(0).jsonList("files"))
        .filteredOn(f -> fingerprint.equals(f.get("fingerprint"))).extracting(f -> f.get("file_id"))
        .containsExactly(fileId);

    CliRun granted = alice.run("--json", "grant", fileId, "--to", "bob").assertExit(0);
    String token = (String) granted.json().get("token");
    assertThat(token).isNotBlank();

    OpenSsh.Run get = sftp("bob", "@get /redeem/" + token + " fetched.sealed");
    assertThat(get.exit()).as(get.output()).isZero();
    assertThat(get.output()).as("'@' keeps sftp from echoing the command, and the token with it").doesNotContain(token);
    assertThat(Files.readAllBytes(work.resolve("fetched.sealed"))).isEqualTo(Files.readAllBytes(sealed));

    bob.run("keys", "show", "alice").assertExit(0); // verify and pin the sender
    Path opened = work.resolve("bob-opened.csv");
    // with what alice told bob with the token: her name and the file's fingerprint (review BI)
    Map<String, Object> open = bob.run("--json", "open", work.resolve("fetched.sealed").toString(), "-o",
        opened.toString(), "--from", "alice", "--fingerprint", fingerprint).assertExit(0).json();
    assertThat(open).containsEntry("sender", "alice").containsEntry("file_name", "clients.csv");
    assertThat(Files.readAllBytes(opened)).isEqualTo(plain);

    OpenSsh.Run again = sftp("bob", "get /redeem/" + token + " again.sealed");
    assertThat(again.exit()).as(again.output()).isNotZero();
    assertThat(work.resolve("again.sealed")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
        p -> assertThat(p).isEmptyFile());
    assertThat(alice.run("--json", "grants").jsonList("grants"))
        .filteredOn(g -> g.get("file_id").equals(fileId)).singleElement()
        .satisfies(g -> assertThat(g).containsEntry("state", "consumed"));
  }

  private static List<Object> fileIds() {
    return alice.run("--json", "files").assertExit(0).jsonList("files").stream().map(f -> f.get("file_id")).toList();
  }
}

package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Round CX: a send whose upload was kept for a re-run (its grant refused), re-run after {@code init --force} replaced the
 * profile's keys, granted the upload sealed with the old keys: its recipient refused the file as from an untrusted
 * sender, and a small file's claim could not be given back, so one of the grant's downloads was used up. The re-run
 * seals and uploads again with the profile's keys now.
 */
class SendAfterInitForceTest extends DevServerPerClass {
  static Cli alice;
  static Cli bob;
  static FullGrants full;

  @BeforeAll
  static void start() throws Exception {
    startServer(FullGrants.limit());
    alice = Users.initAndPublish(pki, root, "alice", address);
    bob = Users.initAndPublish(pki, root, "bob", address);
    full = new FullGrants(alice, "bob", root.resolve("filler"));
  }

  @Test
  void aKeptUploadSealedWithReplacedKeysIsSealedAndUploadedAgain() throws Exception {
    Path file = Files.writeString(root.resolve("clients.csv"), "customer\nINITECH\n".repeat(300),
        StandardCharsets.UTF_8);
    full.sendRefusedAfterUpload(file);
    alice.run("init", "--server", address, "--cert", pki.certFile("alice").toString(), "--key",
        pki.keyFile("alice").toString(), "--ca", pki.caCertFile().toString(), "--force").assertExit(0);
    alice.run("keys", "publish").assertExit(0);
    full.revokeAll();

    CliRun again = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
    assertThat(again.err()).contains("sealed the file with keys this profile no longer has")
        .doesNotContain("already uploaded");
    Path out = Files.createDirectories(root.resolve("bob-out"));
    bob.run("--json", "receive", (String) again.json().get("token"), "-o", out.toString()).assertExit(0);
    assertThat(Files.readString(out.resolve("clients.csv"), StandardCharsets.UTF_8)).contains("INITECH");
  }
}

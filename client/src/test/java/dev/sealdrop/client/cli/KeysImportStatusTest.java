package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keys import FILE} says how the pin went, as {@code keys show IDENTITY} does: {@code first_use},
 * {@code known} for a bundle already pinned, {@code replaced} (with the previous fingerprint) when
 * {@code --accept-new-key} replaced a different pin; it said {@code pinned} every time.
 */
class KeysImportStatusTest {
  @TempDir
  Path root;

  @Test
  void importReportsFirstUseKnownAndReplacedWithThePreviousFingerprint() throws Exception {
    DevPki pki = DevPki.loadOrCreate(root.resolve("pki"));
    Cli alice = Users.init(pki, root, "alice", "127.0.0.1:1");
    Cli bob = Users.init(pki, root, "bob", "127.0.0.1:1");
    // bob again, on another machine: same certificate, new keys
    Cli bobAgain = Users.init(pki, Files.createDirectories(root.resolve("second-machine")), "bob", "127.0.0.1:1");
    Path first = root.resolve("bob.skb");
    Path second = root.resolve("bob-new.skb");
    String firstFp = (String) bob.run("--json", "keys", "export", "-o", first.toString()).assertExit(0).json()
        .get("fingerprint");
    String secondFp = (String) bobAgain.run("--json", "keys", "export", "-o", second.toString()).assertExit(0).json()
        .get("fingerprint");
    assertThat(secondFp).isNotEqualTo(firstFp);

    CliRun firstUse = alice.run("--json", "keys", "import", first.toString()).assertExit(0);
    assertThat(firstUse.json()).containsEntry("status", "first_use").containsEntry("fingerprint", firstFp)
        .doesNotContainKey("previous_fingerprint");

    CliRun known = alice.run("--json", "keys", "import", first.toString()).assertExit(0);
    assertThat(known.json()).containsEntry("status", "known").containsEntry("fingerprint", firstFp)
        .doesNotContainKey("previous_fingerprint");
    assertThat(alice.run("keys", "import", first.toString()).assertExit(0).out())
        .startsWith("bob  " + firstFp + "  (known, valid until ");

    // a different key is refused without --accept-new-key, and the pin stays
    CliRun refused = alice.run("--json", "keys", "import", second.toString()).assertExit(5);
    assertThat(refused.jsonError()).containsEntry("reason", "KEY_CHANGED");

    CliRun replaced = alice.run("--json", "keys", "import", second.toString(), "--accept-new-key").assertExit(0);
    assertThat(replaced.json()).containsEntry("status", "replaced").containsEntry("fingerprint", secondFp)
        .containsEntry("previous_fingerprint", firstFp);
    CliRun back = alice.run("keys", "import", first.toString(), "--accept-new-key").assertExit(0);
    assertThat(back.out()).startsWith("bob  " + firstFp + "  (replaced, valid until ")
        .contains("  previous fingerprint: " + secondFp);
    assertThat(back.err()).contains("accepted a NEW key for bob: " + firstFp + " (was " + secondFp + ")");
  }
}

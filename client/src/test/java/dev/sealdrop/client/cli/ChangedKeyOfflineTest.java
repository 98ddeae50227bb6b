package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recipient whose key changed (new bundle, same identity) is refused until explicitly accepted. */
class ChangedKeyOfflineTest {
  @TempDir
  Path root;

  @Test
  void changedBundleFileRefusedWithBothFingerprintsUntilAccepted() throws Exception {
    DevPki pki = DevPki.loadOrCreate(root.resolve("pki"));
    Cli alice = Users.init(pki, root, "alice", "127.0.0.1:1");
    Cli bob = Users.init(pki, root, "bob", "127.0.0.1:1");
    Path oldBundle = root.resolve("bob-old.skb");
    String oldFp = (String) bob.run("--json", "keys", "export", "-o", oldBundle.toString()).assertExit(0).json()
        .get("fingerprint");
    alice.run("keys", "import", oldBundle.toString()).assertExit(0);

    // bob's laptop is replaced: new keys under the same certificate
    bob.run("init", "--force", "--server", "127.0.0.1:1", "--cert", pki.certFile("bob").toString(), "--key",
        pki.keyFile("bob").toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    Path newBundle = root.resolve("bob-new.skb");
    String newFp = (String) bob.run("--json", "keys", "export", "-o", newBundle.toString()).assertExit(0).json()
        .get("fingerprint");
    assertThat(newFp).isNotEqualTo(oldFp);

    Path file = Files.writeString(root.resolve("a.csv"), "x,y\n1,2\n");
    Path out = root.resolve("a.sealed");
    CliRun refused = alice.run("--json", "seal", file.toString(), "--to", newBundle.toString(), "-o", out.toString())
        .assertExit(5);
    assertThat(refused.jsonError()).containsEntry("reason", "KEY_CHANGED");
    assertThat(refused.err()).contains(oldFp).contains(newFp).contains("--accept-new-key");
    assertThat(out).doesNotExist();
    // the pin still holds the old key
    assertThat(alice.run("--json", "seal", file.toString(), "--to", "bob", "-o", out.toString()).assertExit(0)
        .jsonList("recipients").get(0)).containsEntry("fingerprint", oldFp);

    CliRun accepted = alice.run("--json", "seal", file.toString(), "--to", newBundle.toString(), "-o",
        out.toString(), "--force", "--accept-new-key").assertExit(0);
    assertThat(accepted.jsonList("recipients").get(0)).containsEntry("fingerprint", newFp);
    assertThat(accepted.err()).contains("sealdrop: warning: accepted a NEW key for bob");
  }

  @Test
  void aFileFromAPinnedSenderWithAnotherKeyPointsToTheChangedKeyNotToPinningIt() throws Exception {
    DevPki pki = DevPki.loadOrCreate(root.resolve("pki"));
    Cli alice = Users.init(pki, root, "alice", "127.0.0.1:1");
    Cli bob = Users.init(pki, root, "bob", "127.0.0.1:1");
    Path aliceOld = root.resolve("alice-old.skb");
    Path bobBundle = root.resolve("bob.skb");
    alice.run("keys", "export", "-o", aliceOld.toString()).assertExit(0);
    bob.run("keys", "export", "-o", bobBundle.toString()).assertExit(0);
    bob.run("keys", "import", aliceOld.toString()).assertExit(0);
    alice.run("keys", "import", bobBundle.toString()).assertExit(0);
    Path older = root.resolve("older.sealed"); // sealed with the keys alice is about to replace
    alice.run("seal", bobBundle.toString(), "--to", "bob", "-o", older.toString()).assertExit(0);
    // alice replaces her keys (same certificate) and seals for bob, who still holds her old key
    alice.run("init", "--force", "--server", "127.0.0.1:1", "--cert", pki.certFile("alice").toString(), "--key",
        pki.keyFile("alice").toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    alice.run("keys", "import", bobBundle.toString()).assertExit(0);
    Path file = Files.writeString(root.resolve("b.csv"), "x,y\n1,2\n");
    Path sealed = root.resolve("b.sealed");
    alice.run("seal", file.toString(), "--to", "bob", "-o", sealed.toString()).assertExit(0);

    Path out = root.resolve("b-out.csv");
    CliRun r = bob.run("--json", "open", sealed.toString(), "-o", out.toString()).assertExit(5);
    assertThat(r.jsonError()).containsEntry("kind", "integrity").containsEntry("reason", "UNTRUSTED_SENDER");
    // alice is pinned: "pin the sender's key first" would change nothing; the way out is the changed key
    assertThat((String) r.jsonError().get("message")).contains("it is signed with key ")
        .contains(", not the one you pinned for alice (");
    assertThat((String) r.jsonError().get("hint")).doesNotContain("pin the sender's key first")
        .contains("home-bob keys show alice` then reports as changed");
    assertThat(out).doesNotExist();
    // and the hint is right: the new bundle is reported as a changed key
    Path aliceNew = root.resolve("alice-new.skb");
    alice.run("keys", "export", "-o", aliceNew.toString()).assertExit(0);
    assertThat(bob.run("--json", "keys", "import", aliceNew.toString()).assertExit(5).jsonError())
        .containsEntry("reason", "KEY_CHANGED");
    bob.run("keys", "import", aliceNew.toString(), "--accept-new-key").assertExit(0);
    bob.run("open", sealed.toString(), "-o", out.toString()).assertExit(0);
    assertThat(Files.mismatch(out, file)).isEqualTo(-1L);

    // review RQ: a file sealed before the change bob accepted names the key alice replaced; `keys show` reports the pin
    // as known, so the hint that it "then reports the changed key" led bob to take an authentic file for a forgery
    CliRun old = bob.run("--json", "open", older.toString(), "-o", root.resolve("older.out").toString()).assertExit(5);
    assertThat(old.jsonError()).containsEntry("reason", "UNTRUSTED_SENDER");
    String oldMessage = (String) old.jsonError().get("message");
    String[] keys = oldMessage.replaceAll(".*signed with key (\\S+), not the one you pinned for alice \\((\\S+)\\)$",
        "$1 $2").split(" ");
    assertThat(keys).as(oldMessage).hasSize(2);
    assertThat(keys[0]).as("the file's key and the pinned one, both named").isNotEqualTo(keys[1]);
    assertThat((String) old.jsonError().get("hint")).contains("an older one, if you accepted a change of alice's keys"
        + " since it was sealed (ask alice to send it again)");
  }

  /**
   * Review RQ: a file from a sender whose pinned bundle expired was told "not trusted here; pin the sender's key
   * first", of the very key pinned, and the pin's warning came twice. It says the pin can no longer vouch, and how to
   * get a renewed one.
   */
  @Test
  void aFileFromASenderWhosePinnedBundleExpiredIsToldSoNotToPinTheKeyAgain() throws Exception {
    DevPki pki = DevPki.loadOrCreate(root.resolve("pki"));
    Cli alice = Users.init(pki, root, "alice", "127.0.0.1:1");
    Cli bob = Users.init(pki, root, "bob", "127.0.0.1:1");
    Path aliceBundle = root.resolve("alice.skb");
    Path bobBundle = root.resolve("bob.skb");
    alice.run("keys", "export", "-o", aliceBundle.toString()).assertExit(0);
    bob.run("keys", "export", "-o", bobBundle.toString()).assertExit(0);
    bob.run("keys", "import", aliceBundle.toString()).assertExit(0);
    Path sealed = root.resolve("a.sealed");
    alice.run("seal", bobBundle.toString(), "--to", bobBundle.toString(), "-o", sealed.toString()).assertExit(0);
    bob.run("open", sealed.toString(), "-o", root.resolve("now.out").toString()).assertExit(0);

    java.time.Instant late = pki.certificate("alice").getNotAfter().toInstant().plusSeconds(60);
    CliRun r = bob.at(java.time.Clock.fixed(late, java.time.ZoneOffset.UTC), "--json", "open", sealed.toString(),
        "-o", root.resolve("late.out").toString()).assertExit(5);
    assertThat(r.jsonError()).containsEntry("reason", "UNTRUSTED_SENDER");
    assertThat((String) r.jsonError().get("message")).startsWith("this file names alice as its sender and is signed"
        + " with the key you pinned for alice (").contains("but that pin can no longer vouch for alice: ");
    assertThat((String) r.jsonError().get("hint")).startsWith("nothing was written; a file is trusted only while its"
        + " sender's pinned bundle is valid: ").contains("renew").doesNotContain("pin alice's key first");
    assertThat(r.err().split("the pinned key of alice is unusable", -1)).as(r.err()).hasSize(2);
    assertThat(root.resolve("late.out")).doesNotExist();
  }

  @Test
  void bundleFromAForeignCaIsRefused() throws Exception {
    DevPki pki = DevPki.loadOrCreate(root.resolve("pki"));
    Cli alice = Users.init(pki, root, "alice", "127.0.0.1:1");
    // mallory's certificate comes from the foreign CA: her profile trusts the foreign CA
    Cli mallory = Users.user(root, "mallory");
    mallory.run("init", "--server", "127.0.0.1:1", "--cert", pki.certFile("mallory").toString(), "--key",
        pki.keyFile("mallory").toString(), "--ca", pki.foreignCaCertFile().toString()).assertExit(0);
    Path bundle = root.resolve("mallory.skb");
    mallory.run("keys", "export", "-o", bundle.toString()).assertExit(0);
    CliRun r = alice.run("--json", "keys", "import", bundle.toString()).assertExit(5);
    assertThat(r.jsonError()).containsEntry("reason", "BUNDLE_UNTRUSTED_CERTIFICATE");
    // re-publishing cannot mend a certificate from another CA: the hint says where the problem is
    assertThat((String) r.jsonError().get("hint")).contains("not from this server's CA")
        .contains("verify who gave you this bundle").doesNotContain("keys publish");
  }

  /**
   * Round CN: `keys show bob` needed the server even with bob's key pinned, the moment one reads it out over the
   * phone. Offline it shows the pinned key, marked so, with a warning; an identity not pinned still fails as offline.
   */
  @Test
  void keysShowOfAPinnedIdentityWorksOfflineAndSaysSo() throws Exception {
    DevPki pki = DevPki.loadOrCreate(root.resolve("pki"));
    Cli alice = Users.init(pki, root, "alice", "127.0.0.1:1");
    Cli bob = Users.init(pki, root, "bob", "127.0.0.1:1");
    Path bundle = root.resolve("bob.skb");
    String fp = (String) bob.run("--json", "keys", "export", "-o", bundle.toString()).assertExit(0).json()
        .get("fingerprint");
    alice.run("keys", "import", bundle.toString()).assertExit(0);
    CliRun shown = alice.run("--json", "keys", "show", "bob").assertExit(0);
    assertThat(shown.json()).containsEntry("status", "pinned_offline").containsEntry("fingerprint", fp)
        .containsEntry("identity", "bob");
    assertThat(shown.err()).contains("the server could not be reached").contains("the key you pinned for bob");
    alice.run("keys", "show", "carol").assertExit(8);
  }
}

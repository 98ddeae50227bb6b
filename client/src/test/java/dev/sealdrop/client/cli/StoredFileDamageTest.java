package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a receive does when the server's stored file is not what was granted (outside test: a compromised or damaged
 * server). Two intact files of alice for bob swapped on the server's disk: the one received verified, was written
 * under its own name, and the receive then failed at the confirmation with "check the token", leaving the other file
 * in the folder. A stored file cut short or deleted was "interrupted ... internal error; retry", forever. A file sealed
 * for dave put in place of bob's was said to be sealed for bob's own key.
 */
class StoredFileDamageTest extends DevServerPerClass {
  static Cli alice;
  static Cli bob;
  static Cli dave;

  @BeforeAll
  static void start() throws Exception {
    startServer();
    alice = Users.initAndPublish(pki, root, "alice", address);
    bob = Users.initAndPublish(pki, root, "bob", address);
    dave = Users.initAndPublish(pki, root, "dave", address);
  }

  private record Sent(String token, String fileId, Path original) {}

  private static Sent send(String name, int size, long seed, String to) throws Exception {
    Path file = root.resolve(name);
    byte[] content = new byte[size];
    new Random(seed).nextBytes(content);
    Files.write(file, content);
    CliRun r = alice.run("--json", "send", file.toString(), "--to", to).assertExit(0);
    return new Sent((String) r.json().get("token"), (String) ((Map<?, ?>) r.json().get("grant")).get("file_id"),
        file);
  }

  private static Path blob(String fileId) {
    return root.resolve("data").resolve("blobs").resolve(fileId);
  }

  @Test
  void anotherOfTheSendersFilesPutInPlaceOfTheGrantedOneIsRefusedAndNothingIsWritten() throws Exception {
    Sent one = send("swap-one.bin", 200_000, 1, "bob");
    Sent two = send("swap-two.bin", 200_000, 2, "bob");
    Path tmp = root.resolve("swap-tmp");
    Files.move(blob(one.fileId()), tmp);
    Files.move(blob(two.fileId()), blob(one.fileId()));
    Files.move(tmp, blob(two.fileId()));

    Path out = emptyDir("swap-out");
    CliRun r = bob.run("--json", "receive", one.token(), "-o", out.toString()).assertExit(5);
    assertThat(r.jsonError()).containsEntry("kind", "integrity").containsEntry("reason", "NOT_THE_GRANTED_FILE");
    assertThat(r.err()).contains("the file the server sent is not the one this grant is for")
        .contains("the server's stored file was replaced").contains("nothing was written").contains("tell alice")
        .doesNotContain("check the token");
    assertThat(list(out)).as("neither the other file nor a temporary one").isEmpty();
  }

  @Test
  void aStoredFileCutShortIsToldAsDamagedTheClaimGivenBackAndOnceRestoredItIsReceived() throws Exception {
    Sent sent = send("cut.bin", 3 << 20, 3, "bob");
    byte[] stored = Files.readAllBytes(blob(sent.fileId()));
    Files.write(blob(sent.fileId()), java.util.Arrays.copyOf(stored, stored.length - 1000));

    Path out = emptyDir("cut-out");
    CliRun r = bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(5);
    assertThat(r.jsonError()).containsEntry("kind", "integrity").containsEntry("reason", "FILE_DAMAGED");
    assertThat(r.err()).contains("the file the server holds is damaged").contains("nothing was used up")
        .contains("the grant can be redeemed again now").contains("tell alice")
        .doesNotContain("internal error").doesNotContain("resumes");
    assertThat(list(out)).isEmpty();

    // the operator restores it: the same token works, as nothing was used up and nothing kept to resume
    Files.write(blob(sent.fileId()), stored);
    bob.run("receive", sent.token(), "-o", out.toString()).assertExit(0);
    assertThat(Files.mismatch(out.resolve("cut.bin"), sent.original())).isEqualTo(-1L);
  }

  @Test
  void aStoredFileGoneIsToldAsDamagedAndTheClaimGivenBack() throws Exception {
    Sent sent = send("gone.bin", 100_000, 4, "bob");
    Path kept = root.resolve("gone-kept");
    Files.move(blob(sent.fileId()), kept);

    Path out = emptyDir("gone-out");
    CliRun r = bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(5);
    assertThat(r.jsonError()).containsEntry("reason", "FILE_DAMAGED");
    assertThat(r.err()).contains("is missing from the server's storage").contains("the grant can be redeemed again now");
    assertThat(list(out)).isEmpty();

    Files.move(kept, blob(sent.fileId()), StandardCopyOption.REPLACE_EXISTING);
    bob.run("receive", sent.token(), "-o", out.toString()).assertExit(0);
    assertThat(Files.mismatch(out.resolve("gone.bin"), sent.original())).isEqualTo(-1L);
  }

  @Test
  void aFileSealedForSomeoneElsePutInPlaceNamesTheKeysItIsSealedForAndTheSwap() throws Exception {
    Sent forBob = send("other.bin", 50_000, 5, "bob");
    Sent forDave = send("other.bin", 50_000, 5, "dave");
    Files.copy(blob(forDave.fileId()), blob(forBob.fileId()), StandardCopyOption.REPLACE_EXISTING);
    String daveKey = (String) dave.run("--json", "keys", "show").assertExit(0).json().get("recipient_key_fingerprint");
    String bobKey = (String) bob.run("--json", "keys", "show").assertExit(0).json().get("recipient_key_fingerprint");

    Path out = emptyDir("other-out");
    CliRun r = bob.run("--json", "receive", forBob.token(), "-o", out.toString()).assertExit(5);
    assertThat(r.jsonError()).containsEntry("reason", "NOT_A_RECIPIENT");
    assertThat(r.err()).contains("the file the server sent is sealed for " + daveKey)
        .contains("not for your keys (" + bobKey + ")").contains("replaced or altered").contains("tell alice")
        .doesNotContain("receive it with the keys the file was sealed for");
    assertThat(list(out)).isEmpty();
  }

  /**
   * What an earlier run kept in the profile is read back first on a resume: damaged there, it fails to verify, and the
   * message said the server's file was damaged and to ask the sender for it again, though the next run worked.
   */
  @Test
  void aResumeFromAPartDamagedInTheProfileSaysSoAndTheNextRunDownloadsItAfresh() throws Exception {
    Sent sent = send("kept.bin", 4 << 20, 6, "bob");
    Path out = emptyDir("kept-out");
    try (dev.sealdrop.client.testing.CuttingProxy proxy = new dev.sealdrop.client.testing.CuttingProxy(
        server.port())) {
      Users.retarget(bob, proxy.address());
      try {
        proxy.cutDownstreamAfter.set(3_000_000);
        bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(8);
        Path spool;
        try (Stream<Path> s = Files.list(bob.home().resolve("state").resolve("downloads"))) {
          spool = s.filter(p -> p.toString().endsWith(".sealed")).findFirst().orElseThrow();
        }
        assertThat(Files.size(spool)).as("an earlier run kept what arrived").isGreaterThan(1_000_000);
        byte[] kept = Files.readAllBytes(spool);
        kept[1_000_000] ^= 0x01;
        Files.write(spool, kept);

        proxy.cutDownstreamAfter.set(-1);
        CliRun damaged = bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(5);
        assertThat(damaged.err()).contains("resumed from what an earlier run kept in your profile")
            .contains("to download the whole file afresh under the same claim")
            .doesNotContain("fetching it again cannot help");
        assertThat(list(out)).isEmpty();
        // the claim was kept (the server may have served every byte by now: given back, it would only have counted)
        CliRun again = bob.run("receive", sent.token(), "-o", out.toString()).assertExit(0);
        assertThat(again.err()).contains("from the beginning (nothing of it was kept)");
        assertThat(Files.mismatch(out.resolve("kept.bin"), sent.original())).isEqualTo(-1L);
      } finally {
        Users.retarget(bob, address);
      }
    }
  }
}

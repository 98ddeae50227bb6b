package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.certsdev.Eku;
import dev.sealdrop.certsdev.IssuedCert;
import dev.sealdrop.client.net.StateFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against {@link FakeServer} (real mTLS 1.3, injected faults): an interrupted upload and an
 * interrupted download each resume from where they stopped on re-run; the client trusts only its
 * profile's CA. The walk-through against the real server is in {@code WalkThroughTest}.
 */
class ResumeAndTlsTest {
  @TempDir
  static Path root;
  static DevPki pki;

  @BeforeAll
  static void pki() {
    pki = DevPki.loadOrCreate(root.resolve("pki"));
  }

  private static FakeServer devServer() throws Exception {
    return FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile());
  }

  @Test
  void interruptedUploadAndDownloadResumeOnRerun() throws Exception {
    Path dir = Files.createDirectories(root.resolve("resume"));
    try (FakeServer server = devServer()) {
      Cli alice = Users.init(pki, dir, "alice", server.address());
      Cli bob = Users.init(pki, dir, "bob", server.address());
      bob.run("keys", "publish").assertExit(0);
      alice.run("keys", "publish").assertExit(0);
      Path csv = dir.resolve("big.csv");
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 40_000; i++) {
        sb.append("row ").append(i).append(",PLAINTEXT-MARKER,").append(i * 7).append('\n');
      }
      Files.writeString(csv, sb.toString());

      server.breakUploadAfter = 200_000;
      CliRun first = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(8);
      assertThat(first.jsonError()).containsEntry("reason", "UPLOAD_INTERRUPTED");
      assertThat(first.err()).contains("re-run the same command to resume");
      try (Stream<Path> spool = Files.list(alice.home().resolve("state/uploads"))) {
        for (Path p : spool.toList()) {
          assertThat(Files.readString(p, StandardCharsets.ISO_8859_1)).doesNotContain("PLAINTEXT-MARKER");
        }
      }
      long committedBefore = server.stored().length;
      assertThat(committedBefore).isBetween(200_000L, 600_000L);

      CliRun second = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0);
      assertThat(server.uploadStartOffsets).containsExactly(0L, committedBefore);
      String token = (String) second.json().get("token");
      assertThat(token).isEqualTo(server.token);
      try (Stream<Path> left = Files.list(alice.home().resolve("state/uploads"))) {
        assertThat(left).as("state and spool removed after success").isEmpty();
      }

      server.breakDownloadAfter = 100_000;
      Path out = Files.createDirectories(dir.resolve("bob-out"));
      CliRun d1 = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(8);
      assertThat(d1.jsonError()).containsEntry("reason", "DOWNLOAD_INTERRUPTED");
      try (Stream<Path> s = Files.list(out)) {
        assertThat(s).as("nothing visible after a broken download").isEmpty();
      }
      try (Stream<Path> s = Files.list(bob.home().resolve("state/downloads"))) {
        Path spool = s.filter(p -> p.toString().endsWith(".sealed")).findFirst().orElseThrow();
        assertThat(Files.size(spool)).as("what arrived is kept, re-created from the plaintext opened so far")
            .isGreaterThanOrEqualTo(100_000L);
        assertThat(Files.readString(spool, StandardCharsets.ISO_8859_1)).doesNotContain("PLAINTEXT-MARKER");
        byte[] envelope = server.stored();
        assertThat(Arrays.mismatch(Files.readAllBytes(spool), Arrays.copyOf(envelope, (int) Files.size(spool))))
            .as("the spool is the envelope's first bytes: first byte that differs").isEqualTo(-1);
      }
      // what a SIGKILLed run would leave (no shutdown hook runs): this transfer's partial plaintext
      Path state;
      try (Stream<Path> s = Files.list(bob.home().resolve("state/downloads"))) {
        state = s.filter(p -> p.toString().endsWith(".properties")).findFirst().orElseThrow();
      }
      Path stale = Files.writeString(out.resolve(ReceiveCommand.partialPrefix(state) + "4711.part"), "PLAINTEXT-MARKER");
      Path othersPartial = Files.writeString(out.resolve(".sealdrop-8123.part"), "another transfer's");
      // and what a run killed while it kept its download for resuming would leave beside the spool
      Path spoolFile = state.resolveSibling(state.getFileName().toString().replace(".properties", ".sealed"));
      Path staleResume = Files.writeString(spoolFile.resolveSibling("." + spoolFile.getFileName() + "-4711.part"), "x");
      CliRun d2 = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
      assertThat(stale).as("the killed run's partial plaintext is cleared by the rerun").doesNotExist();
      assertThat(staleResume).as("so is a half-kept spool").doesNotExist();
      assertThat(othersPartial).as("a partial file of another transfer is left alone").exists();
      Files.delete(othersPartial);
      assertThat(server.redeems.get()).as("the claim was kept and resumed, not redeemed twice").isEqualTo(1);
      assertThat(server.downloadStartOffsets).hasSize(2);
      assertThat(server.downloadStartOffsets.get(1)).isGreaterThanOrEqualTo(100_000L);
      assertThat(d2.json()).containsEntry("sender", "alice").containsEntry("file_name", "big.csv");
      assertThat(Files.mismatch(out.resolve("big.csv"), csv)).isEqualTo(-1L);

      CliRun again = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(4);
      assertThat(again.jsonError()).containsEntry("reason", "GRANT_CONSUMED").containsEntry("kind", "not_redeemable");

      CliRun inbox = bob.run("--json", "inbox").assertExit(0);
      assertThat(inbox.jsonList("grants").get(0)).containsKeys("grant_id", "owner", "recipient", "state", "size",
          "expires_at", "max_downloads", "downloads_used", "fingerprint").containsEntry("state", "consumed");
    }
  }

  /**
   * A run killed while it wrote into one folder leaves its partial plaintext there; the next run of the same receive
   * deletes it even when given another {@code -o} (it looked only in its own folder, and the plaintext stayed).
   */
  @Test
  void aRerunIntoAnotherFolderDeletesThePartialPlaintextAKilledRunLeftInTheFirst() throws Exception {
    Path dir = Files.createDirectories(root.resolve("two-folders"));
    try (FakeServer server = devServer()) {
      Path csv = Files.write(dir.resolve("big.csv"), new byte[400_000]);
      Sent sent = aliceSentBob(dir, server, csv);
      Cli bob = sent.bob();
      server.breakDownloadAfter = 100_000;
      Path first = Files.createDirectories(dir.resolve("first"));
      bob.run("--json", "receive", sent.token(), "-o", first.toString()).assertExit(8);
      Path state;
      try (Stream<Path> s = Files.list(bob.home().resolve("state/downloads"))) {
        state = s.filter(p -> p.toString().endsWith(".properties")).findFirst().orElseThrow();
      }
      // what a SIGKILLed run into `first` would leave there
      Path stale = Files.writeString(first.resolve(ReceiveCommand.partialPrefix(state) + "4711.part"), "PLAINTEXT");
      Path second = Files.createDirectories(dir.resolve("second"));
      bob.run("--json", "receive", sent.token(), "-o", second.toString()).assertExit(0);
      assertThat(second.resolve("big.csv")).hasSameBinaryContentAs(csv);
      assertThat(stale).as("the partial plaintext in the first folder").doesNotExist();
    }
  }

  /** Alice's profile against {@code server}, both her key and bob's published there. */
  private Cli aliceBesideBob(Path dir, FakeServer server) {
    Cli alice = Users.init(pki, dir, "alice", server.address());
    Users.init(pki, dir, "bob", server.address()).run("keys", "publish").assertExit(0);
    alice.run("keys", "publish").assertExit(0);
    return alice;
  }

  private static Path randomFile(Path file, int size, long seed) throws java.io.IOException {
    byte[] bytes = new byte[size];
    new java.util.Random(seed).nextBytes(bytes);
    return Files.write(file, bytes);
  }

  /**
   * Round CM: a send whose first run sealed and uploaded part of the file, then failed, resumed it and took the server's
   * word for the file its grant named: a hostile server could fail the first run and grant an older file of the
   * sender's. The first run says the fingerprint it sealed and records it; the resumed run checks the grant against it.
   */
  @Test
  void aResumedSendChecksTheGrantAgainstTheFingerprintItsFirstRunSealed() throws Exception {
    Path dir = Files.createDirectories(root.resolve("resumed-fingerprint"));
    try (FakeServer server = devServer()) {
      Cli alice = aliceBesideBob(dir, server);
      Path csv = randomFile(dir.resolve("offer.csv"), 600_000, 5);
      server.breakUploadAfter = 200_000;
      CliRun first = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(8);
      java.util.regex.Matcher sealed = java.util.regex.Pattern.compile("sealed with fingerprint ([0-9a-f]{64})")
          .matcher(first.err());
      assertThat(sealed.find()).as("the failed run says what it sealed: " + first.err()).isTrue();

      server.fingerprintToName = "ab".repeat(32);
      CliRun resumed = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(5);
      assertThat(resumed.jsonError()).containsEntry("reason", "BAD_GRANT_ANSWER");
      assertThat((String) resumed.jsonError().get("message")).contains("ab".repeat(32)).contains("not for "
          + sealed.group(1));
      assertThat(resumed.out() + resumed.err()).as("the token is not shown").doesNotContain("sdg_");
    }
  }

  /**
   * The same attack by another way: the server stores the whole upload but refuses its finish as if the envelope were
   * bad (and cannot be told to abandon it), so the first run keeps no spool and ends; the re-run finds the upload
   * committed and grants it. The first run had sealed the file: the grant is checked against that fingerprint (review:
   * only a spooled or committed run recorded it, so this re-run, like one after Ctrl-C while the server withheld its
   * verdict, took the server's word).
   */
  @Test
  void aSendWhoseUploadWasCommittedBehindItsBackChecksTheGrantAgainstWhatItSealed() throws Exception {
    Path dir = Files.createDirectories(root.resolve("committed-fingerprint"));
    try (FakeServer server = devServer()) {
      Cli alice = aliceBesideBob(dir, server);
      Path csv = randomFile(dir.resolve("offer.csv"), 300_000, 6);
      server.listsFiles = true;
      server.refuseFinishAs = "ENVELOPE_MALFORMED";
      CliRun first = alice.run("--json", "send", csv.toString(), "--to", "bob");
      assertThat(first.exit()).as("refused: " + first.err()).isNotZero();
      assertThat(server.committed).as("the server stored it all the same").isTrue();

      server.refuseFinishAs = null;
      server.fingerprintToName = "cd".repeat(32);
      CliRun again = alice.run("--json", "send", csv.toString(), "--to", "bob");
      assertThat(again.out() + again.err()).as("the token is not shown").doesNotContain("sdg_");
      again.assertExit(5);
      assertThat(again.jsonError()).containsEntry("reason", "BAD_GRANT_ANSWER");
      assertThat((String) again.jsonError().get("message")).contains("cd".repeat(32));
    }
  }

  /**
   * Round CE: `send` printed whatever token the server answered, next to "they run: sealdrop receive TOKEN", so a
   * hostile server's `sdg_$(touch x)...` reached a shell by a paste. A token not of the real format is refused, not shown.
   */
  @Test
  void aTokenThatIsNotOneIsNotShown() throws Exception {
    Path dir = Files.createDirectories(root.resolve("hostile-token"));
    try (FakeServer server = devServer()) {
      Path csv = Files.write(dir.resolve("list.csv"), new byte[1000]);
      server.tokenToHand = "sdg_$(touch /tmp/pwned)AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
      Cli alice = Users.init(pki, dir, "alice", server.address());
      Cli bob = Users.init(pki, dir, "bob", server.address());
      alice.run("keys", "publish").assertExit(0);
      bob.run("keys", "publish").assertExit(0);
      CliRun r = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(5);
      assertThat(r.jsonError()).containsEntry("reason", "BAD_GRANT_ANSWER");
      assertThat(r.out() + r.err()).doesNotContain("touch").contains("it is not shown");
      // review CF: a grant naming another file than the one this send sealed (an older one the server would serve)
      server.tokenToHand = null;
      server.fingerprintToName = "ab".repeat(32);
      CliRun other = alice.run("--json", "send", Files.write(dir.resolve("other.csv"), new byte[2000]).toString(),
          "--to", "bob").assertExit(5);
      assertThat(other.jsonError()).containsEntry("reason", "BAD_GRANT_ANSWER");
      assertThat((String) other.jsonError().get("message")).contains("ab".repeat(32)).contains("not for");
      server.fingerprintToName = null;
      // round CE: the terms the answer names (a count other than the one asked, an expiry past or later than asked)
      server.downloadsToName = -1;
      CliRun count = alice.run("--json", "send", Files.write(dir.resolve("count.csv"), new byte[2500]).toString(),
          "--to", "bob").assertExit(5);
      assertThat((String) count.jsonError().get("message")).contains("it allows -1 download(s), not the 1 asked for");
      server.downloadsToName = 0;
      CliRun later = alice.run("--json", "send", Files.write(dir.resolve("later.csv"), new byte[2600]).toString(),
          "--to", "bob", "--expires", "5m").assertExit(5);
      assertThat((String) later.jsonError().get("message")).contains(", a lifetime of 3600 s, not the --expires 300 s"
          + " asked for");
      CliRun fine = alice.run("send", Files.write(dir.resolve("third.csv"), new byte[3000]).toString(), "--to", "bob")
          .assertExit(0);
      assertThat(fine.err()).containsPattern("they run: sealdrop receive TOKEN --from alice --fingerprint [0-9a-f]{64};"
          + " over SFTP, after `get /redeem/TOKEN FILE`: sealdrop open FILE -o PATH --from alice --fingerprint"
          + " [0-9a-f]{64}\n");
    }
  }

  /**
   * Round CE: the sender a redeem answer names was fetched, pinned and named in hints whatever it was ("ask
   * ../../../../tmp/x to run ..."). One that is no identity name is refused before anything is fetched or downloaded.
   */
  @Test
  void aSenderThatIsNoIdentityNameIsRefused() throws Exception {
    Path dir = Files.createDirectories(root.resolve("hostile-owner"));
    try (FakeServer server = devServer()) {
      Sent sent = aliceSentBob(dir, server, Files.write(dir.resolve("list.csv"), new byte[1000]));
      server.ownerToName = "../../../../tmp/x";
      Path out = Files.createDirectories(dir.resolve("out"));
      CliRun r = sent.bob().run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(5);
      assertThat(r.jsonError()).containsEntry("reason", "UNEXPECTED_SENDER");
      assertThat((String) r.jsonError().get("message")).contains("which is no identity name");
      try (Stream<Path> files = Files.list(out)) {
        assertThat(files).isEmpty();
      }
      assertThat(server.downloadStartOffsets).isEmpty();
      // review DQ: its re-run, under the claim this fake server would not take back, tries again to give it back: no
      // download began under it, so nothing is kept "to resume" (it was, holding the grant for the claim window)
      CliRun again = sent.bob().run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(5);
      assertThat(again.jsonError()).containsEntry("reason", "UNEXPECTED_SENDER");
      assertThat(again.err()).doesNotContain("the download an earlier run started is kept");
      assertThat(server.downloadStartOffsets).isEmpty();
      // nor one that names bob himself: his own key is never fetched and pinned (a fresh receive: the claim above,
      // which this fake server cannot take back, is kept in the profile, and its re-run would be refused as above)
      try (Stream<Path> kept = Files.list(sent.bob().home().resolve("state/downloads"))) {
        for (Path p : kept.toList()) {
          Files.delete(p);
        }
      }
      server.ownerToName = "bob";
      CliRun self = sent.bob().run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(5);
      assertThat((String) self.jsonError().get("message")).contains("the server names you (bob) as the grant's sender");
      assertThat(sent.bob().home().resolve("trusted").resolve("bob.skb")).doesNotExist();
      assertThat(server.downloadStartOffsets).isEmpty();
    }
  }

  /**
   * Review CF: with --fingerprint, the envelope itself must be that file, also when the server's redeem answer names no
   * fingerprint (so the check before the download has nothing to compare): refused as it is opened, nothing written.
   */
  @Test
  void theFingerprintGivenIsCheckedAgainstTheEnvelopeWhenTheServerNamesNone() throws Exception {
    Path dir = Files.createDirectories(root.resolve("unnamed-fingerprint"));
    try (FakeServer server = devServer()) {
      Sent sent = aliceSentBob(dir, server, Files.write(dir.resolve("list.csv"), new byte[5000]));
      server.fingerprintToName = "";
      Path out = Files.createDirectories(dir.resolve("out"));
      CliRun r = sent.bob().run("--json", "receive", sent.token(), "-o", out.toString(), "--fingerprint",
          "cd".repeat(32)).assertExit(5);
      assertThat(r.jsonError()).containsEntry("reason", "NOT_THE_GRANTED_FILE");
      try (Stream<Path> files = Files.list(out)) {
        assertThat(files).isEmpty();
      }
      assertThat(server.downloadStartOffsets).as("refused as it was opened, not before").isNotEmpty();
    }
  }

  /**
   * Review DQ: a server's download messages larger than the real server's 1 MiB chunks are refused as they arrive (four
   * of 64 MiB, asked ahead, could fill the CLI's heap); nothing is written.
   */
  @Test
  void downloadMessagesLargerThanTheServersChunksAreRefused() throws Exception {
    Path dir = Files.createDirectories(root.resolve("large-messages"));
    try (FakeServer server = devServer()) {
      Sent sent = aliceSentBob(dir, server, Files.write(dir.resolve("list.csv"), new byte[5 << 20]));
      server.downloadMessageBytes = 4 << 20;
      Path out = Files.createDirectories(dir.resolve("out"));
      CliRun r = sent.bob().run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(8);
      assertThat((String) r.jsonError().get("message")).contains("a download message larger than this client takes");
      assertThat(r.err()).doesNotContain("quota");
      try (Stream<Path> files = Files.list(out)) {
        assertThat(files).isEmpty();
      }
    }
  }

  /** alice's and bob's profiles on {@code server}, both keys published; alice has sent bob {@code file}. */
  private record Sent(Cli bob, String token) {}

  private Sent aliceSentBob(Path dir, FakeServer server, Path file) {
    Cli alice = Users.init(pki, dir, "alice", server.address());
    Cli bob = Users.init(pki, dir, "bob", server.address());
    alice.run("keys", "publish").assertExit(0);
    bob.run("keys", "publish").assertExit(0);
    String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    return new Sent(bob, token);
  }

  /**
   * A receive whose redeem was accepted but whose answer (the claim id) never arrived (the connection cut, or the run
   * stopped just then) held the grant claimed for the claim window: its re-run was refused GRANT_CLAIMED (rounds BL,
   * BM, BO). The redeem key it keeps in the profile before the redeem is sent lets the re-run redeem again at once.
   */
  @Test
  void aReceiveWhoseRedeemAnswerWasLostRedeemsAgainWithTheKeyItKeptAndTheKeyGoesWithTheReceive() throws Exception {
    Path dir = Files.createDirectories(root.resolve("lost-answer"));
    try (FakeServer server = devServer()) {
      Path csv = Files.writeString(dir.resolve("list.csv"), "id,name\n1,ACME\n");
      Sent sent = aliceSentBob(dir, server, csv);
      Cli bob = sent.bob();
      Path out = Files.createDirectories(dir.resolve("out"));

      server.loseNextRedeemAnswer = true;
      CliRun lost = bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(8);
      assertThat(lost.jsonError()).containsEntry("kind", "unavailable");
      try (Stream<Path> s = Files.list(bob.home().resolve("state/downloads"))) {
        Path state = s.filter(p -> p.toString().endsWith(".properties")).findFirst().orElseThrow();
        assertThat(StateFile.load(state).orElseThrow().get(ReceiveCommand.REDEEM_KEY)).as("the key is kept")
            .contains(server.redeemKeys.get(0));
      }
      assertThat(server.redeemKeys.get(0)).matches("sdr_[A-Za-z0-9_-]{43}");

      CliRun again = bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(0);
      assertThat(again.json()).containsEntry("file_name", "list.csv");
      assertThat(out.resolve("list.csv")).hasSameBinaryContentAs(csv);
      assertThat(server.redeemKeys).as("the re-run redeemed with the same key").hasSize(2)
          .allMatch(server.redeemKeys.get(0)::equals);
      try (Stream<Path> left = Files.list(bob.home().resolve("state/downloads"))) {
        assertThat(left).as("no state or key left").isEmpty();
      }
    }
  }

  @Test
  void aRedeemRefusedForGoodForgetsItsKeyAndAPassingRefusalKeepsIt() throws Exception {
    Path dir = Files.createDirectories(root.resolve("refused-key"));
    try (FakeServer server = devServer()) {
      Path csv = Files.writeString(dir.resolve("list.csv"), "id,name\n1,ACME\n");
      Sent sent = aliceSentBob(dir, server, csv);
      Cli bob = sent.bob();
      Path out = Files.createDirectories(dir.resolve("out"));
      Path downloads = bob.home().resolve("state/downloads");

      // a lockdown passes: an earlier run's claim made with the key may still be taken over once it is lifted
      server.redeemRefusal = "LOCKED_DOWN";
      bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(8);
      try (Stream<Path> s = Files.list(downloads)) {
        assertThat(s.filter(p -> p.toString().endsWith(".properties"))).hasSize(1);
      }
      server.redeemRefusal = "GRANT_REVOKED";
      bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(4);
      assertThat(server.redeemKeys).hasSize(2).allMatch(server.redeemKeys.get(0)::equals);
      try (Stream<Path> s = Files.list(downloads)) {
        assertThat(s).as("the grant is gone for this receive: nothing kept").isEmpty();
      }
    }
  }

  /**
   * Review BS: a file not sealed for this profile's keys is refused before any byte and its claim given back; when that
   * release did not get through, the redeem key was forgotten all the same, and the re-run was refused GRANT_CLAIMED
   * until the claim lapsed. The key is kept now, so the re-run takes the claim over (and gives it back).
   */
  @Test
  void aFileNotSealedForMyKeysKeepsTheRedeemKeyWhenTheClaimCouldNotBeGivenBack() throws Exception {
    Path dir = Files.createDirectories(root.resolve("not-sealed"));
    try (FakeServer server = devServer()) {
      Path csv = Files.writeString(dir.resolve("list.csv"), "id,name\n1,ACME\n");
      Sent sent = aliceSentBob(dir, server, csv);
      Cli bob = sent.bob();
      Path out = Files.createDirectories(dir.resolve("out"));
      Path downloads = bob.home().resolve("state/downloads");
      server.sealedFor = List.of("SHA256:" + "A".repeat(43));

      CliRun refused = bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(5);
      assertThat(refused.jsonError()).containsEntry("reason", "NOT_A_RECIPIENT");
      assertThat(refused.err()).contains("releasing it failed").contains("run the same command again");
      try (Stream<Path> s = Files.list(downloads)) {
        Path state = s.filter(p -> p.toString().endsWith(".properties")).findFirst().orElseThrow();
        assertThat(StateFile.load(state).orElseThrow().get(ReceiveCommand.REDEEM_KEY)).as("the key is kept")
            .contains(server.redeemKeys.get(0));
      }
      bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(5);
      assertThat(server.redeemKeys).as("the re-run redeemed with the same key, taking its claim over").hasSize(2)
          .allMatch(server.redeemKeys.get(0)::equals);
      try (Stream<Path> written = Files.list(out)) {
        assertThat(written).isEmpty();
      }
    }
  }

  /**
   * An admin act whose server died after it had the request (review BE) was told to check the admin port and the
   * profile's admin_server, as if the listener could not be reached; it may have been done, and the hint says how to
   * find out.
   */
  @Test
  void anAdminActCutByTheServerDyingIsNotToldToCheckTheAddress() throws Exception {
    Path dir = Files.createDirectories(root.resolve("admin-cut"));
    try (FakeServer server = devServer()) {
      String address = server.address();
      Cli carol = Users.user(dir, "carol");
      carol.run("init", "--server", address, "--admin-server", address, "--cert",
          pki.certFile("carol").toString(), "--key", pki.keyFile("carol").toString(), "--ca",
          pki.caCertFile().toString()).assertExit(0);
      CliRun r = carol.run("--json", "admin", "identities", "revoke", "erin", "--reason", "left");
      assertThat(server.identityRevokes).as("the request reached the listener").hasValue(1);
      assertThat(r.exit()).as(r.err()).isEqualTo(8);
      assertThat(r.jsonError()).containsEntry("kind", "unavailable");
      assertThat((String) r.jsonError().get("message")).startsWith("the admin listener " + address
          + " had the request, but ");
      assertThat((String) r.jsonError().get("hint")).contains("may or may not have been done")
          .contains("sealdrop admin audit tail").doesNotContain("admin_server").doesNotContain("admin port");

      // with the listener gone, the same command is a listener that cannot be reached: the address's hint
      CliRun gone = carol.run("--json", "admin", "identities", "revoke", "erin", "--reason", "left").assertExit(8);
      assertThat((String) gone.jsonError().get("hint")).contains("admin_server");
    }
  }

  @Test
  void aServerStoppedMidDownloadIsToldInWordsNotInHttp2Terms() throws Exception {
    Path dir = Files.createDirectories(root.resolve("stopped"));
    try (FakeServer server = devServer()) {
      Path csv = Files.write(dir.resolve("big.csv"), new byte[400_000]);
      Sent sent = aliceSentBob(dir, server, csv);
      Cli bob = sent.bob();
      String token = sent.token();
      server.breakDownloadAfter = 100_000;
      server.stopServerOnDownloadBreak = true;
      Path out = Files.createDirectories(dir.resolve("bob-out"));
      CliRun r = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(8);
      assertThat(server.downloadTakenBeforeStop).as("the server stopped once the client had read what it sent")
          .isTrue();
      assertThat(r.jsonError()).containsEntry("reason", "DOWNLOAD_INTERRUPTED").containsEntry("kind", "unavailable");
      assertThat(r.err()).contains("the server ended the call before it finished")
          .doesNotContain("RST_STREAM").doesNotContain("HTTP/2").doesNotContain("the server failed");
      try (Stream<Path> s = Files.list(out)) {
        assertThat(s).as("nothing visible after a broken download").isEmpty();
      }
      try (Stream<Path> s = Files.list(bob.home().resolve("state/downloads"))) {
        Path spool = s.filter(p -> p.toString().endsWith(".sealed")).findFirst().orElseThrow();
        // the server stops abruptly, but only once the client has read what it sent (stopped at a fixed time, a busy
        // CI machine had read 32 KiB of the 100 KB, or none); whatever arrived is kept, and it is the envelope's
        // prefix (below)
        assertThat(Files.size(spool)).as("what arrived is kept, re-created from the plaintext opened so far")
            .isPositive();
        assertThat(Files.readString(spool, StandardCharsets.ISO_8859_1)).doesNotContain("PLAINTEXT-MARKER");
        byte[] envelope = server.stored();
        assertThat(Arrays.mismatch(Files.readAllBytes(spool), Arrays.copyOf(envelope, (int) Files.size(spool))))
            .as("the spool is the envelope's first bytes: first byte that differs").isEqualTo(-1);
      }
    }
  }

  /**
   * Review BJ: an identity revoked between the download's last byte and its confirmation was told to run the command
   * again, which was refused the same way each time, and that the claim stayed its own; the revocation had counted the
   * download as delivered. It is told so, and nothing of the receive is kept.
   */
  @Test
  void aConfirmationRefusedForTheIdentitysRevocationIsNotToldToRunAgain() throws Exception {
    Path dir = Files.createDirectories(root.resolve("confirm-revoked"));
    try (FakeServer server = devServer()) {
      Path csv = Files.writeString(dir.resolve("list.csv"), "id,name\n1,ACME\n");
      Sent sent = aliceSentBob(dir, server, csv);
      server.confirmRefusal = "CERTIFICATE_REVOKED";
      Path out = Files.createDirectories(dir.resolve("out"));
      CliRun refused = sent.bob().run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(3);
      assertThat((String) refused.jsonError().get("message")).contains("but the server refused to be told it arrived",
          "your identity was revoked by an admin");
      assertThat((String) refused.jsonError().get("hint")).contains("counted this download", "no run can confirm it")
          .doesNotContain("run the same command again");
      assertThat(out.resolve("list.csv")).hasSameBinaryContentAs(csv);
      try (Stream<Path> s = Files.list(sent.bob().home().resolve("state/downloads"))) {
        assertThat(s.filter(p -> p.toString().endsWith(".properties"))).as("nothing kept to re-run").isEmpty();
      }
    }
  }

  @Test
  void aLostConfirmationIsSentOnRerunWithoutDownloadingAgain() throws Exception {
    Path dir = Files.createDirectories(root.resolve("confirm"));
    try (FakeServer server = devServer()) {
      Path csv = Files.writeString(dir.resolve("list.csv"), "id,name\n1,ACME\n");
      Sent sent = aliceSentBob(dir, server, csv);
      Cli bob = sent.bob();
      String token = sent.token();
      server.failNextConfirm = true;
      Path out = Files.createDirectories(dir.resolve("out"));
      // given as a relative -o: a re-run from another working folder must still find the file it wrote
      String relative = Path.of("").toAbsolutePath().relativize(out).toString();
      CliRun lost = bob.run("--json", "receive", token, "-o", relative).assertExit(8);
      try (Stream<Path> s = Files.list(bob.home().resolve("state/downloads"))) {
        Path state = s.filter(p -> p.toString().endsWith(".properties")).findFirst().orElseThrow();
        assertThat(Path.of(StateFile.load(state).orElseThrow().get("opened_path").orElseThrow())).isAbsolute();
      }
      assertThat(out.resolve("list.csv")).hasSameBinaryContentAs(csv);
      // a script that trusts the exit status must be told the file is there, and that a re-run only confirms
      assertThat((String) lost.jsonError().get("message")).startsWith("the file was verified and written to "
          + out.resolve("list.csv").toAbsolutePath().normalize() + ", but the server could not be told it arrived, so the download may not count"
          + " yet: ");
      assertThat((String) lost.jsonError().get("hint")).startsWith("run the same command again: it confirms the"
          + " download without downloading again");
      // and without parsing the message (round BH): the file it wrote, as its own member
      assertThat(lost.jsonError()).containsEntry("path", out.resolve("list.csv").toAbsolutePath().normalize()
          .toString());
      CliRun again = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
      assertThat(again.err()).contains("already verified and written; confirming");
      assertThat(again.json()).containsEntry("file_name", "list.csv").containsEntry("sender", "alice");
      assertThat(server.consumed).isTrue();
      assertThat(server.redeems.get()).isEqualTo(1);
      assertThat(server.downloadStartOffsets).hasSize(1);
    }
  }

  /**
   * Round CE: a download whose every byte arrived and verified, but whose stream did not end cleanly (broken here; a
   * server that falls silent instead ends it as stalled), exited 8 saying only that the download broke, with the file
   * not yet in place (the reader waited for the stream's end), and the re-run downloaded nothing and only confirmed. The
   * reader ends at the announced size now, the file is put in place, and it is confirmed at once, saying why.
   */
  @Test
  void aDownloadThatEndsBadlyAfterItsLastByteIsConfirmedAtOnce() throws Exception {
    Path dir = Files.createDirectories(root.resolve("ended-badly"));
    try (FakeServer server = devServer()) {
      Path csv = Files.write(dir.resolve("list.csv"), new byte[50_000]);
      Sent sent = aliceSentBob(dir, server, csv);
      server.breakDownloadAfter = server.stored().length;
      Path out = Files.createDirectories(dir.resolve("out"));
      CliRun broke = sent.bob().run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(0);
      assertThat(broke.err()).contains("every byte arrived and the file verified, though the download did not end"
          + " cleanly (").contains("); confirming it");
      assertThat(out.resolve("list.csv")).hasSameBinaryContentAs(csv);
      assertThat(server.consumed).isTrue();
      assertThat(server.downloadStartOffsets).hasSize(1);
    }
  }

  /**
   * A run stopped right after it put the verified file in place, before it recorded so (round BH: one Ctrl-C in four at
   * the very end said "nothing was kept", and the re-run refused its own file as FILE_EXISTS): the state written just
   * before the file was published names it and its identity, so the re-run only confirms. A file of that name that is
   * not the one published (another identity; or the received file replaced by another, round BI) is never taken for it,
   * nor confirmed on.
   */
  @Test
  void aRunStoppedBetweenPublishingTheFileAndRecordingItOnlyConfirmsOnRerun() throws Exception {
    for (String mode : new String[] {"placed", "another-identity", "replaced"}) {
      Path dir = Files.createDirectories(root.resolve("placed-" + mode));
      try (FakeServer server = devServer()) {
        Path csv = Files.writeString(dir.resolve("list.csv"), "id,name\n1,ACME\n");
        Sent sent = aliceSentBob(dir, server, csv);
        Cli bob = sent.bob();
        server.failNextConfirm = true;
        Path out = Files.createDirectories(dir.resolve("out"));
        bob.run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(8);
        Path state;
        try (Stream<Path> s = Files.list(bob.home().resolve("state/downloads"))) {
          state = s.filter(f -> f.toString().endsWith(".properties")).findFirst().orElseThrow();
        }
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(state)) {
          p.load(r);
        }
        Path received = out.resolve("list.csv");
        assertThat(p.getProperty("placing_path")).isEqualTo(received.toAbsolutePath().normalize().toString());
        assertThat(p.getProperty("placing_identity")).contains("size=" + Files.size(csv));
        assertThat(p.getProperty("opened_identity")).isEqualTo(p.getProperty("placing_identity"));
        byte[] expected = Files.readAllBytes(csv);
        switch (mode) {
          case "placed" -> p.remove("opened_path"); // as a run stopped between publishing and recording left it
          case "another-identity" -> {
            p.remove("opened_path");
            p.setProperty("placing_identity", "(dev=0,ino=0) size=1 mtime=1"); // not the file that run published
          }
          default -> {
            // the received file deleted and another put under its name
            Files.delete(received);
            expected = "id,name\n2,NOT THE SENDER'S\n".getBytes(StandardCharsets.UTF_8);
            Files.write(received, expected);
          }
        }
        try (java.io.Writer w = Files.newBufferedWriter(state)) {
          p.store(w, null);
        }
        // stopped while it linked the file into place: its temporary name is still there, the same file
        Path leftover = out.resolve(ReceiveCommand.partialPrefix(state) + "1234.part");
        Files.createLink(leftover, received);
        int downloads = server.downloadStartOffsets.size();
        CliRun again = bob.run("--json", "receive", sent.token(), "-o", out.toString());
        if (mode.equals("placed")) {
          again.assertExit(0);
          assertThat(leftover).as("the temporary name is removed, the file kept").doesNotExist();
          assertThat(again.err()).contains("already verified and written; confirming");
          assertThat(server.consumed).isTrue();
          assertThat(server.downloadStartOffsets).as("not downloaded again").hasSize(downloads);
        } else {
          again.assertExit(2);
          assertThat(again.jsonError()).as(mode).containsEntry("reason", "FILE_EXISTS");
          assertThat(server.consumed).as(mode + ": never confirmed on a file that is not the one received").isFalse();

        }
        assertThat(received).hasBinaryContent(expected);
      }
    }
  }

  /**
   * Review BH: a receive that wrote the file but could not confirm it, whose file was then replaced: the re-run, refused
   * FILE_EXISTS before the file had arrived again, said a lapse of the claim would use nothing up, though the earlier
   * run had been sent the whole file (the lapse then counts a download).
   */
  @Test
  void aRerunRefusedForAReplacedFileSaysTheEarlierRunWasSentTheWholeFile() throws Exception {
    Path dir = Files.createDirectories(root.resolve("replaced-large"));
    try (FakeServer server = devServer()) {
      Path csv = Files.write(dir.resolve("big.csv"), new byte[2_000_000]);
      Sent sent = aliceSentBob(dir, server, csv);
      server.failNextConfirm = true;
      Path out = Files.createDirectories(dir.resolve("out"));
      sent.bob().run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(8);
      Files.delete(out.resolve("big.csv"));
      Files.writeString(out.resolve("big.csv"), "another file\n");
      CliRun again = sent.bob().run("--json", "receive", sent.token(), "-o", out.toString()).assertExit(2);
      assertThat(again.jsonError()).containsEntry("reason", "FILE_EXISTS");
      assertThat((String) again.jsonError().get("hint")).contains("the server had already sent the whole file, so if"
          + " the claim lapses, it counts as one of the grant's downloads").doesNotContain("nothing was used up");
    }
  }

  @Test
  void aDownloadTheServerCountedBeforeTheConfirmationIsReceivedAndARefusedOneLeavesNoStateBehind() throws Exception {
    Path dir = Files.createDirectories(root.resolve("counted"));
    try (FakeServer server = devServer()) {
      Path csv = Files.writeString(dir.resolve("list.csv"), "id,name\n1,ACME\n");
      Sent sent = aliceSentBob(dir, server, csv);
      Cli bob = sent.bob();
      String token = sent.token();

      // the owner revoked after every byte was served, or the window passed: the server counted it
      server.confirmRefusal = "GRANT_CONSUMED";
      Path out = Files.createDirectories(dir.resolve("out"));
      CliRun counted = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
      assertThat(counted.err()).contains("the server had already counted this download");
      assertThat(counted.json()).containsEntry("file_name", "list.csv").containsEntry("sender", "alice");
      assertThat(out.resolve("list.csv")).hasSameBinaryContentAs(csv);
      try (Stream<Path> left = Files.list(bob.home().resolve("state/downloads"))) {
        assertThat(left).as("no state or spool left").isEmpty();
      }

      // any other refusal of the confirmation is reported, and nothing is left to resume
      server.consumed = false;
      server.confirmRefusal = "GRANT_REVOKED";
      Path out2 = Files.createDirectories(dir.resolve("out2"));
      CliRun revoked = bob.run("--json", "receive", token, "-o", out2.toString()).assertExit(4);
      assertThat(revoked.jsonError()).containsEntry("reason", "GRANT_REVOKED");
      assertThat((String) revoked.jsonError().get("hint")).contains("the grant was revoked or its file purged");
      try (Stream<Path> left = Files.list(bob.home().resolve("state/downloads"))) {
        assertThat(left).as("no state or spool left").isEmpty();
      }

      // the server's own record not matching what arrived is not told as a revocation (round CE)
      server.confirmRefusal = "FINGERPRINT_MISMATCH";
      Path out3 = Files.createDirectories(dir.resolve("out3"));
      CliRun mismatch = bob.run("--json", "receive", token, "-o", out3.toString()).assertExit(4);
      assertThat(mismatch.jsonError()).containsEntry("reason", "FINGERPRINT_MISMATCH");
      assertThat((String) mismatch.jsonError().get("hint")).contains("tell the server's operator")
          .doesNotContain("revoked");
    }
  }

  @Test
  void aGrantRevokedWhileItDownloadsLeavesNoStateOrSpoolBehind() throws Exception {
    Path dir = Files.createDirectories(root.resolve("revoked-mid"));
    try (FakeServer server = devServer()) {
      Path csv = dir.resolve("big.csv");
      Files.writeString(csv, "row,PLAINTEXT-MARKER\n".repeat(40_000));
      Sent sent = aliceSentBob(dir, server, csv);
      Cli bob = sent.bob();
      String token = sent.token();
      // the owner (or an admin) revokes while bob downloads: the server ends the stream with the grant's state
      server.breakDownloadAfter = 100_000;
      server.breakDownloadReason = "GRANT_REVOKED";
      Path out = Files.createDirectories(dir.resolve("out"));
      CliRun r = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(4);
      assertThat(r.jsonError()).containsEntry("reason", "GRANT_REVOKED");
      try (Stream<Path> s = Files.list(out)) {
        assertThat(s).isEmpty();
      }
      try (Stream<Path> left = Files.list(bob.home().resolve("state/downloads"))) {
        assertThat(left).as("the dead claim's id and its ciphertext spool are not kept").isEmpty();
      }
    }
  }

  @Test
  void aGrantRevokedBeforeAResumeIsToldAsRevokedWithoutRedeemingAgain() throws Exception {
    Path dir = Files.createDirectories(root.resolve("revoked-resume"));
    try (FakeServer server = devServer()) {
      Path csv = dir.resolve("big.csv");
      Files.writeString(csv, "row,PLAINTEXT-MARKER\n".repeat(40_000));
      Sent sent = aliceSentBob(dir, server, csv);
      Cli bob = sent.bob();
      String token = sent.token();
      Path out = Files.createDirectories(dir.resolve("out"));
      server.breakDownloadAfter = 100_000;
      bob.run("--json", "receive", token, "-o", out.toString()).assertExit(8);
      // revoked while bob was away: the resumed download is refused with the grant's state, not CLAIM_CLOSED,
      // so there is no claim to make anew; saying "the earlier claim lapsed" and redeeming again would be wrong
      server.breakDownloadAfter = 0;
      server.breakDownloadReason = "GRANT_REVOKED";
      CliRun r = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(4);
      assertThat(r.jsonError()).containsEntry("reason", "GRANT_REVOKED");
      assertThat(r.err()).doesNotContain("lapsed").doesNotContain("redeeming");
      assertThat(server.redeems.get()).as("not redeemed again").isEqualTo(1);
      try (Stream<Path> s = Files.list(out)) {
        assertThat(s).isEmpty();
      }
      try (Stream<Path> left = Files.list(bob.home().resolve("state/downloads"))) {
        assertThat(left).isEmpty();
      }
    }
  }

  @Test
  void aServerCertificateFromAnotherCaIsRefusedWithExit3() throws Exception {
    Path dir = Files.createDirectories(root.resolve("foreign-server"));
    IssuedCert evil = pki.issue(new CertSpec("evil-server", Eku.SERVER_AUTH, java.time.Instant.now().minusSeconds(3600),
        java.time.Instant.now().plusSeconds(86400), true));
    try (FakeServer server = FakeServer.start(evil.certFile(), evil.keyFile(), pki.caCertFile())) {
      Cli bob = Users.init(pki, dir, "bob", server.address());
      CliRun r = bob.run("--json", "inbox").assertExit(3);
      assertThat(r.jsonError()).containsEntry("kind", "auth").containsEntry("reason", "TLS_REFUSED");
      assertThat(r.err()).startsWith("sealdrop: error: TLS handshake failed");
    }
  }

  @Test
  void aClientCertificateTheServerDoesNotTrustIsExit3() throws Exception {
    Path dir = Files.createDirectories(root.resolve("foreign-client"));
    try (FakeServer server = devServer()) {
      // mallory's certificate comes from the foreign CA; she trusts the real CA for the server
      Cli mallory = Users.user(dir, "mallory");
      mallory.run("init", "--server", server.address(), "--cert", pki.certFile("mallory").toString(), "--key",
          pki.keyFile("mallory").toString(), "--ca", pki.foreignCaCertFile().toString()).assertExit(0);
      Files.copy(pki.caCertFile(), mallory.home().resolve("tls/ca.crt"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      CliRun r = mallory.run("--json", "inbox");
      assertThat(r.exit()).as(r.err()).isEqualTo(3);
      assertThat(r.jsonError()).containsEntry("kind", "auth");
    }
  }

  /**
   * An Ed25519 client certificate from the right CA: a server on BoringSSL never asks for an Ed25519 signature, so
   * the JDK client sends no certificate and the server answers certificate_required. The hint names the key type as
   * the other cause, not only the CA. ({@code init} and {@code keys renew} refuse such a certificate, see
   * InitCertificateChoiceTest; a profile made before they did, or one whose files were replaced by hand, holds one.)
   */
  @Test
  void anEd25519ClientCertificateRefusedByABoringSslServerIsHintedAtByItsKeyType() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable(),
        "netty-tcnative (BoringSSL) does not load here; the JDK's TLS accepts Ed25519 client certificates");
    Path dir = Files.createDirectories(root.resolve("ed25519-client"));
    pki.issue(CertSpec.client("erin"));
    try (FakeServer server = devServer()) {
      Cli erin = Users.user(dir, "erin");
      erin.run("init", "--server", server.address(), "--cert", pki.certFile("erin").toString(), "--key",
          pki.keyFile("erin").toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
      pki.issue(CertSpec.client("erin").withKeyAlgorithm("Ed25519"));
      Files.copy(pki.certFile("erin"), erin.home().resolve("tls/client.crt"), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(pki.keyFile("erin"), erin.home().resolve("tls/client.key"), StandardCopyOption.REPLACE_EXISTING);
      CliRun r = erin.run("--json", "inbox").assertExit(3);
      assertThat(r.jsonError()).containsEntry("reason", "CERTIFICATE_UNTRUSTED")
          .satisfies(e -> assertThat((String) e.get("message")).contains("key is of a type"))
          .satisfies(e -> assertThat((String) e.get("hint")).contains("Ed25519").contains("ECDSA P-256"));
    }
  }

  @Test
  void theClientSpeaksOnlyTls13() throws Exception {
    Path dir = Files.createDirectories(root.resolve("tls-versions"));
    try (FakeServer server = devServer()) {
      Cli bob = Users.init(pki, dir, "bob", server.address());
      bob.run("--json", "inbox").assertExit(0);
      assertThat(server.protocols).isNotEmpty().allMatch("TLSv1.3"::equals);
    }
    try (FakeServer old = FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile(),
        "TLSv1.2")) {
      Cli dave = Users.init(pki, dir, "dave", old.address());
      CliRun r = dave.run("--json", "inbox").assertExit(3);
      assertThat(r.jsonError()).containsEntry("reason", "TLS_REFUSED");
      assertThat(old.protocols).isEmpty();
    }
  }

  @Test
  void openSslIsUsedWhereTcnativeLoads() {
    assertThat(dev.sealdrop.client.net.ChannelFactory.provider()).isEqualTo(io.netty.handler.ssl.SslProvider.OPENSSL);
  }

  @Test
  void noServerListeningIsExit8() throws Exception {
    Path dir = Files.createDirectories(root.resolve("down"));
    Cli bob = Users.init(pki, dir, "bob", "127.0.0.1:1");
    CliRun r = bob.run("--json", "inbox").assertExit(8);
    assertThat(r.jsonError()).containsEntry("kind", "unavailable").containsEntry("reason", "SERVER_UNAVAILABLE");
    assertThat(r.err()).contains("sealdrop: hint: check the address");
    Map<String, Object> e = r.jsonError();
    assertThat(e).containsEntry("exit_code", 8L);
  }
}

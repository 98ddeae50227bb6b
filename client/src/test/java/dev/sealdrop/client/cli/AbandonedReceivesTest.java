package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.net.StateFile;
import dev.sealdrop.client.net.TransferLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receive that was never run again left its claim id, its ciphertext spool and, if it was killed, temporary
 * plaintext in its output folder, for ever (found by an outside test). The next receive removes them once the claim
 * ended over a day ago; a running receive's files, a recent claim's, and this run's own are kept.
 */
class AbandonedReceivesTest {
  @TempDir
  Path root;

  private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");

  private Path receive(Path downloads, Path out, String token, Instant claimEnds) throws Exception {
    Path state = StateFile.nameFor(downloads, ".properties", "127.0.0.1:8443", token);
    StateFile.create(state).set("claim_id", "sdc_x").set(ReceiveCommand.CLAIM_ENDS,
        Long.toString(claimEnds.toEpochMilli())).set(ReceiveCommand.PART_FOLDER, out.toString()).save();
    Files.write(ReceiveCommand.spoolOf(state), new byte[] {1, 2, 3});
    // last written before its claim's end known from the redeem, as a download that stopped
    Files.setLastModifiedTime(ReceiveCommand.spoolOf(state), java.nio.file.attribute.FileTime.from(claimEnds.minus(
        Duration.ofMinutes(30))));
    Files.writeString(out.resolve(ReceiveCommand.partialPrefix(state) + "123.part"), "plaintext");
    return state;
  }

  @Test
  void whatAReceiveWhoseClaimEndedOverADayAgoLeftIsRemovedAndNothingElse() throws Exception {
    Path downloads = Files.createDirectories(root.resolve("profile/state/downloads"));
    Path out = Files.createDirectories(root.resolve("out"));
    Files.writeString(out.resolve("ledger.csv"), "a finished file");
    Path old = receive(downloads, out, "sdg_old", NOW.minus(Duration.ofDays(2)));
    Path recent = receive(downloads, out, "sdg_recent", NOW.minus(Duration.ofHours(2)));
    Path running = receive(downloads, out, "sdg_running", NOW.minus(Duration.ofDays(3)));
    Path mine = receive(downloads, out, "sdg_mine", NOW.minus(Duration.ofDays(3)));
    Path noEnd = StateFile.nameFor(downloads, ".properties", "127.0.0.1:8443", "sdg_noend");
    StateFile.create(noEnd).set("claim_id", "sdc_y").save();

    int removed;
    try (TransferLock held = TransferLock.tryAcquire(running).orElseThrow()) {
      removed = AbandonedReceives.remove(downloads, NOW, mine);
    }

    assertThat(removed).isEqualTo(1);
    assertThat(old).doesNotExist();
    assertThat(ReceiveCommand.spoolOf(old)).doesNotExist();
    assertThat(Files.list(out).map(p -> p.getFileName().toString()))
        .noneMatch(n -> n.startsWith(ReceiveCommand.partialPrefix(old)))
        .anyMatch(n -> n.startsWith(ReceiveCommand.partialPrefix(recent)))
        .anyMatch(n -> n.startsWith(ReceiveCommand.partialPrefix(running)))
        .anyMatch(n -> n.startsWith(ReceiveCommand.partialPrefix(mine)))
        .contains("ledger.csv");
    for (Path kept : new Path[] {recent, running, mine}) {
      assertThat(kept).exists();
      assertThat(ReceiveCommand.spoolOf(kept)).exists();
    }
    assertThat(noEnd).exists();
  }

  /**
   * Review BA: the server extends a claim while it serves its download, so a spool written after the claim's end known
   * from the redeem belongs to a claim that may still stand; it was deleted a day after that end.
   */
  @Test
  void aSpoolWrittenToAfterItsClaimsKnownEndIsKeptADayFromThatWrite() throws Exception {
    Path downloads = Files.createDirectories(root.resolve("profile/state/downloads"));
    Path out = Files.createDirectories(root.resolve("out"));
    Path served = receive(downloads, out, "sdg_served", NOW.minus(Duration.ofDays(2)));
    Files.setLastModifiedTime(ReceiveCommand.spoolOf(served), java.nio.file.attribute.FileTime.from(NOW.minus(
        Duration.ofHours(3))));
    Path mine = StateFile.nameFor(downloads, ".properties", "127.0.0.1:8443", "sdg_mine");

    assertThat(AbandonedReceives.remove(downloads, NOW, mine)).isZero();
    assertThat(ReceiveCommand.spoolOf(served)).exists();
    assertThat(AbandonedReceives.remove(downloads, NOW.plus(Duration.ofDays(1)), mine)).isEqualTo(1);
    assertThat(ReceiveCommand.spoolOf(served)).doesNotExist();
  }

  /** Review BA: the hints named a claim's end known from the redeem after it had passed; the server may have extended it. */
  @Test
  void aClaimsKnownEndThatHasPassedIsNotGivenAsWhenItEnds() {
    long end = NOW.plus(Duration.ofMinutes(10)).toEpochMilli();
    assertThat(ReceiveCommand.keptUntil(end, NOW)).isEqualTo("until 2026-12-03T12:10:00Z");
    assertThat(ReceiveCommand.keptUntil(end, NOW.plus(Duration.ofHours(1)))).startsWith("for the server's claim window"
        + " after the download last made progress (it was to end at 2026-12-03T12:10:00Z");
    assertThat(ReceiveCommand.keptUntil(0, NOW)).isEqualTo("for the server's claim window");
  }

  /** A run stopped after it kept its redeem key but before it kept a claim leaves a state that holds only the key. */
  @Test
  void aStateThatHoldsOnlyARedeemKeyIsRemovedThirtyDaysAfterTheKeyWasLastSent() throws Exception {
    Path downloads = Files.createDirectories(root.resolve("profile/state/downloads"));
    Path old = StateFile.nameFor(downloads, ".properties", "127.0.0.1:8443", "sdg_keyold");
    StateFile.create(old).set(ReceiveCommand.REDEEM_KEY, "sdr_" + "a".repeat(43)).set(ReceiveCommand.REDEEM_KEY_MADE,
        Long.toString(NOW.minus(Duration.ofDays(31)).toEpochMilli())).save();
    // review BQ: a server's claim window may be longer than a day, and a claim made with the key is open that long
    Path recent = StateFile.nameFor(downloads, ".properties", "127.0.0.1:8443", "sdg_keynew");
    StateFile.create(recent).set(ReceiveCommand.REDEEM_KEY, "sdr_" + "b".repeat(43))
        .set(ReceiveCommand.REDEEM_KEY_MADE, Long.toString(NOW.minus(Duration.ofDays(3)).toEpochMilli())).save();

    assertThat(AbandonedReceives.remove(downloads, NOW, downloads.resolve("other.properties"))).isEqualTo(1);
    assertThat(old).doesNotExist();
    assertThat(recent).exists();
  }

  /**
   * Review EM: the temporary file's prefix was the state file's name, the same in every profile, so that a second
   * profile's receive of the same token into the same folder deleted a running one's file. The prefix is the profile's.
   */
  @Test
  void theTemporaryFilePrefixIsThisProfilesOwn() throws Exception {
    Path one = StateFile.nameFor(Files.createDirectories(root.resolve("bob1/state/downloads")), ".properties",
        "127.0.0.1:8443", "sdg_same");
    Path two = StateFile.nameFor(Files.createDirectories(root.resolve("bob2/state/downloads")), ".properties",
        "127.0.0.1:8443", "sdg_same");
    assertThat(one.getFileName()).isEqualTo(two.getFileName());
    assertThat(ReceiveCommand.partialPrefix(one)).isNotEqualTo(ReceiveCommand.partialPrefix(two))
        .isEqualTo(ReceiveCommand.partialPrefix(root.resolve("bob1/state/downloads/../downloads")
            .resolve(one.getFileName())));
  }
}

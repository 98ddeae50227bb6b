package dev.sealdrop.client.cli;

import dev.sealdrop.client.net.StateFile;
import dev.sealdrop.client.net.TransferLock;
import dev.sealdrop.envelope.Envelope;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What receives that were never run again left behind, removed by the next {@code receive} with the same profile: a
 * state file whose claim ended more than {@link #GRACE} ago, its ciphertext spool, and the temporary plaintext a
 * killed run left in its output folder. Once the claim has ended, none of it can be resumed (a re-run redeems the grant
 * anew), and the plaintext must not stay on disk. A receive that is running holds its transfer's lock and is left
 * alone; so is a state file that names no claim end.
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "paths in the user's own profile and its state files")
final class AbandonedReceives {
  /** How long after its claim ended an abandoned receive's files stay (a re-run in that time says what happened). */
  static final Duration GRACE = Duration.ofDays(1);
  /**
   * How long after its key was last sent a state that holds only a redeem key stays: a claim made with the key lapses
   * after the server's claim window, which the client does not learn before the redeem's answer, and an operator may set
   * it above a day (review BQ: a key removed while its claim was open left the re-run refused GRANT_CLAIMED). The state
   * is a few bytes and holds no plaintext; a key kept after its claim lapsed redeems the grant anew, as no key would.
   */
  static final Duration KEY_ONLY_GRACE = Duration.ofDays(30);

  private AbandonedReceives() {}

  /**
   * Removes what the receives in {@code downloads} whose claims ended before {@code now - GRACE} left, except this
   * run's own ({@code current}: its re-run says what became of its claim).
   */
  static int remove(Path downloads, Instant now, Path current) {
    int removed = 0;
    try (DirectoryStream<Path> states = Files.newDirectoryStream(downloads, "*.properties")) {
      for (Path state : states) {
        if (state.getFileName().equals(current.getFileName())) {
          continue;
        }
        try {
          if (removeIfAbandoned(state, now)) {
            removed++;
          }
        } catch (IOException | RuntimeException e) {
          // best effort: a file this run cannot read or delete is left for a later one
        }
      }
    } catch (IOException e) {
      return removed;
    }
    return removed;
  }

  /** When {@code file} was last written, in epoch milliseconds; 0 if it is not there. */
  private static long lastWritten(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static boolean removeIfAbandoned(Path state, Instant now) throws IOException {
    Optional<StateFile> s = StateFile.load(state);
    Optional<Long> claimEnds = s.flatMap(f -> f.get(ReceiveCommand.CLAIM_ENDS)).map(Long::parseLong);
    // a state that holds only a redeem key (its run stopped before it kept a claim): from when its key was last sent
    long end = claimEnds.or(() -> s.flatMap(f -> f.get(ReceiveCommand.REDEEM_KEY_MADE)).map(Long::parseLong))
        .orElse(0L);
    Duration grace = claimEnds.isPresent() ? GRACE : KEY_ONLY_GRACE;
    if (claimEnds.isPresent()) {
      // the server extends a claim while it serves its download, which the stored end (from the redeem) does not know:
      // a spool written to since is of a claim that may still stand (review BA: a download served for over a day, then
      // broken, had its spool deleted by another receive while its claim was open)
      end = Math.max(end, lastWritten(ReceiveCommand.spoolOf(state)));
    }
    if (end <= 0 || !Instant.ofEpochMilli(end).plus(grace).isBefore(now)) {
      return false;
    }
    Optional<TransferLock> lock = TransferLock.tryAcquire(state);
    if (lock.isEmpty()) {
      return false; // a receive of that grant is running
    }
    try (TransferLock held = lock.get()) {
      Optional<Path> folder = s.get().get(ReceiveCommand.PART_FOLDER).map(Path::of);
      if (folder.isPresent() && Files.isDirectory(folder.get())) {
        PartialFileGuard.removeStale(folder.get(), ReceiveCommand.partialPrefix(state));
      }
      Path spool = ReceiveCommand.spoolOf(state);
      Envelope.removeResumeLeftovers(spool);
      Files.deleteIfExists(spool);
      Files.deleteIfExists(state);
      return true;
    }
  }
}

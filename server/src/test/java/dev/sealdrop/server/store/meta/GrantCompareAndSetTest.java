package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.grant.ClaimState;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantRepository;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.Upload;
import dev.sealdrop.server.core.upload.UploadState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The redemption compare-and-set at the store level, without the core's pre-checks: 50 threads
 * each with their own claim race on one grant through two separate connection pools (as two
 * server nodes sharing one database would); exactly one UPDATE wins. Also: expiry and recipient
 * are part of the WHERE clause.
 */
class GrantCompareAndSetTest {
  @TempDir
  Path dir;

  private Grant seed(Database db, Instant now) {
    return seed(db, now, "alice");
  }

  /** A file of {@code owner}'s and a one-time grant of it to bob, active for an hour from {@code now}. */
  static Grant seed(Database db, Instant now, String owner) {
    Enrolled.identities(db, owner, "bob", "dave");
    JdbcUploadRepository uploads = new JdbcUploadRepository(db);
    uploads.createWithin(new Upload("up_" + "1".repeat(32), owner, UploadState.OPEN, 0, 0, now, now, null, true), 1,
        Enrolled.credential(owner));
    uploads.commit("up_" + "1".repeat(32),
        new StoredFile("f_" + "1".repeat(32), owner, 10, "ab".repeat(32), List.of(), now), now,
        Enrolled.credential(owner));
    Grant g = new Grant("g_" + "1".repeat(32), "f_" + "1".repeat(32), owner, "bob", GrantState.ACTIVE, now,
        now.plus(Duration.ofHours(1)), 1, 0, 10, "ab".repeat(32));
    new JdbcGrantRepository(db).create(g, "cd".repeat(32));
    return g;
  }

  @Test
  void fiftyConcurrentClaimsOnTwoNodesExactlyOneWins() throws Exception {
    Path file = dir.resolve("meta.db");
    Instant now = Instant.now();
    try (Database node1 = Database.openSqlite(file); Database node2 = Database.openSqlite(file)) {
      Grant g = seed(node1, now);
      List<JdbcGrantRepository> repos = List.of(new JdbcGrantRepository(node1), new JdbcGrantRepository(node2));
      ExecutorService pool = Executors.newFixedThreadPool(50);
      CountDownLatch go = new CountDownLatch(1);
      try {
        List<Future<Boolean>> wins = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          JdbcGrantRepository repo = repos.get(i % 2);
          String claimHash = String.format("%064x", i);
          wins.add(pool.submit(() -> {
            go.await();
            return repo.claim(g.id(), Enrolled.credential("bob"), now, claimHash, now.plus(Duration.ofMinutes(5)), true);
          }));
        }
        go.countDown();
        int won = 0;
        for (Future<Boolean> w : wins) {
          won += w.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(won).isEqualTo(1);
        assertThat(repos.get(0).find(g.id()).orElseThrow().state()).isEqualTo(GrantState.CLAIMED);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void theClaimChecksRecipientAndExpiryInTheUpdateItself() throws Exception {
    Instant now = Instant.now();
    try (Database db = Database.openSqlite(dir.resolve("meta2.db"))) {
      Grant g = seed(db, now);
      JdbcGrantRepository repo = new JdbcGrantRepository(db);
      assertThat(repo.claim(g.id(), Enrolled.credential("dave"), now, "01".repeat(32), now.plusSeconds(60), true)).isFalse();
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), g.expiresAt(), "02".repeat(32), now.plusSeconds(60), true)).isFalse();
      assertThat(repo.find(g.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "03".repeat(32), now.plusSeconds(60), true)).isTrue();
    }
  }

  @Test
  void theLastByteMarkAndTheReleaseDecideInTheUpdateWhichOneHolds() throws Exception {
    Instant now = Instant.now();
    try (Database db = Database.openSqlite(dir.resolve("meta3.db"))) {
      Grant g = seed(db, now);
      JdbcGrantRepository repo = new JdbcGrantRepository(db);
      Instant window = now.plusSeconds(60);

      // a claim whose window has passed (not yet settled) is not marked served: its last bytes stay back
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "01".repeat(32), window, true)).isTrue();
      assertThat(repo.markServedAll("01".repeat(32), Enrolled.credential("bob"), window, window.plusSeconds(60))).isFalse();
      assertThat(repo.settleExpiredClaims(window, true)).hasSize(1);
      assertThat(repo.findClaim("01".repeat(32)).orElseThrow().state()).isEqualTo(ClaimState.LAPSED);
      assertThat(repo.find(g.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);

      // a released claim is not marked served either, and a second release changes nothing
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "02".repeat(32), window, true)).isTrue();
      assertThat(repo.release("02".repeat(32), now, true).released()).isTrue();
      assertThat(repo.find(g.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);
      assertThat(repo.markServedAll("02".repeat(32), Enrolled.credential("bob"), now, window)).isFalse();
      assertThat(repo.release("02".repeat(32), now, true).released()).isFalse();
      assertThat(repo.findClaim("02".repeat(32)).orElseThrow().state()).isEqualTo(ClaimState.RELEASED);

      // once marked, a claim cannot be released or lapse: it counts when its window passes
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "03".repeat(32), window, true)).isTrue();
      // not while its owner is disabled (review EF: a disable that committed just before counted it as cut)
      JdbcIdentityRepository identities = new JdbcIdentityRepository(db);
      assertThat(identities.setEnabledUnlessRevoked("alice", false, now)).isTrue();
      assertThat(repo.markServedAll("03".repeat(32), Enrolled.credential("bob"), now, window)).isFalse();
      assertThat(identities.setEnabledUnlessRevoked("alice", true, now)).isTrue();
      // nor while its recipient is disabled (review RC: the stream's once-a-second check let the last bytes out after it)
      assertThat(identities.setEnabledUnlessRevoked("bob", false, now)).isTrue();
      assertThat(repo.markServedAll("03".repeat(32), Enrolled.credential("bob"), now, window)).isFalse();
      assertThat(identities.setEnabledUnlessRevoked("bob", true, now)).isTrue();
      // nor by a certificate of the recipient's revoked since (another of its certificates still may)
      dev.sealdrop.server.core.identity.Credential revoked = new dev.sealdrop.server.core.identity.Credential("bob",
          Enrolled.credential("bob").issuer(), "7e57");
      assertThat(identities.revokeCertificateOf("bob", "7e57", now)).isTrue();
      assertThat(repo.markServedAll("03".repeat(32), revoked, now, window)).isFalse();
      assertThat(repo.markServedAll("03".repeat(32), Enrolled.credential("bob"), now, window)).isTrue();
      assertThat(repo.markServedAll("03".repeat(32), Enrolled.credential("bob"), now, window)).isTrue(); // a second session of the claim
      assertThat(repo.release("03".repeat(32), now, true).released()).isFalse();
      assertThat(repo.findClaim("03".repeat(32)).orElseThrow().state()).isEqualTo(ClaimState.OPEN);
      assertThat(repo.settleExpiredClaims(window, true)).hasSize(1);
      assertThat(repo.findClaim("03".repeat(32)).orElseThrow().state()).isEqualTo(ClaimState.COUNTED);
      assertThat(repo.find(g.id()).orElseThrow().state()).isEqualTo(GrantState.CONSUMED);
    }
  }

  /**
   * A claim given back after bytes were handed out on it (released, or lapsed) is an interrupted one: the third of a
   * grant counts as a download, so that all but the last bytes cannot be taken again and again under new claims of a
   * one-time grant. Claims given back before any byte, and those a server restart ended, do not count.
   */
  @Test
  void everyThirdClaimGivenBackAfterBytesWereServedCountsAsADownload() throws Exception {
    Instant now = Instant.now();
    try (Database db = Database.openSqlite(dir.resolve("meta4.db"))) {
      Grant g = seed(db, now);
      JdbcGrantRepository repo = new JdbcGrantRepository(db);
      Instant window = now.plusSeconds(60);
      // given back before any byte: as often as its holder likes
      for (int i = 0; i < 5; i++) {
        String hash = String.format("%064x", 100 + i);
        assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, hash, window, true)).isTrue();
        assertThat(repo.release(hash, now, true)).isEqualTo(GrantRepository.Released.RETURNED);
      }
      // a server restart's release does not count
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "0a".repeat(32), window, false)).isTrue();
      repo.markServing("0a".repeat(32), now);
      assertThat(repo.release("0a".repeat(32), now, false)).isEqualTo(GrantRepository.Released.RETURNED);
      // two interrupted claims give the grant back
      for (String hash : List.of("01".repeat(32), "02".repeat(32))) {
        assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, hash, window, true)).isTrue();
        repo.markServing(hash, now);
        assertThat(repo.release(hash, now, true)).isEqualTo(GrantRepository.Released.INTERRUPTED);
        assertThat(repo.find(g.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);
      }
      // the third, lapsed here, uses the grant's one download up
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "03".repeat(32), window, true)).isTrue();
      repo.markServing("03".repeat(32), now);
      assertThat(repo.settleExpiredClaims(window, true)).singleElement()
          .satisfies(c -> assertThat(c.claim().state()).isEqualTo(ClaimState.COUNTED))
          .satisfies(c -> assertThat(c.interrupted()).isTrue());
      Grant after = repo.find(g.id()).orElseThrow();
      assertThat(after.state()).isEqualTo(GrantState.CONSUMED);
      assertThat(after.downloadsUsed()).isEqualTo(1);
      assertThat(repo.findClaim("03".repeat(32)).orElseThrow().state()).isEqualTo(ClaimState.LAPSED);
    }
  }

  /**
   * A claim made with a redeem key is replaced only by the same recipient with the same key, and only while no byte was
   * handed out on it; once replaced, its first bytes are not recorded as handed out (a chunk checked just before the
   * replacement is refused, not returned).
   */
  /**
   * Review EF: a receive whose redeem's answer was lost near the grant's end redeemed again after it (its claim still
   * live) and was refused, then told GRANT_EXPIRED once that claim lapsed: the file was lost. The claim is replaced,
   * the new one no longer than it.
   */
  @Test
  void aClaimIsReplacedAfterTheGrantExpiredButNoLongerThanItWasOpen() throws Exception {
    Instant now = Instant.now();
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Grant g = seed(db, now); // expires in an hour
      JdbcGrantRepository repo = new JdbcGrantRepository(db);
      String key = "ee".repeat(32);
      Instant redeemed = now.plus(Duration.ofMinutes(58));
      Instant firstEnds = redeemed.plus(Duration.ofMinutes(60));
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), redeemed, "01".repeat(32), firstEnds, true, key))
          .isTrue();
      Instant again = now.plus(Duration.ofMinutes(61)); // the grant expired a minute ago
      assertThat(repo.claimAgain(g.id(), Enrolled.credential("bob"), again, key, "02".repeat(32),
          again.plus(Duration.ofMinutes(60)), true)).hasValueSatisfying(r -> {
            assertThat(r.claimHash()).isEqualTo("01".repeat(32));
            assertThat(r.newClaimExpiresAt()).as("no longer than the replaced claim").isEqualTo(
                firstEnds.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
          });
      assertThat(repo.findClaim("02".repeat(32)).orElseThrow().expiresAt()).isEqualTo(
          firstEnds.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
      assertThat(repo.markServing("02".repeat(32), again)).as("the new claim downloads").isTrue();
    }
  }

  @Test
  void aClaimIsReplacedOnlyWithItsKeyBeforeAnyByteAndThenHandsNothingOut() throws Exception {
    Instant now = Instant.now();
    Instant window = now.plus(Duration.ofMinutes(5));
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Grant g = seed(db, now);
      JdbcGrantRepository repo = new JdbcGrantRepository(db);
      String key = "ee".repeat(32);
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "01".repeat(32), window, true, key)).isTrue();
      assertThat(repo.claimAgain(g.id(), Enrolled.credential("bob"), now, "ef".repeat(32), "02".repeat(32), window,
          true)).as("another key").isEmpty();
      assertThat(repo.claimAgain(g.id(), Enrolled.credential("dave"), now, key, "02".repeat(32), window, true))
          .as("another identity").isEmpty();
      assertThat(repo.claimAgain(g.id(), Enrolled.credential("bob"), window, key, "02".repeat(32),
          window.plusSeconds(60), true)).as("the claim's window passed").isEmpty();
      assertThat(repo.claimAgain(g.id(), Enrolled.credential("bob"), now, key, "02".repeat(32), window, true))
          .map(GrantRepository.Replaced::claimHash).contains("01".repeat(32));
      assertThat(repo.findClaim("01".repeat(32)).orElseThrow().state()).isEqualTo(ClaimState.RELEASED);
      assertThat(repo.markServing("01".repeat(32), now)).as("the replaced claim hands nothing out").isFalse();
      assertThat(repo.find(g.id()).orElseThrow().state()).isEqualTo(GrantState.CLAIMED);

      assertThat(repo.markServing("02".repeat(32), now)).isTrue();
      assertThat(repo.claimAgain(g.id(), Enrolled.credential("bob"), now, key, "03".repeat(32), window, true))
          .as("bytes were handed out on it").isEmpty();
      assertThat(repo.findClaim("02".repeat(32)).orElseThrow().state()).isEqualTo(ClaimState.OPEN);
      assertThat(repo.markServing("02".repeat(32), now)).as("a resumed session of an open claim").isTrue();

      // a claim made without a key is never replaced
      assertThat(repo.release("02".repeat(32), now, false)).isEqualTo(GrantRepository.Released.RETURNED);
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "04".repeat(32), window, true)).isTrue();
      assertThat(repo.claimAgain(g.id(), Enrolled.credential("bob"), now, key, "05".repeat(32), window, true))
          .isEmpty();
    }
  }
}

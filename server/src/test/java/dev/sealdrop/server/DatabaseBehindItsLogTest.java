package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review EI: a {@code sealdrop.db} restored alone from an older backup (the server's refusal of a damaged database said
 * "restore it from a backup") was taken without a word, and the start deleted every file stored since as named by no
 * file. A database behind its audit log by hours is said at WARN, and the stored files it does not name are set aside,
 * as are more than a crash leaves; a crash, however long the server is down after, is neither (reviews EJ, EK: refusing
 * such starts also refused healthy servers, with no way out).
 */
class DatabaseBehindItsLogTest {
  @TempDir Path data;
  @TempDir Path backup;

  private static final List<String> DATABASE_FILES = List.of("sealdrop.db", "sealdrop.db-wal", "sealdrop.db-shm");

  private void copyDatabase(Path from, Path to) throws Exception {
    for (String name : DATABASE_FILES) {
      Files.deleteIfExists(to.resolve(name));
      if (Files.exists(from.resolve(name))) {
        Files.copy(from.resolve(name), to.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  private static String upload(Clients clients, int seed) {
    return Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(2_000, seed), "bob").bytes())
        .getFileId();
  }

  private Path blob(String fileId) throws Exception {
    try (var files = Files.walk(data.resolve("blobs"))) {
      return files.filter(p -> p.getFileName().toString().startsWith(fileId)).findFirst().orElse(null);
    }
  }

  @Test
  void aDatabaseHoursBehindItsLogIsSaidAndTheFilesItDoesNotNameAreSetAside() throws Exception {
    TestServer server = new TestServer(data);
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      upload(clients, 1);
    }
    server.close();
    copyDatabase(data, backup); // a backup of the database alone

    server.start();
    server.clock.advance(Duration.ofDays(2));
    String later;
    try (Clients clients = server.clients()) {
      later = upload(clients, 2);
    }
    server.close();
    assertThat(blob(later)).isNotNull();

    copyDatabase(backup, data); // restored alone
    // review EL: a start cut before it set the files aside (here: something in the way of blobs/unnamed) keeps the
    // finding for the next one, which sets them aside and does not delete them
    Path inTheWay = Files.writeString(data.resolve("blobs").resolve("unnamed"), "in the way");
    org.assertj.core.api.Assertions.assertThatThrownBy(server::start).isNotNull();
    Files.delete(inTheWay);
    try (dev.sealdrop.server.testing.CapturedLog log = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
      server.start();
      assertThat(log.messages()).anySatisfy(m -> assertThat(m).contains("the database (sealdrop.db) looks older than"
          + " the audit log").contains("restore the whole data folder from one backup"));
      // and no transfer runs until an admin has looked: locked down by the server, and recorded
      assertLockedDownAsBehind(server);
    } finally {
      server.close();
    }
    assertSetAside(later);
  }

  /**
   * Review BB: restored alone minutes back, after a clean stop, the database was taken for one a crash left behind (the
   * log's records past its checkpoint spanned less than an hour), and the start deleted the file stored since as a
   * purge the crash cut. A clean stop keeps the log's last checkpoint in the database, so any record past it says the
   * database is behind; a clean restart finds none.
   */
  @Test
  void aDatabaseMinutesBehindAfterACleanStopIsSaidAndTheFileStoredSinceIsSetAside() throws Exception {
    TestServer server = new TestServer(data);
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      upload(clients, 3);
    }
    server.close();
    copyDatabase(data, backup); // a backup of the database alone, the server stopped

    String later;
    try (dev.sealdrop.server.testing.CapturedLog log = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
      server.start();
      assertThat(log.messages()).as("a clean restart").noneSatisfy(m -> assertThat(m).contains("looks older than"));
    }
    server.clock.advance(Duration.ofMinutes(3));
    try (Clients clients = server.clients()) {
      later = upload(clients, 4);
    }
    server.close();

    copyDatabase(backup, data); // restored alone, three minutes back
    // review RD: a start cut before it set the files aside leaves a log whose last run did not stop cleanly; the next
    // start keeps taking the database as behind while the lockdown the first one made stands
    Path inTheWay = Files.writeString(data.resolve("blobs").resolve("unnamed"), "in the way");
    try (dev.sealdrop.server.testing.CapturedLog log = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(server::start).isNotNull();
      assertThat(log.messages()).anySatisfy(m -> assertThat(m).contains("the database (sealdrop.db) looks older than"
          + " the audit log").contains("stopped cleanly after them"));
    }
    Files.delete(inTheWay);
    try (dev.sealdrop.server.testing.CapturedLog log = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
      server.start();
      assertThat(log.messages()).anySatisfy(m -> assertThat(m).contains("stored files that the database does not name"
          + " were set aside"));
      assertThat(log.messages()).noneSatisfy(m -> assertThat(m).contains("deleting blob"));
      assertLockedDownAsBehind(server);
    } finally {
      server.close();
    }
    assertSetAside(later);
  }

  /**
   * Review RG: a backup taken during an admin's lockdown restores that lockdown with the database; a start that found
   * the database minutes behind then made no lockdown of its own, and when it was cut before it set the files aside,
   * the next start deleted the file stored since. The finding is kept in the data folder until it is acted on.
   */
  @Test
  void aFindingCutShortIsKeptForTheNextStartThoughAnAdminsLockdownWasOn() throws Exception {
    TestServer server = new TestServer(data);
    try (Clients clients = server.clients(); dev.sealdrop.server.testing.AdminClients admins =
        new dev.sealdrop.server.testing.AdminClients(server)) {
      Users.publish(clients, server.pki, "alice");
      admins.admin("carol").setLockdown(dev.sealdrop.protocol.v1.SetLockdownRequest.newBuilder().setOn(true)
          .setReason("maintenance").build());
    }
    server.close();
    copyDatabase(data, backup); // the database alone, with the lockdown on

    server.start();
    String later;
    try (Clients clients = server.clients(); dev.sealdrop.server.testing.AdminClients admins =
        new dev.sealdrop.server.testing.AdminClients(server)) {
      admins.admin("carol").setLockdown(dev.sealdrop.protocol.v1.SetLockdownRequest.newBuilder().setOn(false).build());
      later = upload(clients, 6);
    }
    server.close();

    copyDatabase(backup, data); // restored alone, minutes back, with carol's lockdown
    Path inTheWay = Files.writeString(data.resolve("blobs").resolve("unnamed"), "in the way");
    org.assertj.core.api.Assertions.assertThatThrownBy(server::start).isNotNull();
    Files.delete(inTheWay);
    try (dev.sealdrop.server.testing.CapturedLog log = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
      server.start();
      assertThat(log.messages()).noneSatisfy(m -> assertThat(m).contains("deleting blob"));
    } finally {
      server.close();
    }
    assertSetAside(later);
    assertThat(data.resolve(SealdropServer.BEHIND_MARK)).as("acted on").doesNotExist();
  }

  /**
   * Review RL: a graceful stop that did not wait for every act (here a maintenance round held past its 5 s) is recorded
   * as {@code acts-unfinished}, not a clean stop; it keeps the log's last checkpoint in the database all the same, so a
   * database restored alone minutes back is behind as after a clean stop (it was taken for a crash's: the file stored
   * since was deleted).
   */
  @Test
  void aDatabaseMinutesBehindAfterAStopWhoseActsHadNotEndedIsSaidToo() throws Exception {
    TestServer server = new TestServer(data);
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      upload(clients, 7);
    }
    server.close();
    copyDatabase(data, backup);

    server.start();
    String later;
    try (Clients clients = server.clients()) {
      later = upload(clients, 8);
    }
    java.util.concurrent.CountDownLatch goOn = new java.util.concurrent.CountDownLatch(1);
    server.server().runOnMaintenanceThread(() -> {
      try {
        goOn.await(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      server.close();
    } finally {
      goOn.countDown();
    }
    List<String> log = Files.readAllLines(data.resolve("audit").resolve("audit.jsonl"));
    assertThat(log.stream().filter(l -> l.contains("\"server.stop\"")).reduce((a, b) -> b).orElseThrow())
        .contains("acts-unfinished");

    copyDatabase(backup, data);
    server.start();
    try {
      assertLockedDownAsBehind(server);
    } finally {
      server.close();
    }
    assertSetAside(later);
  }

  /** No transfer runs until an admin has looked: locked down by the server, and recorded. */
  private static void assertLockedDownAsBehind(TestServer server) throws Exception {
    assertThat(server.server().audit().tail(50)).anySatisfy(e -> {
      assertThat(e.action()).isEqualTo("lockdown.on");
      assertThat(e.details()).containsEntry("cause", "database-behind-log");
    });
  }

  private void assertSetAside(String fileId) throws Exception {
    assertThat(blob(fileId)).as("the file stored since is set aside, not deleted").isNotNull()
        .satisfies(p -> assertThat(p.getParent().getFileName().toString()).isEqualTo("unnamed"));
  }

  @Test
  void moreUnnamedFilesThanACrashLeavesAreSetAsideNotDeleted() throws Exception {
    TestServer server = new TestServer(data);
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
    }
    server.close();
    copyDatabase(data, backup);

    server.start();
    List<String> stored = new ArrayList<>();
    try (Clients clients = server.clients()) {
      for (int i = 0; i < 20; i++) {
        stored.add(upload(clients, 10 + i));
      }
    }
    server.close();
    copyDatabase(backup, data); // minutes behind, but 20 stored files it does not name
    try (dev.sealdrop.server.testing.CapturedLog log = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
      server.start();
      assertThat(log.messages()).anySatisfy(m -> assertThat(m).contains("20 stored files that the database does not"
          + " name were set aside"));
    } finally {
      server.close();
    }
    for (String id : stored) {
      assertThat(blob(id)).as(id).isNotNull();
    }
  }

  /**
   * Review EJ: measured from when the database kept its checkpoint, a crash that left a torn line (which the next start
   * records) followed by a night's downtime was refused for good. A crash's records past the checkpoint span seconds,
   * however long the server was down.
   */
  @Test
  void aCrashFollowedByANightsDowntimeStartsAgain() throws Exception {
    TestServer server = new TestServer(data);
    String fileId;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      fileId = upload(clients, 5);
    }
    server.server().kill();
    Files.writeString(data.resolve("audit").resolve("audit.jsonl"), "{\"seq", java.nio.file.StandardOpenOption.APPEND);
    server.clock.advance(Duration.ofHours(14));
    try (dev.sealdrop.server.testing.CapturedLog log = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
      server.start();
      assertThat(log.messages()).noneSatisfy(m -> assertThat(m).contains("looks older than the audit log"));
    }
    try (Clients clients = server.clients()) {
      assertThat(clients.transfer("alice").listFiles(dev.sealdrop.protocol.v1.ListFilesRequest.getDefaultInstance())
          .getFilesList()).extracting(f -> f.getFileId()).contains(fileId);
    }
    server.close();
    server.clock.advance(Duration.ofHours(14)); // and a clean stop's too
    server.start();
    server.close();
  }

  /** Review EI: stored files whose data is missing from blobs/ (an older blobs/ restored) are said at the start. */
  @Test
  void storedFilesWithoutTheirDataAreSaidAtTheStart() throws Exception {
    TestServer server = new TestServer(data);
    String fileId;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      fileId = upload(clients, 3);
    }
    server.close();
    Files.delete(blob(fileId));
    try (dev.sealdrop.server.testing.CapturedLog log = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
      server.start();
      assertThat(log.messages()).anySatisfy(m -> assertThat(m).contains("1 stored files the database names have no"
          + " data in blobs/ (e.g. " + fileId + ")"));
    } finally {
      server.close();
    }
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.security.KeyPair;
import java.util.EnumSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upload handle is written once, in sequence, from offset 0. A write out of sequence ends the upload, saying why;
 * a READ on the handle is refused as a read and the upload goes on (outside test: the READ was told "written
 * sequentially ... got offset 0", and every later write failed, so the upload was lost).
 */
class SftpUploadHandleTest extends OneServerPerClass {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  static SshClient client;
  static KeyPair aliceKey;

  @BeforeAll
  static void start() {
    Users.publish(clients, server.pki, "alice");
    aliceKey = registeredKey(clients, "alice");
    client = SftpTestSupport.client(server);
  }

  @AfterAll
  static void stop() throws Exception {
    client.stop();
  }

  /** The id of alice's newest stored file (ListFiles answers newest first). */
  private static String stored() {
    return clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList().stream()
        .findFirst().orElseThrow().getFileId();
  }

  private static int files() {
    return clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount();
  }

  /**
   * Round Z: MINA's default handle ids count up and reuse closed ones; a refused OPEN took a reused id for good, and the
   * next handle (here a listing) was given the id of the upload still open, replacing it in the channel's table. The
   * session's end then never closed the upload: it stayed busy, holding its place, until the 10-minute stall timeout.
   */
  @Test
  void anUploadLeftOpenEndsWithItsSessionAfterARefusedOpenAndAListing() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(10_000, 39), "bob").bytes();
    String fileId;
    String left;
    long before = server.server().audit().tail(1).get(0).sequence();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      java.util.EnumSet<SftpClient.OpenMode> create = EnumSet.of(SftpClient.OpenMode.Write,
          SftpClient.OpenMode.Create, SftpClient.OpenMode.Exclusive);
      SftpClient.CloseableHandle first = sftp.open("/outbox/first.sealed", create);
      sftp.write(first, 0, envelope, 0, envelope.length);
      SftpClient.CloseableHandle second = sftp.open("/outbox/second.sealed", create);
      sftp.write(second, 0, envelope, 0, 1000);
      sftp.close(first); // committed; MINA keeps its handle id for reuse
      fileId = stored();
      SftpException refused = catchThrowableOfType(SftpException.class,
          () -> sftp.open("/outbox/" + fileId, EnumSet.of(SftpClient.OpenMode.Read)));
      assertThat(refused.getStatus()).isEqualTo(SftpConstants.SSH_FX_PERMISSION_DENIED);
      try (SftpClient.CloseableHandle dir = sftp.openDir("/outbox")) {
        sftp.readDir(dir);
      }
      left = server.server().audit().tail(20).stream().filter(e -> e.sequence() > before
          && e.action().equals("upload.start")).reduce((a, b) -> b).orElseThrow().object();
    } // the session ends with the second upload open
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    java.util.Optional<dev.sealdrop.server.core.audit.Audit.Entry> aborted;
    do {
      Thread.sleep(100);
      aborted = server.server().audit().tail(20).stream().filter(e -> e.action().equals("upload.abort")
          && e.object().equals(left)).findFirst();
    } while (aborted.isEmpty() && System.nanoTime() < deadline);
    assertThat(aborted).as("the upload left open is ended with its session, not by the stall timeout").isPresent();
    assertThat(aborted.get().result()).isNotEqualTo("upload-stalled");
  }

  /**
   * Round DC: a client that confirms its upload by stat'ing the name it wrote (paramiko's put, whose default
   * confirm=True compares the size once its CLOSE is answered) was told "no such file" after a committed upload as after
   * a refused one, so it raised for both and could not tell them apart. A name this session committed an upload under
   * now stats as the stored file; one whose upload was refused is not there.
   */
  @Test
  void aNameCommittedInThisSessionStatsAsItsStoredFileAndARefusedOneIsNotThere() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(30_000, 43), "bob").bytes();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpTestSupport.put(sftp, "/outbox/confirmed.sealed", envelope);
      SftpClient.Attributes committed = sftp.stat("/outbox/confirmed.sealed");
      assertThat(committed.getSize()).isEqualTo(envelope.length);
      assertThat(committed.isRegularFile()).isTrue();
      assertThat(catchThrowableOfType(IOException.class, () -> SftpTestSupport.put(sftp, "/outbox/confirmed.sealed",
          "plain text, not an envelope".getBytes(java.nio.charset.StandardCharsets.UTF_8)))).isNotNull();
      SftpException refused = catchThrowableOfType(SftpException.class, () -> sftp.stat("/outbox/confirmed.sealed"));
      assertThat(refused.getStatus()).isEqualTo(SftpConstants.SSH_FX_NO_SUCH_FILE);
    }
  }

  /**
   * Review DO: an upload put under the name of one of the caller's stored files leaves that file as it is (the upload
   * becomes a file of its own); a stat of the name answers that file still, not the new one, for the rest of the session.
   */
  @Test
  void aNameThatIsAStoredFilesIdStatsAsThatFileAfterAnUploadPutUnderIt() throws Exception {
    byte[] small = Users.seal("alice", Users.randomBytes(1_000, 44), "bob").bytes();
    byte[] large = Users.seal("alice", Users.randomBytes(50_000, 45), "bob").bytes();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpTestSupport.put(sftp, "/outbox/first.sealed", small);
      String old = stored();
      SftpTestSupport.put(sftp, "/outbox/" + old, large);
      assertThat(stored()).as("a file of its own").isNotEqualTo(old);
      assertThat(sftp.stat("/outbox/" + old).getSize()).as("the stored file of that id").isEqualTo(small.length);
    }
  }

  /** Round Z: with SSH_FXF_EXCL a second open of a name being uploaded made a second upload under the same name. */
  @Test
  void anExclusiveOpenOfANameThatIsThereIsRefused() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(20_000, 40), "bob").bytes();
    int before = files();
    java.util.EnumSet<SftpClient.OpenMode> exclusive = EnumSet.of(SftpClient.OpenMode.Write,
        SftpClient.OpenMode.Create, SftpClient.OpenMode.Exclusive);
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpClient.CloseableHandle h = sftp.open("/outbox/excl.sealed", exclusive);
      sftp.write(h, 0, envelope, 0, 1000);
      SftpException twice = catchThrowableOfType(SftpException.class, () -> sftp.open("/outbox/excl.sealed", exclusive));
      assertThat(twice.getStatus()).isEqualTo(SftpConstants.SSH_FX_FAILURE);
      assertThat(twice.getMessage()).contains("that name is in /outbox/ already");
      sftp.write(h, 1000, envelope, 1000, envelope.length - 1000);
      sftp.close(h);
      String stored = stored();
      SftpException overFile = catchThrowableOfType(SftpException.class,
          () -> sftp.open("/outbox/" + stored, exclusive));
      assertThat(overFile.getStatus()).isEqualTo(SftpConstants.SSH_FX_FAILURE);
    }
    assertThat(files()).as("the first upload was committed, and only it").isEqualTo(before + 1);

    // an acquirer's EXCL open is the refused upload it is, not a refused listing (round AA), also of a name shaped as a
    // file id, which the door looks for among the caller's files (round DC: refused and audited as bob's listing,
    // "only a transferor may list uploaded files", where gRPC's twin records the refused upload)
    long mark = server.server().audit().tail(1).get(0).sequence();
    SftpException byName;
    SftpException byFileId;
    try (ClientSession s = login(client, server, "bob", registeredKey(clients, "bob")); SftpClient sftp = sftp(s)) {
      byName = catchThrowableOfType(SftpException.class, () -> sftp.open("/outbox/bob.sealed", exclusive));
      byFileId = catchThrowableOfType(SftpException.class, () -> sftp.open("/outbox/" + stored(), exclusive));
    }
    assertThat(byFileId.getStatus()).isEqualTo(byName.getStatus()).isEqualTo(SftpConstants.SSH_FX_PERMISSION_DENIED);
    assertThat(byFileId.getMessage()).isEqualTo(byName.getMessage()).contains("only a transferor may upload files");
    assertThat(server.server().audit().tail(20)).filteredOn(e -> e.sequence() > mark && e.actor().equals("bob")
        && !e.action().startsWith("connection.") && !e.action().equals("sshkey.add"))
        .extracting(e -> e.action() + " " + e.result())
        .containsExactly("upload.start role-forbidden", "upload.start role-forbidden");
  }

  /**
   * Round AA: two EXCL opens of one name on two channels of one session both passed the check before either upload had
   * started (here the database's write lock, held by the test, keeps the first in its upload's start): one is refused.
   */
  @Test
  void twoExclusiveOpensOfOneNameOnTwoChannelsOfASessionStartOneUpload() throws Exception {
    java.util.EnumSet<SftpClient.OpenMode> exclusive = EnumSet.of(SftpClient.OpenMode.Write,
        SftpClient.OpenMode.Create, SftpClient.OpenMode.Exclusive);
    long mark = server.server().audit().tail(1).get(0).sequence();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient one = sftp(s); SftpClient two = sftp(s)) {
      files(); // (alice's certificate is recorded as seen before the lock)
      java.util.List<java.util.concurrent.CompletableFuture<SftpClient.CloseableHandle>> opens;
      try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:"
          + server.dataDir.resolve("sealdrop.db")); java.sql.Statement st = db.createStatement()) {
        st.execute("BEGIN IMMEDIATE"); // an upload's start waits for its row to be written
        opens = java.util.stream.Stream.of(one, two).map(sftp -> java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return sftp.open("/outbox/race.sealed", exclusive);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }, threads)).toList();
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
        while (opens.stream().noneMatch(java.util.concurrent.CompletableFuture::isDone) && System.nanoTime() < end) {
          Thread.sleep(20); // with the fix the later open is refused at once; without it both wait for the lock
        }
        st.execute("ROLLBACK");
      }
      java.util.List<Throwable> refused = new java.util.ArrayList<>();
      for (java.util.concurrent.CompletableFuture<SftpClient.CloseableHandle> open : opens) {
        try {
          open.get(15, java.util.concurrent.TimeUnit.SECONDS); // (left open: it ends with the session)
        } catch (java.util.concurrent.ExecutionException e) {
          refused.add(e.getCause().getCause());
        }
      }
      assertThat(refused).as("one of the two opens is refused").singleElement()
          .isInstanceOfSatisfying(SftpException.class, e -> {
            assertThat(e.getStatus()).isEqualTo(SftpConstants.SSH_FX_FAILURE);
            assertThat(e.getMessage()).contains("that name is in /outbox/ already");
          });
    }
    assertThat(server.server().audit().tail(30)).filteredOn(e -> e.sequence() > mark
        && e.action().equals("upload.start")).as("one upload started").hasSize(1);
  }

  @Test
  void aReadOfTheUploadHandleIsRefusedAndTheUploadGoesOn() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(100_000, 3), "bob").bytes();
    int before = files();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpClient.CloseableHandle h = sftp.open("/outbox/read-probe.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate));
      sftp.write(h, 0, envelope, 0, 1000);
      SftpException read = catchThrowableOfType(SftpException.class, () -> sftp.read(h, 0, new byte[100], 0, 100));
      assertThat(read.getStatus()).isEqualTo(SftpConstants.SSH_FX_PERMISSION_DENIED);
      assertThat(read.getMessage()).contains("this handle writes an upload; it cannot be read")
          .doesNotContain("sequentially");
      sftp.write(h, 1000, envelope, 1000, envelope.length - 1000);
      sftp.close(h);
    }
    assertThat(files()).as("the upload was committed").isEqualTo(before + 1);
  }

  @Test
  void aWriteOutOfSequenceEndsTheUploadSayingWhy() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(100_000, 4), "bob").bytes();
    int before = files();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpClient.CloseableHandle h = sftp.open("/outbox/skip.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate));
      sftp.write(h, 0, envelope, 0, 1000);
      SftpException skip = catchThrowableOfType(SftpException.class,
          () -> sftp.write(h, 2000, envelope, 2000, 1000));
      assertThat(skip.getMessage()).contains("uploads are written sequentially from offset 0 (got offset 2000,"
          + " expected 1000)");
      // the upload is over: the next write in sequence is refused too, and nothing is committed
      catchThrowableOfType(SftpException.class, () -> sftp.write(h, 1000, envelope, 1000, 1000));
      catchThrowableOfType(java.io.IOException.class, () -> sftp.close(h));
    }
    assertThat(files()).isEqualTo(before);
  }

  @Test
  void anAppendIsRefusedAndStartsNoUpload() throws Exception {
    int before = files();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpException append = catchThrowableOfType(SftpException.class, () -> sftp.open("/outbox/append.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Append, SftpClient.OpenMode.Create)));
      assertThat(append.getStatus()).isEqualTo(SftpConstants.SSH_FX_PERMISSION_DENIED);
      assertThat(append.getMessage()).contains("no append");
      SftpException stat = catchThrowableOfType(SftpException.class, () -> sftp.stat("/outbox/append.sealed"));
      assertThat(stat.getStatus()).isEqualTo(SftpConstants.SSH_FX_NO_SUCH_FILE);
    }
    assertThat(files()).isEqualTo(before);
  }

  @Test
  void aWriteWithoutCreateFindsNoFileToOpen() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(10_000, 5), "bob").bytes();
    int before = files();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpException open = catchThrowableOfType(SftpException.class,
          () -> sftp.open("/outbox/missing.sealed", EnumSet.of(SftpClient.OpenMode.Write)));
      assertThat(open.getStatus()).isEqualTo(SftpConstants.SSH_FX_NO_SUCH_FILE);
      assertThat(open.getMessage()).contains("open it with CREATE");
      // and with CREATE the same name is a new upload, as before
      SftpClient.CloseableHandle h = sftp.open("/outbox/missing.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create));
      sftp.write(h, 0, envelope, 0, envelope.length);
      sftp.close(h);
    }
    assertThat(files()).isEqualTo(before + 1);
  }

  @Test
  void anUploadBeingWrittenAnswersStatAndFstatWithWhatArrivedSoFar() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(100_000, 6), "bob").bytes();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s);
        SftpClient other = sftp(s)) {
      SftpClient.CloseableHandle h = sftp.open("/outbox/growing.sealed",
          EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate));
      sftp.write(h, 0, envelope, 0, 70_000);
      SftpClient.Attributes fstat = sftp.stat(h);
      assertThat(fstat.getSize()).isEqualTo(70_000);
      assertThat(fstat.isRegularFile()).isTrue();
      assertThat(fstat.getPermissions() & 0777).isEqualTo(0200);
      assertThat(sftp.stat("/outbox/growing.sealed").getSize()).isEqualTo(70_000);
      assertThat(other.stat("/outbox/growing.sealed").getSize()).as("the session's other channel").isEqualTo(70_000);
      sftp.write(h, 70_000, envelope, 70_000, envelope.length - 70_000);
      assertThat(sftp.stat(h).getSize()).isEqualTo(envelope.length);
      sftp.close(h);
      // committed: the file is listed under its id, and the name the client wrote it as answers the stored file for the
      // rest of the session (round DC: it was gone, and a client confirming its upload by a stat took it for refused)
      SftpClient.Attributes stored = sftp.stat("/outbox/growing.sealed");
      assertThat(stored.getSize()).isEqualTo(envelope.length);
      assertThat(stored.getPermissions() & 0777).as("a stored file, no longer being written").isZero();
      assertThat(SftpTestSupport.names(sftp, "/outbox")).doesNotContain("growing.sealed");
    }
  }

  @Test
  void aFileOpenedAsAFolderGetsAStatusSftpV3Knows() throws Exception {
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpException e = catchThrowableOfType(SftpException.class, () -> sftp.openDir("/redeem/not-a-folder"));
      assertThat(e.getStatus()).as("v6's NOT_A_DIRECTORY (19) is unknown to v3 clients")
          .isEqualTo(SftpConstants.SSH_FX_NO_SUCH_FILE);
      assertThat(e.getMessage()).startsWith("not a directory");
    }
  }

  @Test
  void everyStatusSentIsOneOfSftpV3s() {
    for (int status = 0; status <= 40; status++) {
      assertThat(SftpErrors.v3(status)).as("status %d", status).isBetween(0, SftpConstants.SSH_FX_OP_UNSUPPORTED);
    }
    assertThat(SftpErrors.v3(SftpConstants.SSH_FX_PERMISSION_DENIED)).isEqualTo(SftpConstants.SSH_FX_PERMISSION_DENIED);
    assertThat(SftpErrors.v3(SftpConstants.SSH_FX_FILE_ALREADY_EXISTS)).isEqualTo(SftpConstants.SSH_FX_FAILURE);
  }
}

package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.upload.UploadPolicy;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resumed upload's inspection continues from the progress the server recorded with the durable offset: it reads the
 * header and the bytes after the chunks that progress covers, not the whole stored part again (review DN: a transferor
 * looping cancelled resumes of a large upload made the server read all of it each time, saturating the disk).
 *
 * <p>What a resume reads is shown by damaging a chunk the progress covers in the stored part: a resume that reads it
 * (the whole stored part, as before) computes another digest and refuses the envelope's signature; one that does not
 * commits the upload. Damaging the server's own data folder stands for nothing a client can do: only the server's
 * operator writes there.
 */
class ResumeFromProgressTest {
  static final int CHUNK_CT = 65536 + 16;

  @TempDir
  Path data;

  /** The stream is cut (the client cancels) once the server holds {@code atLeast} bytes; returns the durable offset. */
  static long interruptedAt(Path data, Clients clients, String id, byte[] envelope, int atLeast) throws Exception {
    ManagedChannel doomed = clients.channel("alice");
    Transfers.stream(TransferServiceGrpc.newStub(doomed), id, envelope, 0, envelope.length - 1000, false);
    assertThat(awaitTemp(data, id, atLeast, 60)).as("the server stored %d bytes", atLeast).isTrue();
    doomed.shutdownNow();
    doomed.awaitTermination(5, TimeUnit.SECONDS);
    long offset = Transfers.awaitCommittedOffset(clients, "alice", id, o -> o >= atLeast);
    assertThat(offset).as("the durable offset once the stream was cut").isGreaterThanOrEqualTo(atLeast);
    return offset;
  }

  /**
   * Waits until the stored part holds {@code size} bytes (it grows in the writer's 512 KiB blocks, or at a
   * checkpoint); true if it did within {@code seconds}.
   */
  static boolean awaitTemp(Path data, String id, long size, int seconds) throws Exception {
    Path part = data.resolve("tmp").resolve(id + ".part");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (Files.size(part) < size) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** Overwrites 100 bytes of the stored part's fifth chunk (a chunk every progress past 1 MiB covers). */
  static void damageAnEarlyChunk(Path data, String id) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(data.resolve("tmp").resolve(id + ".part").toFile(), "rw")) {
      f.seek(5L * CHUNK_CT + 4096);
      f.write(new byte[100]);
    }
  }

  static Object progressOf(Path data, String id) throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        java.sql.PreparedStatement s = c.prepareStatement("SELECT inspection_progress FROM uploads WHERE id = ?")) {
      s.setString(1, id);
      try (java.sql.ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getBytes(1);
      }
    }
  }

  private static void sql(Path data, String statement) throws Exception {
    dev.sealdrop.server.testing.DatabaseFile.execute(data, statement);
  }

  @Test
  void aResumeDoesNotReadTheChunksTheRecordedProgressCovers() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 91), "bob").bytes();
      String id = Transfers.createUpload(clients, "alice", envelope.length);
      long offset = interruptedAt(data, clients, id, envelope, 2 << 20);
      assertThat(progressOf(data, id)).as("recorded with the offset at the stream's end").isNotNull();

      damageAnEarlyChunk(data, id);
      UploadResponse done = Transfers.await(Transfers.stream(clients, "alice", id, envelope, (int) offset,
          envelope.length, true));
      assertThat(done.getSize()).isEqualTo(envelope.length);
    }
  }

  /** The undamaged case, through a kill: a periodic checkpoint's progress is used after a restart, byte-identical. */
  @Test
  void aCheckpointsProgressSurvivesACrashAndItsResumeIsByteIdentical() throws Exception {
    try (TestServer server = checkpointingEvery(data, 256 << 10)) {
      byte[] envelope;
      String id;
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        envelope = Users.seal("alice", Users.randomBytes(3 << 20, 92), "bob").bytes();
        id = Transfers.createUpload(clients, "alice", envelope.length);
        Transfers.stream(clients, "alice", id, envelope, 0, envelope.length - 1000, false);
        assertThat(Transfers.awaitCommittedOffset(clients, "alice", id, o -> o >= (2 << 20)))
            .as("checkpointed before the kill").isGreaterThanOrEqualTo(2 << 20);
        server.server().kill();
      }
      server.start();
      try (Clients clients = server.clients()) {
        long offset = clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(id).build())
            .getCommittedOffset();
        assertThat(offset).isGreaterThanOrEqualTo(2 << 20);
        assertThat(progressOf(data, id)).as("recorded by the checkpoint with its offset").isNotNull();
        UploadResponse done = Transfers.await(Transfers.stream(clients, "alice", id, envelope, (int) offset,
            envelope.length, true));
        assertThat(Files.readAllBytes(data.resolve("blobs").resolve(done.getFileId()))).isEqualTo(envelope);
      }
    }
  }

  /**
   * A checkpoint due while the previous one still runs is run after it, not skipped until the next write: the stream's
   * last bytes arrive while a checkpoint cannot record its offset (the test holds the database's write lock, as a slow
   * fsync or a busy database would), then the stream pauses; the durable offset must still reach its end.
   */
  @Test
  void aCheckpointDueWhileAnotherRunsIsRunAfterItThoughTheStreamPauses() throws Exception {
    try (TestServer server = checkpointingEvery(data, 256 << 10); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 94), "bob").bytes();
      String id = Transfers.createUpload(clients, "alice", envelope.length);
      int sent = envelope.length - 1000;
      var stream = started(clients, id, new java.util.concurrent.CompletableFuture<>());
      int first = (256 << 10) + (64 << 10); // one checkpoint: once recorded, the stream's start (a write) is done
      send(stream, envelope, 0, first);
      assertThat(Transfers.awaitCommittedOffset(clients, "alice", id, o -> o > 0)).as("the first checkpoint")
          .isPositive();
      try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
          java.sql.Statement s = c.createStatement()) {
        s.execute("BEGIN IMMEDIATE"); // the first checkpoint's offset waits for this lock (well within busy_timeout)
        send(stream, envelope, first, sent);
        // the stored part lags what was received by the writer's buffers (direct I/O); the rest arrives meanwhile.
        // Within the server's 10 s wait for the lock: its checkpoint fails past that
        assertThat(awaitTemp(data, id, 2 << 20, 7)).as("stored while the lock was held").isTrue();
        Thread.sleep(500);
        s.execute("COMMIT");
      }
      // what the last checkpoint covers: all but what arrived after it (less than one checkpoint's bytes)
      int lastCheckpoint = sent - (256 << 10);
      assertThat(Transfers.awaitCommittedOffset(clients, "alice", id, o -> o >= lastCheckpoint))
          .as("the durable offset").isGreaterThanOrEqualTo(lastCheckpoint);
    }
  }

  /**
   * A stream stopped by an earlier checkpoint's failure (here the database refuses it, as a busy or full one would)
   * still records what it holds when it ends: the failure was rethrown by the wait for that checkpoint and the last one
   * was skipped, so the offset a resume starts from stayed where the failed one left it, and the CLI, which keeps
   * only its last 32 MiB, had to send the whole file again (review EN).
   */
  @Test
  void aStreamEndedByAnEarlierCheckpointsFailureStillRecordsWhatItHolds() throws Exception {
    try (TestServer server = checkpointingEvery(data, 1 << 20); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 95), "bob").bytes();
      String id = Transfers.createUpload(clients, "alice", envelope.length);
      // the first checkpoint, due at 1 MiB while the stream pauses, covers less than 1.5 MiB and is refused
      sql(data, "CREATE TRIGGER refuse_first_checkpoint BEFORE UPDATE OF committed_offset ON uploads"
          + " WHEN NEW.committed_offset BETWEEN 1 AND 1572864 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
      java.util.concurrent.CompletableFuture<UploadResponse> result = new java.util.concurrent.CompletableFuture<>();
      var stream = started(clients, id, result);
      int first = (1 << 20) + (64 << 10);
      send(stream, envelope, 0, first);
      Thread.sleep(500); // the refused checkpoint is done before the next is due, or the one after that sees it
      send(stream, envelope, first, envelope.length); // not finished: the stream ends at the failure's next sight
      Throwable failed = catchThrowableOfType(() -> result.get(60, TimeUnit.SECONDS),
          java.util.concurrent.ExecutionException.class);
      assertThat(failed).as("the stream ended at the next due checkpoint").isNotNull();
      long offset = clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(id).build())
          .getCommittedOffset();
      assertThat(offset).as("what the stream held at its end, recorded").isGreaterThanOrEqualTo(2 << 20);
    }
  }

  /** A test server whose uploads checkpoint every {@code bytes}. */
  static TestServer checkpointingEvery(Path data, long bytes) throws Exception {
    return new TestServer(data, c -> c.withUploads(new UploadPolicy(c.uploads().maxUploadBytes(),
        c.uploads().quotaBytes(), bytes, c.uploads().abandonAfter(), c.uploads().stallTimeout())));
  }

  /** alice's upload stream of {@code id}, started at offset 0; its answer completes {@code result}. */
  private static io.grpc.stub.StreamObserver<dev.sealdrop.protocol.v1.UploadRequest> started(Clients clients,
      String id, java.util.concurrent.CompletableFuture<UploadResponse> result) {
    var stream = Transfers.openUpload(TransferServiceGrpc.newStub(clients.channel("alice")), result);
    stream.onNext(dev.sealdrop.protocol.v1.UploadRequest.newBuilder().setStart(dev.sealdrop.protocol.v1.UploadStart
        .newBuilder().setUploadId(id)).build());
    return stream;
  }

  private static void send(io.grpc.stub.StreamObserver<dev.sealdrop.protocol.v1.UploadRequest> stream,
      byte[] envelope, int from, int to) {
    for (int off = from; off < to; off += Transfers.CHUNK) {
      stream.onNext(dev.sealdrop.protocol.v1.UploadRequest.newBuilder().setData(com.google.protobuf.ByteString
          .copyFrom(envelope, off, Math.min(Transfers.CHUNK, to - off))).build());
    }
  }

  /** An upload without a recorded progress (one from before V53): its resume reads every stored byte, as before. */
  @Test
  void withoutARecordedProgressAResumeReadsTheWholeStoredPart() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 93), "bob").bytes();
      String id = Transfers.createUpload(clients, "alice", envelope.length);
      long offset = interruptedAt(data, clients, id, envelope, 2 << 20);
      sql(data, "UPDATE uploads SET inspection_progress = NULL WHERE id = '" + id + "'");

      damageAnEarlyChunk(data, id);
      StatusRuntimeException refused = catchThrowableOfType(() -> Transfers.await(Transfers.stream(clients, "alice",
          id, envelope, (int) offset, envelope.length, true)), StatusRuntimeException.class);
      assertThat(refused).as("the damaged chunk was read again").isNotNull();
      assertThat(refused.getStatus().getDescription()).contains("signature");
    }
  }
}

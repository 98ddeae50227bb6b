package dev.sealdrop.server.core.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload's commit writes its row before it moves its data into place (round BM): a commit the database refuses (a
 * full disk) leaves the upload OPEN with its data, to resume; a crash between the row and the move is finished by the
 * next start. Before, the data was moved first: the refused commit left it in {@code blobs/} with no row, and every
 * resume failed with an internal error until a restart deleted it; a crash in between lost a complete upload.
 */
class CommitOrderTest {
  @TempDir
  Path root;

  /**
   * The database refuses the commit's row (round BM: a full disk, SQLITE_FULL; here a trigger on the real database
   * file, the one failure that can be made at will): the upload stays open with its data, and its resume commits it.
   */
  @Test
  void aCommitTheDatabaseRefusesLeavesTheUploadOpenWithItsDataAndItResumes() throws Exception {
    Path data = root.resolve("data");
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 81), "bob").bytes();
      String id = Transfers.createUpload(clients, "alice", envelope.length);
      sql(data, "CREATE TRIGGER refuse_files BEFORE INSERT ON files BEGIN SELECT RAISE(ABORT, 'refused by the test');"
          + " END");
      StatusRuntimeException refused = org.assertj.core.api.Assertions.catchThrowableOfType(() -> Transfers.await(
          Transfers.stream(clients, "alice", id, envelope, 0, envelope.length, true)), StatusRuntimeException.class);
      assertThat(refused).as("the database refused the commit").isNotNull();
      sql(data, "DROP TRIGGER refuse_files");

      // the upload is still open, with its data; its resume commits it, and the file is whole
      var state = clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(id).build());
      assertThat(state.getFileId()).as("not committed").isEmpty();
      assertThat(state.getClosed()).as("not closed").isFalse();
      assertThat(data.resolve("tmp").resolve(id + ".part")).exists();
      try (var blobs = Files.list(data.resolve("blobs"))) {
        assertThat(blobs.toList()).as("nothing moved into place without a row").isEmpty();
      }
      UploadResponse done = Transfers.await(Transfers.stream(clients, "alice", id, envelope,
          (int) state.getCommittedOffset(), envelope.length, true));
      CreateGrantResponse g = Transfers.grant(clients, "alice", done.getFileId(), "bob");
      String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
          .getClaimId();
      assertThat(Transfers.download(clients.transfer("bob"), claim, 0)).isEqualTo(envelope);
    }
  }

  /** Runs {@code statement} on the server's database file through a connection of its own. */
  private static void sql(Path data, String statement) throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        java.sql.Statement s = c.createStatement()) {
      s.setQueryTimeout(30);
      s.execute("PRAGMA busy_timeout = 30000");
      s.execute(statement);
    }
  }

  /** A crash after the commit's row and before its data was moved into place: the next start moves it. */
  @Test
  void theNextStartFinishesACommitWhoseDataWasNotMovedIntoPlace() throws Exception {
    Path data = root.resolve("data");
    byte[] envelope;
    String id;
    UploadResponse done;
    TestServer server = new TestServer(data);
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      envelope = Users.seal("alice", Users.randomBytes(1 << 20, 82), "bob").bytes();
      id = Transfers.createUpload(clients, "alice", envelope.length);
      done = Transfers.await(Transfers.stream(clients, "alice", id, envelope, 0, envelope.length, true));
    }
    server.close();
    // as a crash between the two steps leaves it: the row committed, the data still where the upload wrote it
    Files.move(data.resolve("blobs").resolve(done.getFileId()), data.resolve("tmp").resolve(id + ".part"),
        StandardCopyOption.ATOMIC_MOVE);

    server.start();
    try (Clients clients = server.clients()) {
      assertThat(data.resolve("blobs").resolve(done.getFileId())).exists();
      assertThat(data.resolve("tmp").resolve(id + ".part")).doesNotExist();
      CreateGrantResponse g = Transfers.grant(clients, "alice", done.getFileId(), "bob");
      String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
          .getClaimId();
      assertThat(Transfers.download(clients.transfer("bob"), claim, 0)).isEqualTo(envelope);
    } finally {
      server.close();
    }
  }

}

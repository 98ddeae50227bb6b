package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.ListGrantsRequest;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.core.upload.UploadService;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call that creates something, whose caller gave up before the answer, is undone: the answer can reach no one.
 *
 * <p>A redeem whose caller gave up before the answer (its deadline passed while the server was slow) made a claim whose
 * id no one ever received: the grant stayed claimed for nobody for the claim window, and its recipient's retry was
 * refused {@code GRANT_CLAIMED} for an hour. The server now gives such a claim back, as the server's
 * {@code grant.release} with the cause {@code answer-not-sent}, and the retry redeems at once.
 *
 * <p>A CreateUpload whose caller gave up made an upload whose id no one knew (round AB): it could be neither resumed
 * nor abandoned, and 64 of them locked the identity out of uploading for upload-abandon-after (24 h). It is given up.
 * A CreateGrant's grant is revoked so (round AB): no one held its token, and it held a live-grant place.
 */
class AnswerNotSentTest {
  /**
   * The deadline of the call whose caller gives up while another writer holds the database's lock: on a connection
   * already made, long enough for the call to reach the server on a loaded machine, well short of the server's wait
   * for the lock (its database busy timeout, 10 s), so the server is still waiting when the caller leaves.
   */
  private static final long CALLER_GIVES_UP_MILLIS = 2_000;

  @TempDir
  Path data;

  /**
   * A stub on a new connection of {@code user}'s, made (TLS handshake and all) by a first call before the test takes the
   * database's lock: a deadline set on it later counts the call only.
   */
  private static TransferServiceGrpc.TransferServiceBlockingStub connected(Clients clients, String user) {
    TransferServiceGrpc.TransferServiceBlockingStub stub = TransferServiceGrpc.newBlockingStub(clients.channel(user));
    stub.withDeadlineAfter(30, TimeUnit.SECONDS).listGrants(ListGrantsRequest.getDefaultInstance());
    return stub;
  }

  @Test
  void aRedeemWhoseCallerGaveUpBeforeTheAnswerGivesItsClaimBack() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4096, 39), "bob");
      Users.publish(clients, server.pki, "alice");
      UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
      String grantObject = "grant:" + g.getGrant().getGrantId();
      RedeemRequest redeem = RedeemRequest.newBuilder().setToken(g.getToken()).build();
      // bob's first call records his certificate as seen (a write) and makes the connection the redeem goes on (its TLS
      // handshake): made before the lock, so the redeem is what waits, and its deadline counts that wait only
      TransferServiceGrpc.TransferServiceBlockingStub bob = TransferServiceGrpc.newBlockingStub(clients.channel("bob"));
      assertThat(bob.withDeadlineAfter(30, TimeUnit.SECONDS).listInbox(ListInboxRequest.getDefaultInstance())
          .getGrantsCount()).isOne();

      // another writer holds the database's write lock, so the redeem's claim waits to be committed (a slow server)
      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
          Statement st = other.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
        assertThatThrownBy(() -> bob.withDeadlineAfter(CALLER_GIVES_UP_MILLIS, TimeUnit.MILLISECONDS).redeem(redeem))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        st.execute("ROLLBACK"); // the claim is committed now, after its caller left
      }

      Audit.Entry release = awaitRecord(server, "grant.release", grantObject);
      assertThat(release.actor()).isEqualTo("server");
      assertThat(release.details()).containsEntry("cause", GrantService.ANSWER_NOT_SENT).containsEntry("recipient", "bob");
      assertThat(server.server().audit().tail(100)).filteredOn(r -> r.action().equals("grant.redeem")
          && r.object().equals(grantObject)).singleElement().satisfies(r -> assertThat(r.result()).isEqualTo("ok"));

      // the recipient's retry redeems at once, and the file comes whole
      RedeemResponse claim = clients.transfer("bob").redeem(redeem);
      assertThat(Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0)).isEqualTo(sealed.bytes());
    }
  }

  @Test
  void anUploadWhoseCreatorGaveUpBeforeTheAnswerIsGivenUp() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice"); // alice's certificate is recorded as seen before the lock
      TransferServiceGrpc.TransferServiceBlockingStub alice = connected(clients, "alice");
      CreateUploadRequest create = CreateUploadRequest.newBuilder().setExpectedSize(1000).build();
      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
          Statement st = other.createStatement()) {
        st.execute("BEGIN IMMEDIATE"); // the upload's row waits to be written
        assertThatThrownBy(() -> alice.withDeadlineAfter(CALLER_GIVES_UP_MILLIS, TimeUnit.MILLISECONDS)
            .createUpload(create)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        st.execute("ROLLBACK");
      }
      String upload = awaitRecord(server, "upload.start", null).object();
      Audit.Entry abandoned = awaitRecord(server, "upload.abandon", upload);
      assertThat(abandoned.actor()).isEqualTo("server");
      assertThat(abandoned.result()).isEqualTo("ok");
      assertThat(abandoned.details()).containsEntry("cause", UploadService.ANSWER_NOT_SENT)
          .containsEntry("owner", "alice");
      assertThat(data.resolve("tmp")).as("its temporary data deleted").isEmptyDirectory();
    }
  }

  @Test
  void aGrantWhoseCreatorGaveUpBeforeTheAnswerIsRevokedAndFreesItsPlace() throws Exception {
    try (TestServer server = new TestServer(data, c -> c.withGrants(c.grants().withMaxLiveGrantsPerIdentity(1)));
        Clients clients = server.clients()) {
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4096, 40), "bob");
      Users.publish(clients, server.pki, "alice");
      String fileId = Transfers.upload(clients, "alice", sealed.bytes()).getFileId();
      CreateGrantRequest create = CreateGrantRequest.newBuilder().setFileId(fileId).setRecipient("bob").build();
      TransferServiceGrpc.TransferServiceBlockingStub alice = connected(clients, "alice");
      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
          Statement st = other.createStatement()) {
        st.execute("BEGIN IMMEDIATE"); // the grant's row waits to be written
        assertThatThrownBy(() -> alice.withDeadlineAfter(CALLER_GIVES_UP_MILLIS, TimeUnit.MILLISECONDS)
            .createGrant(create)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        st.execute("ROLLBACK");
      }
      Audit.Entry created = awaitRecord(server, "grant.create", null);
      assertThat(created.result()).isEqualTo("ok");
      Audit.Entry revoked = awaitRecord(server, "grant.revoke", created.object());
      assertThat(revoked.actor()).isEqualTo("server");
      assertThat(revoked.result()).isEqualTo("ok");
      assertThat(revoked.details()).containsEntry("cause", GrantService.ANSWER_NOT_SENT).containsEntry("owner", "alice")
          .containsEntry("recipient", "bob").containsEntry("file-id", fileId).containsEntry("changed", "true");
      assertThat(clients.transfer("alice").listGrants(ListGrantsRequest.getDefaultInstance()).getGrantsList())
          .singleElement().satisfies(g -> assertThat(g.getState()).isEqualTo(GrantState.GRANT_STATE_REVOKED));

      // its place among alice's live grants (1 here) is free: the retry is granted, and bob gets the file
      CreateGrantResponse retry = clients.transfer("alice").createGrant(create);
      RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(retry.getToken())
          .build());
      assertThat(Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0)).isEqualTo(sealed.bytes());
    }
  }

  /**
   * Review DI: a client can take a redeem answer's first bytes (the claim id among them) and hold back the rest with
   * HTTP/2 flow control, download all but the last bytes on that claim, then cancel the redeem: the door gives the
   * claim back as unanswered. Its holder did have the claim id, so once bytes were handed out on it, it counts as an
   * interrupted claim: three of them use up a one-time grant (it was given back whole, again and again).
   */
  @Test
  void aClaimGivenBackAsUnansweredAfterBytesWereHandedOutOnItCountsAsInterrupted() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      // far more than the server may hand out unread: the client's 1 MiB window (Clients), the 2 MiB on-ready
      // threshold and the message past it (DownloadCall), plus a message the client reads. With 4 MiB the server had
      // sometimes served every byte before the cancel (CI, session 60), and such a claim cannot be given back.
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(24 << 20, 40), "bob");
      Users.publish(clients, server.pki, "alice");
      UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
      dev.sealdrop.server.core.identity.Principal bob = server.server().identities().authenticate(
          server.pki.certificate("bob"), dev.sealdrop.server.core.identity.Origin.grpc("127.0.0.1:1"));
      for (int i = 0; i < 3; i++) {
        String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
            .getClaimId();
        io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
        call.run(() -> assertThat(clients.transfer("bob").download(dev.sealdrop.protocol.v1.DownloadRequest.newBuilder()
            .setClaimId(claim).build()).next().getData().size()).isPositive());
        call.cancel(null);
        int aborted = i + 1;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (server.server().audit().tail(100).stream().filter(r -> r.action().equals("download.abort")).count()
            < aborted) {
          assertThat(System.nanoTime()).as("the cancelled download %d is recorded as aborted", aborted)
              .isLessThan(until);
          Thread.sleep(20);
        }
        server.server().grants().releaseUnanswered(bob, claim);
        List<Audit.Entry> releases = server.server().audit().tail(100).stream()
            .filter(r -> r.action().equals("grant.release")).toList();
        assertThat(releases).hasSize(i + 1);
        assertThat(releases.get(i).details()).containsEntry("cause", GrantService.ANSWER_NOT_SENT)
            .containsEntry("interrupted", "yes");
      }
      var listed = clients.transfer("alice").listGrants(ListGrantsRequest.getDefaultInstance()).getGrantsList();
      assertThat(listed).singleElement().satisfies(grant -> {
        assertThat(grant.getState()).as("three interrupted claims are one download").isEqualTo(GrantState.GRANT_STATE_CONSUMED);
        assertThat(grant.getDownloadsUsed()).isOne();
      });
    }
  }

  /** The first record of {@code action} on {@code object} (any object if null), waited for. */
  private static Audit.Entry awaitRecord(TestServer server, String action, String object) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end) {
      List<Audit.Entry> found = server.server().audit().tail(100).stream()
          .filter(r -> r.action().equals(action) && (object == null || r.object().equals(object))).toList();
      if (!found.isEmpty()) {
        return found.get(0);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no " + action + " of " + object + " within 20 s: " + server.server().audit().tail(10));
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.protocol.v1.UploadStart;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.KeyPair;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code max-upload-streams} is one core rule for both doors: a gRPC upload stream holds a slot an SFTP upload then
 * cannot have. The SFTP open for writing is refused at once ({@code SERVER_BUSY}, its message in the status), before
 * any upload is created, so that nothing is left behind; once the gRPC stream ends, the same put commits.
 */
class SftpUploadStreamCapTest extends OneServerPerMethod {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  SshClient client;
  KeyPair aliceKey;
  byte[] envelope;

  @Override
  protected ServerConfig configure(ServerConfig c) {
    return c.withUploads(c.uploads().withUploadStreams(1, 1));
  }

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    server.pki.issue(dev.sealdrop.certsdev.CertSpec.client("erin"));
    server.server().identities().registerAll(java.util.Map.of("erin",
        dev.sealdrop.server.core.identity.Role.TRANSFEROR));
    Users.publish(clients, server.pki, "erin");
    aliceKey = registeredKey(clients, "alice");
    client = SftpTestSupport.client(server);
    envelope = Users.seal("alice", Users.randomBytes(1 << 20, 83), "bob").bytes();
  }

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    client.stop();
  }

  void awaitRunning(int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.server().uploads().streamsRunning() != expected) {
      assertThat(System.nanoTime()).as("streams running: " + server.server().uploads().streamsRunning())
          .isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void anSftpUploadPastTheCapIsRefusedAtOnceLeavesNothingAndCommitsOnceASlotIsFree() throws Exception {
    // another transferor's gRPC upload holds the server's only slot
    String held = Transfers.createUpload(clients, "erin", 0);
    CompletableFuture<UploadResponse> result = new CompletableFuture<>();
    StreamObserver<UploadRequest> grpc = Transfers.openUpload(clients.transferAsync("erin"), result);
    grpc.onNext(UploadRequest.newBuilder().setStart(UploadStart.newBuilder().setUploadId(held)).build());
    grpc.onNext(UploadRequest.newBuilder().setData(ByteString.copyFrom(
        Users.seal("erin", Users.randomBytes(1 << 20, 84), "bob").bytes(), 0, 64 * 1024)).build());
    awaitRunning(1);

    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      SftpException refused = catchThrowableOfType(SftpException.class,
          () -> sftp.open("/outbox/list.csv.sealed", SftpClient.OpenMode.Write, SftpClient.OpenMode.Create));

      assertThat(refused).as("the upload past the cap is refused").isNotNull();
      assertThat(refused.getStatus()).isEqualTo(SftpConstants.SSH_FX_FAILURE);
      assertThat(refused).hasMessage("server busy: it is receiving 1 uploads, the most it receives at once"
          + " (max-upload-streams); retry in a moment (nothing was lost) [SERVER_BUSY]");
      assertThat(server.server().audit().tail(30)).filteredOn(e -> e.action().equals("upload.start"))
          .as("refused before an upload was created: only the gRPC one was started").satisfiesExactly(
              e -> assertThat(e.result()).isEqualTo("ok"),
              e -> {
                assertThat(e.result()).isEqualTo("server-busy");
                assertThat(e.details()).containsEntry("door", "sftp");
              });
      assertThat(server.server().uploads().streamsRunning()).isEqualTo(1);

      grpc.onError(Status.CANCELLED.withDescription("the test gives up").asRuntimeException());
      awaitRunning(0);
      SftpTestSupport.put(sftp, "/outbox/list.csv.sealed", envelope);
    }
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList())
        .singleElement().satisfies(f -> assertThat(f.getSize()).isEqualTo(envelope.length));
    awaitRunning(0);
  }

  /**
   * Round BE: opens that raced for the last slot passed a check, created their uploads, lost the slot and gave them up
   * (an {@code upload.start ok} for an upload that never took a byte, then a server {@code upload.abandon}). The slot
   * is now taken before the upload is created: of many opens at once, only those that got a slot start an upload.
   */
  @Test
  void opensRacingForTheLastSlotCreateNoUploadThatTheyCannotStream() throws Exception {
    int sessions = 4;
    int perSession = 3;
    java.util.List<ClientSession> logins = new java.util.ArrayList<>();
    java.util.List<SftpClient> clientsOf = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < sessions; i++) {
        ClientSession s = login(client, server, "alice", aliceKey);
        logins.add(s);
        clientsOf.add(sftp(s));
      }
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      java.util.List<CompletableFuture<Boolean>> opens = new java.util.ArrayList<>();
      for (int i = 0; i < sessions * perSession; i++) {
        SftpClient sftp = clientsOf.get(i % sessions);
        String name = "/outbox/race-" + i + ".sealed";
        opens.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
            sftp.open(name, SftpClient.OpenMode.Write, SftpClient.OpenMode.Create); // left open: holds its slot
            return true;
          } catch (SftpException e) {
            // alice's own open holds the only slot: her share (the cap itself) is what refuses the others
            assertThat(e).hasMessageContaining("(max-upload-streams)").hasMessageContaining("[TOO_MANY_UPLOAD_STREAMS]");
            return false;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, threads));
      }
      go.countDown();
      long opened = 0;
      for (CompletableFuture<Boolean> f : opens) {
        opened += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(opened).as("one slot, one open").isEqualTo(1);
      assertThat(server.server().audit().tail(200)).filteredOn(e -> e.action().equals("upload.start")
          && e.result().equals("ok")).as("only the open that got the slot started an upload").hasSize(1);
      assertThat(server.server().audit().tail(200)).filteredOn(e -> e.action().equals("upload.abandon")).isEmpty();
    } finally {
      for (ClientSession s : logins) {
        s.close();
      }
    }
    awaitRunning(0);
  }
}

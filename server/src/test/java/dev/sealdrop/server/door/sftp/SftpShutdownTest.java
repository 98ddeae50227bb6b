package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.disconnectMessage;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: a graceful shutdown (SIGTERM) tells every open SFTP session why it ends and what to do,
 * as the gRPC door tells its calls, instead of dropping the connection without a word (OpenSSH then
 * printed only "Connection to HOST closed by remote host"). Session 18: SFTP sessions get the
 * shutdown grace gRPC calls get, for the uploads and downloads they have open, and no more.
 */
class SftpShutdownTest {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  /** What every session the shutdown closes is told (its SSH_MSG_DISCONNECT: reason code, text). */
  private static final String TOLD = SshConstants.SSH2_DISCONNECT_BY_APPLICATION + " the server is shutting down;"
      + " connect again once it is back (an upload not yet closed was not kept: put it again; a get cut short can"
      + " be run again)";
  /** What a session whose uploads and downloads all ended in the grace is told: nothing of it was cut. */
  private static final String TOLD_FINISHED = SshConstants.SSH2_DISCONNECT_BY_APPLICATION + " the server is shutting"
      + " down; connect again once it is back (what you finished was kept: a closed upload is committed, a download"
      + " read to the end counts)";

  @TempDir
  Path data;

  @Test
  void aGracefulShutdownTellsAnIdleSessionAndOneInTheMiddleOfAnUploadWhyTheyEnd() throws Exception {
    TestServer server = new TestServer(data);
    SshClient client;
    CompletableFuture<String> idleTold;
    CompletableFuture<String> uploadTold;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.publish(clients, server.pki, "bob");
      KeyPair aliceKey = registeredKey(clients, "alice");
      KeyPair bobKey = registeredKey(clients, "bob");
      client = SftpTestSupport.client(server);
      ClientSession bob = login(client, server, "bob", bobKey);
      idleTold = disconnectMessage(bob);
      sftp(bob).stat("/inbox");
      ClientSession alice = login(client, server, "alice", aliceKey);
      uploadTold = disconnectMessage(alice);
      byte[] sealed = Users.seal("alice", new byte[200_000], "bob").bytes();
      OutputStream upload = sftp(alice).write("/outbox/half.sealed");
      upload.write(sealed, 0, sealed.length / 2);
      upload.flush();
    } finally {
      server.close();
    }
    try {
      String told = SshConstants.SSH2_DISCONNECT_BY_APPLICATION + " the server is shutting down; connect again once"
          + " it is back (an upload not yet closed was not kept: put it again; a get cut short can be run again)";
      // close() has returned: both were told before it did; 30 s for this client's own threads to take it in
      assertThat(idleTold.get(30, TimeUnit.SECONDS)).isEqualTo(told);
      assertThat(uploadTold.get(30, TimeUnit.SECONDS)).isEqualTo(told);
    } finally {
      client.stop();
    }
  }

  /** The development configuration with {@code shutdown-grace} set to {@code grace}. */
  private static ServerConfig withGrace(ServerConfig c, Duration grace) {
    ServerConfig.Network n = c.network();
    return c.withNetwork(new ServerConfig.Network(n.host(), n.port(), n.handshakeTimeout(), n.maxConnectionIdle(),
        n.keepAliveTime(), n.keepAliveTimeout(), n.maxMessageBytes(), n.uploadChunkBytes(),
        n.maxConcurrentCallsPerConnection(), grace));
  }

  /**
   * A grace no step of a test comes near, even on a slow, busy machine (the tests that use it do not wait for it: the
   * shutdown ends once the sessions finish).
   */
  private static final Duration LONG_GRACE = Duration.ofSeconds(60);

  /**
   * How long an idle or not logged-in session may take to be told, "at once": far below {@link #LONG_GRACE}, at whose
   * end it would be told if it were kept.
   */
  private static final long AT_ONCE_SECONDS = 20;

  /** How long something that must happen (a session told after its last close, close() returning) may take. */
  private static final long MUST_SECONDS = 30;

  private static long secondsSince(long t0) {
    return (System.nanoTime() - t0) / 1_000_000_000L;
  }

  /**
   * An upload and a /redeem/ download open when the shutdown starts finish within the grace: the
   * upload's close succeeds and it is kept (listed after a restart), the download delivers every
   * byte; an idle session is closed at once, each finishing one right after its last close, and
   * close() returns then, not at the deadline.
   */
  @Test
  void anUploadAndADownloadOpenAtTheShutdownFinishWithinTheGraceAndTheUploadIsKept() throws Exception {
    TestServer server = new TestServer(data, c -> withGrace(c, LONG_GRACE));
    SshClient client = null;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.publish(clients, server.pki, "bob");
      KeyPair aliceKey = registeredKey(clients, "alice");
      KeyPair bobKey = registeredKey(clients, "bob");
      byte[] envelope = Users.seal("alice", Users.randomBytes(1 << 20, 7), "bob").bytes();
      UploadResponse file = Transfers.upload(clients, "alice", envelope);
      CreateGrantResponse grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
      client = SftpTestSupport.client(server);

      ClientSession idle = login(client, server, "bob", bobKey);
      CompletableFuture<String> idleTold = disconnectMessage(idle);
      sftp(idle).stat("/inbox");
      ClientSession uploader = login(client, server, "alice", aliceKey);
      CompletableFuture<String> uploaderTold = disconnectMessage(uploader);
      byte[] sealed = Users.seal("alice", Users.randomBytes(300_000, 8), "bob").bytes();
      OutputStream upload = sftp(uploader).write("/outbox/late.sealed");
      upload.write(sealed, 0, sealed.length / 2);
      upload.flush();
      ClientSession downloader = login(client, server, "bob", bobKey);
      CompletableFuture<String> downloaderTold = disconnectMessage(downloader);
      InputStream download = sftp(downloader).read("/redeem/" + grant.getToken());
      byte[] head = download.readNBytes(64 * 1024);

      long t0 = System.nanoTime();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, threads);
      assertThat(idleTold.get(AT_ONCE_SECONDS, TimeUnit.SECONDS)).as("an idle session is closed at once")
          .isEqualTo(TOLD);
      assertThat(uploaderTold).as("a session finishing an upload is not closed yet").isNotDone();
      assertThat(downloaderTold).as("a session finishing a download is not closed yet").isNotDone();

      upload.write(sealed, sealed.length / 2, sealed.length - sealed.length / 2);
      upload.close(); // throws unless the server answered the CLOSE with OK: committed
      long closedAt = System.nanoTime();
      Thread.sleep(100);
      boolean notDone = !uploaderTold.isDone();
      // the door tells the session a second after its reply (ShutdownGrace.REPLY_SETTLE): checked only while this
      // thread looked well within that second (a busy machine can hold it back longer)
      if (System.nanoTime() - closedAt < TimeUnit.MILLISECONDS.toNanos(700)) {
        assertThat(notDone).as("not told with the reply to its CLOSE, which OpenSSH's ssh would then drop"
            + " (OpenSshShutdownTest)").isTrue();
      }
      assertThat(uploaderTold.get(MUST_SECONDS, TimeUnit.SECONDS))
          .as("closed once its upload is closed, not told to put again").isEqualTo(TOLD_FINISHED);
      byte[] tail = download.readAllBytes();
      download.close();
      byte[] got = Arrays.copyOf(head, head.length + tail.length);
      System.arraycopy(tail, 0, got, head.length, tail.length);
      assertThat(got).as("the download delivered every byte").isEqualTo(envelope);
      assertThat(downloaderTold.get(MUST_SECONDS, TimeUnit.SECONDS)).as("closed once its download is closed")
          .isEqualTo(TOLD_FINISHED);
      closing.get(MUST_SECONDS, TimeUnit.SECONDS);
      assertThat(secondsSince(t0)).as("close() returned once nothing was left, not at the 60 s deadline")
          .isLessThan(LONG_GRACE.toSeconds() - 10);
    } finally {
      if (client != null) {
        client.stop();
      }
    }
    server.start();
    try (Clients clients = server.clients()) {
      client = SftpTestSupport.client(server);
      KeyPair aliceKey = registeredKey(clients, "alice");
      try (ClientSession alice = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(alice)) {
        assertThat(names(sftp, "/outbox")).as("the file uploaded over gRPC and the one finished in the grace")
            .hasSize(2);
      }
    } finally {
      client.stop();
      server.close();
    }
  }

  /**
   * During the grace, a session finishing an upload or download may not start new work: a new upload
   * or a redeem is refused with a message that says why and what to do ([SHUTTING_DOWN], nothing used up); a
   * connection not yet logged in is closed at once, and the listener accepts no new connection.
   */
  @Test
  void duringTheGraceANewOpenIsRefusedAsShuttingDownAndNoNewConnectionIsAccepted() throws Exception {
    TestServer server = new TestServer(data, c -> withGrace(c, LONG_GRACE));
    SshClient client = null;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.publish(clients, server.pki, "bob");
      KeyPair aliceKey = registeredKey(clients, "alice");
      KeyPair bobKey = registeredKey(clients, "bob");
      byte[] envelope = Users.seal("alice", Users.randomBytes(1 << 20, 10), "bob").bytes();
      UploadResponse file = Transfers.upload(clients, "alice", envelope);
      CreateGrantResponse grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
      client = SftpTestSupport.client(server);
      SshClient connecting = client;
      int port = server.server().sftpPort();
      ClientSession notLoggedIn = client.connect("bob", "127.0.0.1", port).verify(SftpTestSupport.TIMEOUT)
          .getSession();
      CompletableFuture<String> notLoggedInTold = disconnectMessage(notLoggedIn);
      ClientSession alice = login(client, server, "alice", aliceKey);
      CompletableFuture<String> aliceTold = disconnectMessage(alice);
      SftpClient sftp = sftp(alice);
      byte[] sealed = Users.seal("alice", new byte[100_000], "bob").bytes();
      OutputStream upload = sftp.write("/outbox/first.sealed");
      upload.write(sealed, 0, 1000);
      upload.flush();
      ClientSession bob = login(client, server, "bob", bobKey);
      CompletableFuture<String> bobTold = disconnectMessage(bob);
      SftpClient bobSftp = sftp(bob);
      InputStream download = bobSftp.read("/redeem/" + grant.getToken());
      assertThat(download.readNBytes(1000)).hasSize(1000);

      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, threads);
      assertThat(notLoggedInTold.get(AT_ONCE_SECONDS, TimeUnit.SECONDS)).as("not logged in: closed at once")
          .isEqualTo(TOLD);
      SftpException newUpload = catchThrowableOfType(SftpException.class,
          () -> sftp.open("/outbox/second.sealed", SftpClient.OpenMode.Write, SftpClient.OpenMode.Create));
      assertThat(newUpload).as("a new upload").isNotNull();
      assertThat(newUpload.getMessage()).isEqualTo("uploading is refused: the server is shutting down; retry once"
          + " it is back (nothing was used up) [SHUTTING_DOWN]");
      SftpException redeem = catchThrowableOfType(SftpException.class,
          () -> bobSftp.open("/redeem/sdg_" + "A".repeat(43), SftpClient.OpenMode.Read));
      assertThat(redeem).as("a new download").isNotNull();
      assertThat(redeem.getMessage()).isEqualTo("redeeming is refused: the server is shutting down; retry once"
          + " it is back (nothing was used up) [SHUTTING_DOWN]");
      assertThat(catchThrowableOfType(IOException.class,
          () -> connecting.connect("alice", "127.0.0.1", port).verify(SftpTestSupport.TIMEOUT)))
          .as("the listener is closed: a new connection is refused").isNotNull();
      assertThat(server.server().audit().tail(100)).as("the refused upload and redeem are audited with the reason")
          .anySatisfy(e -> {
            assertThat(e.action()).isEqualTo("upload.start");
            assertThat(e.result()).isEqualTo("shutting-down");
          })
          .anySatisfy(e -> {
            assertThat(e.action()).isEqualTo("grant.redeem");
            assertThat(e.result()).isEqualTo("shutting-down");
          });

      upload.write(sealed, 1000, sealed.length - 1000);
      upload.close();
      assertThat(aliceTold.get(MUST_SECONDS, TimeUnit.SECONDS)).isEqualTo(TOLD_FINISHED);
      download.readAllBytes();
      download.close();
      assertThat(bobTold.get(MUST_SECONDS, TimeUnit.SECONDS)).isEqualTo(TOLD_FINISHED);
      closing.get(MUST_SECONDS, TimeUnit.SECONDS);
    } finally {
      if (client != null) {
        client.stop();
      }
    }
  }

  /**
   * At the deadline every session left is told and closed, whether it still writes or its client
   * reads nothing at all: an upload open then is not kept, a download cut short gives its claim back
   * (audited, before the server closes its storage: the get can be run again after the restart), and
   * close() returns within the grace and a few seconds.
   */
  @Test
  void atTheDeadlineAnUploadStillOpenIsNotKeptAndCloseReturnsEvenWithAStalledClient() throws Exception {
    Duration grace = Duration.ofSeconds(4);
    TestServer server = new TestServer(data, c -> withGrace(c, grace));
    SshClient client = null;
    long t0;
    byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 9), "bob").bytes();
    CreateGrantResponse grant;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.publish(clients, server.pki, "bob");
      KeyPair aliceKey = registeredKey(clients, "alice");
      KeyPair bobKey = registeredKey(clients, "bob");
      UploadResponse file = Transfers.upload(clients, "alice", envelope);
      grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
      client = SftpTestSupport.client(server);

      ClientSession alice = login(client, server, "alice", aliceKey);
      CompletableFuture<String> aliceTold = disconnectMessage(alice);
      byte[] sealed = Users.seal("alice", new byte[300_000], "bob").bytes();
      OutputStream upload = sftp(alice).write("/outbox/never-closed.sealed");
      upload.write(sealed, 0, 100_000);
      upload.flush();
      // bob's client reads a little of a download, then reads nothing more from its connection
      ClientSession bob = login(client, server, "bob", bobKey);
      InputStream download = sftp(bob).read("/redeem/" + grant.getToken());
      assertThat(download.readNBytes(64 * 1024)).hasSize(64 * 1024);
      bob.getIoSession().suspendRead();

      CompletableFuture<Void> closing;
      try (dev.sealdrop.server.testing.CapturedLog serverLog = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
        t0 = System.nanoTime();
        closing = CompletableFuture.runAsync(server::close, threads);
        // the shutdown began (its first step logs it): the write below is within its grace, however slow this machine
        long begun = System.nanoTime() + TimeUnit.SECONDS.toNanos(MUST_SECONDS);
        while (serverLog.messages().stream().noneMatch(m -> m.startsWith("shutting down (grace"))) {
          assertThat(System.nanoTime()).as("the shutdown began").isLessThan(begun);
          Thread.sleep(10);
        }
      }
      upload.write(sealed, 100_000, 100_000);
      upload.flush(); // the session goes on during the grace
      assertThat(aliceTold.get(grace.toSeconds() + MUST_SECONDS, TimeUnit.SECONDS)).isEqualTo(TOLD);
      assertThat(System.nanoTime() - t0).as("told at the deadline, not before")
          .isGreaterThanOrEqualTo(grace.toNanos() - 500_000_000L);
      // after the deadline close() still gives the claim back, writes its records and syncs the audit log: a busy
      // machine takes seconds for that; a close() held by the stalled client would not return at all
      closing.get(grace.toSeconds() + MUST_SECONDS, TimeUnit.SECONDS);
      assertThat(System.nanoTime() - t0).as("close() returns within the grace and some seconds")
          .isLessThan(grace.toNanos() + TimeUnit.SECONDS.toNanos(MUST_SECONDS));
      assertThat(catchThrowableOfType(IOException.class, upload::close)).as("the upload cannot be closed now")
          .isNotNull();
    } finally {
      if (client != null) {
        client.stop();
      }
    }
    server.start();
    try (Clients clients = server.clients()) {
      client = SftpTestSupport.client(server);
      KeyPair aliceKey = registeredKey(clients, "alice");
      try (ClientSession alice = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(alice)) {
        assertThat(names(sftp, "/outbox")).as("only the file uploaded over gRPC; the unclosed upload was not kept")
            .hasSize(1);
      }
      assertThat(server.server().audit().tail(1000)).as("the claim was given back before the storage closed")
          .anySatisfy(e -> {
            assertThat(e.action()).isEqualTo("grant.release");
            assertThat(e.result()).isEqualTo("ok");
            assertThat(e.details()).containsEntry("door", "sftp")
                .containsEntry("grant-id", grant.getGrant().getGrantId());
          });
      KeyPair bobKey = registeredKey(clients, "bob");
      // the cut at the deadline was the server's doing: it did not count as one of the grant's interrupted claims
      // (every third uses a download up), so two downloads bob gives up himself leave the grant usable (outside test)
      for (int i = 0; i < 2; i++) {
        try (ClientSession bob = login(client, server, "bob", bobKey); SftpClient sftp = sftp(bob);
            InputStream part = sftp.read("/redeem/" + grant.getToken())) {
          assertThat(part.readNBytes(64 * 1024)).hasSize(64 * 1024);
        }
      }
      try (ClientSession bob = login(client, server, "bob", bobKey); SftpClient sftp = sftp(bob);
          InputStream again = sftp.read("/redeem/" + grant.getToken())) {
        assertThat(again.readAllBytes()).as("the download cut at the deadline can be run again").isEqualTo(envelope);
      }
    } finally {
      client.stop();
      server.close();
    }
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session 18, walked from outside: OpenSSH's {@code sftp} in batch mode, as a pipeline runs it, with
 * a {@code put} and a {@code get /redeem/TOKEN} in flight when a graceful shutdown starts. Both finish
 * within the grace, so both must exit 0: the upload is committed and the download counted, and a
 * pipeline that saw a failure would put the file again (a duplicate) or get it again (refused, the
 * grant is consumed). The session was told and closed as soon as the reply to the last CLOSE was
 * written; OpenSSH's ssh then often read that reply and the DISCONNECT together and exited before
 * passing the reply on, and sftp failed with "Connection closed" (exit 255).
 */
class OpenSshShutdownTest {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  private static final int TRANSFERS = 3;

  @TempDir
  Path data;
  @TempDir
  Path work;

  @Test
  void aPutAndAGetInFlightAtTheShutdownThatFinishInTheGraceExitZero() throws Exception {
    OpenSshSftp.assumeInstalled();
    TestServer server = new TestServer(data, c -> withGrace(c, Duration.ofSeconds(30)));
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.publish(clients, server.pki, "bob");
      OpenSshSftp openSshClient = new OpenSshSftp(work, server);
      openSshClient.writeIdentity("alice_ed25519", registeredKey(clients, "alice"), false);
      openSshClient.writeIdentity("bob_ed25519", registeredKey(clients, "bob"), false);
      // several of each: whether ssh reads a reply and the DISCONNECT together is a matter of timing
      List<byte[]> envelopes = new ArrayList<>();
      List<Process> puts = new ArrayList<>();
      List<Process> gets = new ArrayList<>();
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < TRANSFERS; i++) {
        byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 20 + i), "bob").bytes();
        UploadResponse file = Transfers.upload(clients, "alice", envelope);
        tokens.add(Transfers.grant(clients, "alice", file.getFileId(), "bob").getToken());
        envelopes.add(envelope);
        Files.write(work.resolve("late" + i + ".sealed"), Users.seal("alice", Users.randomBytes(4 << 20, 40 + i), "bob")
            .bytes());
      }
      // about 1 MB/s each: some 4 s for each transfer, the shutdown starting in the middle
      for (int i = 0; i < TRANSFERS; i++) {
        puts.add(sftp(openSshClient, "alice", "put late" + i + ".sealed /outbox/"));
        gets.add(sftp(openSshClient, "bob", "get /redeem/" + tokens.get(i) + " got" + i + ".sealed"));
      }
      awaitInFlight();
      assertThat(puts).as("the puts are still running when the shutdown starts").allMatch(Process::isAlive);
      assertThat(gets).as("the gets are still running when the shutdown starts").allMatch(Process::isAlive);
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, threads);
      for (int i = 0; i < TRANSFERS; i++) {
        String putOut = finish(puts.get(i));
        String getOut = finish(gets.get(i));
        assertThat(puts.get(i).exitValue()).as("put " + i + ", finished in the grace:\n" + putOut).isZero();
        assertThat(putOut).as("a put that was committed is not told to put again").doesNotContain("put it again");
        assertThat(gets.get(i).exitValue()).as("get " + i + ", finished in the grace:\n" + getOut).isZero();
        assertThat(Files.readAllBytes(work.resolve("got" + i + ".sealed"))).as("download " + i + " is whole")
            .isEqualTo(envelopes.get(i));
      }
      closing.get(40, TimeUnit.SECONDS);
    }
    server.start();
    try (Clients clients = server.clients()) {
      assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList())
          .as("the files put during the grace are kept").hasSize(2 * TRANSFERS);
    } finally {
      server.close();
    }
  }

  /** sftp as {@code user} running {@code command} at about 1 MB/s ({@code -l 8000} Kbit/s). */
  private static Process sftp(OpenSshSftp openSshClient, String user, String command) throws Exception {
    return openSshClient.start(user, user + "_ed25519", command + "\n", "-l", "8000");
  }

  /** Waits until every get has written bytes and every put has sent some (the server holds them in tmp/). */
  private void awaitInFlight() throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end) {
      long gets = 0;
      long puts;
      for (int i = 0; i < TRANSFERS; i++) {
        Path got = work.resolve("got" + i + ".sealed");
        gets += Files.exists(got) && Files.size(got) > 0 ? 1 : 0;
      }
      try (var tmp = Files.list(data.resolve("tmp"))) {
        puts = tmp.filter(f -> f.toFile().length() > 0).count();
      }
      if (gets == TRANSFERS && puts == TRANSFERS) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the transfers did not all start within 20 s");
  }

  private static String finish(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(40, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("sftp did not finish:\n" + out);
    }
    return out;
  }

  private static ServerConfig withGrace(ServerConfig c, Duration grace) {
    ServerConfig.Network n = c.network();
    return c.withNetwork(new ServerConfig.Network(n.host(), n.port(), n.handshakeTimeout(), n.maxConnectionIdle(),
        n.keepAliveTime(), n.keepAliveTimeout(), n.maxMessageBytes(), n.uploadChunkBytes(),
        n.maxConcurrentCallsPerConnection(), grace));
  }
}

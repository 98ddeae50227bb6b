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
      List<Sftp> puts = new ArrayList<>();
      List<Sftp> gets = new ArrayList<>();
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < TRANSFERS; i++) {
        byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 20 + i), "bob").bytes();
        UploadResponse file = Transfers.upload(clients, "alice", envelope);
        tokens.add(Transfers.grant(clients, "alice", file.getFileId(), "bob").getToken());
        envelopes.add(envelope);
        Files.write(work.resolve("late" + i + ".sealed"), Users.seal("alice", Users.randomBytes(4 << 20, 40 + i), "bob")
            .bytes());
      }
      // All six log in first (key exchange, login, a request answered), and only then are given their transfer: six
      // logins on a busy machine took longer than a transfer, which had ended before the shutdown began. About 750
      // kB/s each: some 6 s for each transfer, the shutdown starting in the middle
      for (int i = 0; i < TRANSFERS; i++) {
        puts.add(new Sftp(work, server.server().sftpPort(), "alice"));
        gets.add(new Sftp(work, server.server().sftpPort(), "bob"));
      }
      for (Sftp p : concat(puts, gets)) {
        p.awaitLoggedIn();
      }
      for (int i = 0; i < TRANSFERS; i++) {
        puts.get(i).run("put late" + i + ".sealed /outbox/");
        gets.get(i).run("get /redeem/" + tokens.get(i) + " got" + i + ".sealed");
      }
      awaitInFlight();
      assertThat(puts).as("the puts are still running when the shutdown starts").allMatch(p -> p.process.isAlive());
      assertThat(gets).as("the gets are still running when the shutdown starts").allMatch(p -> p.process.isAlive());
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, threads);
      for (int i = 0; i < TRANSFERS; i++) {
        String putOut = puts.get(i).finish();
        String getOut = gets.get(i).finish();
        assertThat(puts.get(i).process.exitValue()).as("put " + i + ", finished in the grace:\n" + putOut).isZero();
        assertThat(putOut).as("a put that was committed is not told to put again").doesNotContain("put it again");
        assertThat(gets.get(i).process.exitValue()).as("get " + i + ", finished in the grace:\n" + getOut).isZero();
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

  private static List<Sftp> concat(List<Sftp> a, List<Sftp> b) {
    List<Sftp> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /**
   * OpenSSH's sftp in batch mode as {@code user} at about 750 kB/s ({@code -l 6000} Kbit/s), with the options
   * {@link OpenSshSftp} gives it, reading its batch from its standard input ({@code -b -}): a {@code pwd} at once,
   * whose answer tells that it has logged in, then the command {@link #run} gives it. What it prints (stdout and
   * stderr) is collected as it comes.
   */
  private static final class Sftp {
    final Process process;
    private final StringBuffer printed = new StringBuffer();
    private final Thread reader;

    /** In {@code work}, where {@link OpenSshSftp} wrote known_hosts and USER_ed25519. */
    Sftp(Path work, int port, String user) throws Exception {
      process = new ProcessBuilder(List.of("/usr/bin/sftp", "-F", "/dev/null", "-b", "-", "-P",
          String.valueOf(port), "-i", work.resolve(user + "_ed25519").toString(),
          "-o", "UserKnownHostsFile=" + work.resolve("known_hosts"), "-o", "StrictHostKeyChecking=yes",
          "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", "-l", "6000",
          user + "@127.0.0.1")).directory(work.toFile()).redirectErrorStream(true).start();
      reader = new Thread(() -> {
        try (var in = new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
          char[] buf = new char[4096];
          for (int n; (n = in.read(buf)) >= 0; ) {
            printed.append(buf, 0, n);
          }
        } catch (java.io.IOException e) {
          printed.append("\n(reading its output failed: ").append(e).append(')');
        }
      }, "sftp-output-" + user);
      reader.setDaemon(true);
      reader.start();
      process.getOutputStream().write("pwd\n".getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    void awaitLoggedIn() throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!printed.toString().contains("Remote working directory")) {
        if (!process.isAlive() || System.nanoTime() > end) {
          throw new AssertionError("sftp did not log in and answer pwd within 60 s (alive: " + process.isAlive()
              + "):\n" + printed);
        }
        Thread.sleep(20);
      }
    }

    /** Gives sftp its last {@code command}. */
    void run(String command) throws java.io.IOException {
      try (var stdin = process.getOutputStream()) {
        stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }

    /** Waits for sftp to end (40 s at most): what it printed. */
    String finish() throws Exception {
      if (!process.waitFor(40, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        reader.join(5_000);
        throw new AssertionError("sftp did not finish:\n" + printed);
      }
      reader.join(10_000);
      return printed.toString();
    }
  }

  /** Waits until every get has written bytes and every put has sent some (the server holds them in tmp/). */
  private void awaitInFlight() throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
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
    throw new AssertionError("the transfers did not all start within 60 s");
  }

  private static ServerConfig withGrace(ServerConfig c, Duration grace) {
    ServerConfig.Network n = c.network();
    return c.withNetwork(new ServerConfig.Network(n.host(), n.port(), n.handshakeTimeout(), n.maxConnectionIdle(),
        n.keepAliveTime(), n.keepAliveTimeout(), n.maxMessageBytes(), n.uploadChunkBytes(),
        n.maxConcurrentCallsPerConnection(), grace));
  }
}

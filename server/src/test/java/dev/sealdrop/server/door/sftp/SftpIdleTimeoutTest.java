package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.disconnectMessage;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.door.sftp.OpenSshSftp.Run;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Users;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sftp-idle-timeout} (2 s here) counts what a session does, not keepalives: MINA restarted
 * its idle timer on every packet, so OpenSSH's {@code ServerAliveInterval} (a global request) or
 * SSH_MSG_IGNORE kept a session that did nothing open for ever. A session that keeps sending SFTP
 * requests, or a slow steady upload, is not idle.
 */
class SftpIdleTimeoutTest {
  private static final String IDLE = SshConstants.SSH2_DISCONNECT_BY_APPLICATION
      + " idle session closed: no activity for 2 s (sftp-idle-timeout); connect again";

  @TempDir
  static Path data;
  @TempDir
  static Path work;
  static TestServer server;
  static Clients clients;
  static SshClient client;
  static KeyPair aliceKey;

  @BeforeAll
  static void start() {
    server = new TestServer(data, c -> c.withSftp(new ServerConfig.Sftp(true, 0, Duration.ofSeconds(5),
        Duration.ofSeconds(2), 6, 8, 32, Duration.ofSeconds(1))));
    clients = server.clients();
    Users.publish(clients, server.pki, "alice");
    aliceKey = registeredKey(clients, "alice");
    client = SftpTestSupport.client(server);
  }

  @AfterAll
  static void stop() throws Exception {
    client.stop();
    clients.close();
    server.close();
  }

  @Test
  void keepalivesAloneDoNotKeepASessionOpen() throws Exception {
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      CompletableFuture<String> said = disconnectMessage(s);
      sftp.stat("/outbox");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!said.isDone() && System.nanoTime() < deadline) {
        // what OpenSSH's ServerAliveInterval sends, and an SSH_MSG_IGNORE (MINA's own heartbeat)
        Buffer keepalive = s.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
        keepalive.putString("keepalive@openssh.com");
        keepalive.putBoolean(true);
        s.writePacket(keepalive);
        s.sendIgnoreMessage(new byte[16]);
        Thread.sleep(300);
      }
      assertThat(said).as("closed although keepalives kept coming").isDone();
      assertThat(said.get()).isEqualTo(IDLE);
    }
  }

  @Test
  void sftpRequestsKeepASessionOpen() throws Exception {
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      CompletableFuture<String> said = disconnectMessage(s);
      for (int i = 0; i < 12; i++) { // 6 s, three times the timeout
        sftp.stat("/outbox");
        Thread.sleep(500);
      }
      assertThat(said).as("not closed while it works").isNotDone();
      assertThat(said.get(10, TimeUnit.SECONDS)).as("closed once it stops").isEqualTo(IDLE);
    }
  }

  /** 32 KiB every 400 ms for about 5 s: a slow upload is activity, and commits. */
  @Test
  void aSlowSteadyUploadIsNotCut() throws Exception {
    int piece = 32 * 1024;
    byte[] envelope = Users.seal("alice", Users.randomBytes(12 * piece, 3), "bob").bytes();
    long before = clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      CompletableFuture<String> said = disconnectMessage(s);
      try (OutputStream out = sftp.write("/outbox/slow.sealed", piece)) {
        for (int off = 0; off < envelope.length; off += piece) {
          out.write(envelope, off, Math.min(piece, envelope.length - off));
          out.flush();
          Thread.sleep(400);
        }
      }
      assertThat(said).isNotDone();
    }
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount())
        .isEqualTo(before + 1);
  }

  /**
   * OpenSSH with {@code ServerAliveInterval=1}: {@code ssh -N} (no channel) and {@code ssh -s ... sftp}
   * whose sftp channel is open but sends nothing are both closed, and print why.
   */
  @Test
  void openSshWithServerAliveIntervalIsClosedWhenIdle() throws Exception {
    OpenSshSftp.assumeInstalled();
    OpenSshSftp openSsh = new OpenSshSftp(work, server);
    openSsh.writeIdentity("alice_key", aliceKey, true);
    Process noChannel = openSsh.startSsh("alice", "alice_key", List.of("-N", "-o", "ServerAliveInterval=1"));
    Process quietChannel = openSsh.startSsh("alice", "alice_key", List.of("-o", "ServerAliveInterval=1", "-s"), "sftp");
    try {
      for (Process p : List.of(noChannel, quietChannel)) {
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("closed within 15 s").isTrue();
        Run run = OpenSshSftp.finish(p);
        assertThat(run.exit()).as(run.output()).isEqualTo(255);
        assertThat(run.output()).contains(":11: idle session closed: no activity for 2 s (sftp-idle-timeout); connect"
            + " again");
      }
    } finally {
      noChannel.destroy();
      quietChannel.destroy();
    }
  }
}

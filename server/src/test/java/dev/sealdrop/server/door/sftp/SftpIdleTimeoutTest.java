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
 * requests, or a slow steady upload, is not idle: shown on a second server whose timeout is 5 s, so
 * that a pause of this test's thread on a busy machine (seen at 1.5 s) between two requests a fraction
 * of a second apart is not taken for idleness.
 */
class SftpIdleTimeoutTest {
  private static final String IDLE = SshConstants.SSH2_DISCONNECT_BY_APPLICATION
      + " idle session closed: no activity for 2 s (sftp-idle-timeout); connect again";

  @TempDir
  static Path data;
  @TempDir
  static Path work;
  @TempDir
  static Path patientData;
  static TestServer server;
  static Clients clients;
  static SshClient client;
  static KeyPair aliceKey;
  /** The same limits, but {@code sftp-idle-timeout} 5 s: for the sessions that must not be cut. */
  static TestServer patient;
  static Clients patientClients;
  static SshClient patientClient;
  static KeyPair alicePatientKey;
  static final Duration PATIENT_IDLE = Duration.ofSeconds(5);
  private static final String PATIENT_IDLE_SAID = SshConstants.SSH2_DISCONNECT_BY_APPLICATION
      + " idle session closed: no activity for 5 s (sftp-idle-timeout); connect again";

  @BeforeAll
  static void start() {
    server = new TestServer(data, c -> c.withSftp(new ServerConfig.Sftp(true, 0, Duration.ofSeconds(5),
        Duration.ofSeconds(2), 6, 8, 32, Duration.ofSeconds(1))));
    clients = server.clients();
    Users.publish(clients, server.pki, "alice");
    aliceKey = registeredKey(clients, "alice");
    client = SftpTestSupport.client(server);
    patient = new TestServer(patientData, c -> c.withSftp(new ServerConfig.Sftp(true, 0, Duration.ofSeconds(5),
        PATIENT_IDLE, 6, 8, 32, Duration.ofSeconds(1))));
    patientClients = patient.clients();
    Users.publish(patientClients, patient.pki, "alice");
    alicePatientKey = registeredKey(patientClients, "alice");
    patientClient = SftpTestSupport.client(patient);
  }

  @AfterAll
  static void stop() throws Exception {
    client.stop();
    clients.close();
    server.close();
    patientClient.stop();
    patientClients.close();
    patient.close();
  }

  @Test
  void keepalivesAloneDoNotKeepASessionOpen() throws Exception {
    try (ClientSession s = login(client, server, "alice", aliceKey)) {
      CompletableFuture<String> said = disconnectMessage(s);
      SftpClient sftp = null; // an SFTP channel, open and quiet
      try {
        sftp = sftp(s);
        sftp.stat("/outbox");
      } catch (java.io.IOException | java.io.UncheckedIOException | IllegalStateException e) {
        if (!said.isDone()) {
          throw e;
        }
        // this thread was held up past the 2 s timeout after the login (a busy machine): closed idle already
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
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
      if (sftp != null) {
        sftp.close();
      }
    }
  }

  /**
   * A request every 200 ms for 7 s: longer than the 5 s timeout and the sweeper's 1 s round, so that
   * a session whose requests did not count would have been closed before the check.
   */
  @Test
  void sftpRequestsKeepASessionOpen() throws Exception {
    try (ClientSession s = login(patientClient, patient, "alice", alicePatientKey); SftpClient sftp = sftp(s)) {
      CompletableFuture<String> said = disconnectMessage(s);
      long start = System.nanoTime();
      while (System.nanoTime() - start < PATIENT_IDLE.plusSeconds(2).toNanos()) {
        sftp.stat("/outbox");
        Thread.sleep(200);
      }
      assertThat(said).as("not closed while it works").isNotDone();
      assertThat(said.get(30, TimeUnit.SECONDS)).as("closed once it stops").isEqualTo(PATIENT_IDLE_SAID);
    }
  }

  /** 16 KiB every 250 ms for about 7 s (longer than the 5 s timeout): a slow upload is activity, and commits. */
  @Test
  void aSlowSteadyUploadIsNotCut() throws Exception {
    int piece = 16 * 1024;
    byte[] envelope = Users.seal("alice", Users.randomBytes(28 * piece, 3), "bob").bytes();
    long before = patientClients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount();
    try (ClientSession s = login(patientClient, patient, "alice", alicePatientKey); SftpClient sftp = sftp(s)) {
      CompletableFuture<String> said = disconnectMessage(s);
      long start = System.nanoTime();
      try (OutputStream out = sftp.write("/outbox/slow.sealed", piece)) {
        for (int off = 0; off < envelope.length; off += piece) {
          out.write(envelope, off, Math.min(piece, envelope.length - off));
          out.flush();
          Thread.sleep(250);
        }
      }
      assertThat(System.nanoTime() - start).as("the upload took longer than the timeout")
          .isGreaterThan(PATIENT_IDLE.plusSeconds(1).toNanos());
      assertThat(said).isNotDone();
    }
    assertThat(patientClients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount())
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
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("closed within 30 s").isTrue();
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

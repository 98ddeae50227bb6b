package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At most {@link LoginBacklog#DEFAULT_LIMIT} connections wait to log in at once, as OpenSSH's MaxStartups: an outside
 * test held 1000 connections that sent a version line and nothing more, and all stayed open until sftp-auth-timeout.
 * The next one is closed before the SSH version exchange; once the waiting ones go, connections are served again.
 * Of them, one address holds at most a share.
 */
class SftpLoginBacklogTest {
  @TempDir
  Path data;

  @Test
  void connectionsBeyondTheBacklogOfUnauthenticatedOnesAreClosedAtOnceAndServedAgainOnceTheyGo() throws Exception {
    try (TestServer server = new TestServer(data, c -> c.withSftpPort(0)); Clients clients = server.clients()) {
      KeyPair aliceKey = registeredKey(clients, "alice");
      int port = server.server().sftpPort();
      List<Socket> held = new ArrayList<>();
      try {
        // from several addresses (loopback answers to all of 127/8)
        for (int i = 0; i < LoginBacklog.DEFAULT_LIMIT; i++) {
          Socket s = from("127.0.0." + (10 + i % 4), port);
          held.add(s);
          s.getOutputStream().write("SSH-2.0-backlog_test\r\n".getBytes(StandardCharsets.US_ASCII));
          assertThat(versionLine(s)).as("connection %d is served", i).startsWith("SSH-2.0-sealdrop");
        }
        try (Socket beyond = from("127.0.0.20", port)) {
          beyond.setSoTimeout(10_000);
          assertThat(beyond.getInputStream().read()).as("closed before the version exchange").isEqualTo(-1);
        }
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
      // the server notices the closes: a new connection is served, and a login works
      long deadline = System.nanoTime() + 20_000_000_000L;
      boolean served = false;
      while (!served && System.nanoTime() < deadline) {
        try (Socket again = new Socket("127.0.0.1", port)) {
          again.setSoTimeout(5_000);
          served = versionLine(again).startsWith("SSH-2.0-sealdrop");
        } catch (IOException e) {
          Thread.sleep(100);
        }
      }
      assertThat(served).isTrue();
      SshClient client = SftpTestSupport.client(server);
      try (ClientSession s = login(client, server, "alice", aliceKey)) {
        assertThat(s.isAuthenticated()).isTrue();
      } finally {
        client.stop();
      }
    }
  }

  /**
   * With sftp-max-startups-per-source, one address holds at most that many of the connections waiting to log in, as
   * OpenSSH's PerSourceMaxStartups: without it, one source could take the whole backlog (and every other client's
   * logins) for as long as sftp-auth-timeout.
   */
  @Test
  void oneAddressHoldsAtMostItsShareOfTheBacklog() throws Exception {
    int share = 5;
    try (TestServer server = new TestServer(data, c -> {
      ServerConfig.Sftp s = c.withSftpPort(0).sftp();
      return c.withSftp(new ServerConfig.Sftp(true, 0, s.authTimeout(), s.idleTimeout(), s.maxAuthAttempts(),
          s.maxSessionsPerIdentity(), s.maxOpenHandles(), s.recheckInterval(), s.host(), share));
    })) {
      int port = server.server().sftpPort();
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < share; i++) {
          Socket s = from("127.0.0.30", port);
          held.add(s);
          s.getOutputStream().write("SSH-2.0-backlog_test\r\n".getBytes(StandardCharsets.US_ASCII));
          assertThat(versionLine(s)).as("connection %d is served", i).startsWith("SSH-2.0-sealdrop");
        }
        try (Socket more = from("127.0.0.30", port)) {
          more.setSoTimeout(10_000);
          assertThat(more.getInputStream().read()).as("one more from that address is closed at once").isEqualTo(-1);
        }
        try (Socket other = from("127.0.0.31", port)) {
          assertThat(versionLine(other)).as("another address is served").startsWith("SSH-2.0-sealdrop");
        }
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  /** A connection to the door from local address {@code source}. */
  private static Socket from(String source, int port) throws IOException {
    return new Socket(java.net.InetAddress.getByName("127.0.0.1"), port, java.net.InetAddress.getByName(source), 0);
  }

  /** The server's identification line, or "" if the connection ends first. */
  private static String versionLine(Socket s) throws IOException {
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      line.append((char) b);
    }
    return line.toString();
  }
}

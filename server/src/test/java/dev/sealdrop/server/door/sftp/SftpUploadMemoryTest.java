package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Users;
import java.io.OutputStream;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * SFTP upload memory is capped server-wide: each open upload takes its chunk buffers (1 MiB each, up
 * to 3) from a 32 MiB budget, so many concurrent uploaders cannot exhaust a small heap. Past the
 * budget an upload is not refused: it appends each write directly, and still commits intact.
 */
class SftpUploadMemoryTest extends OneServerPerMethod {
  private static final int UPLOADS = 40; // more than 32 MiB of 1 MiB buffers, one each at least
  private static final int PER_SESSION = 20; // within the 32 handles of a session
  private static final int PIECE = 32 * 1024;
  private static final int OPENING = 4 * PIECE; // past the 64 KiB validated before any buffering

  SshClient client;
  KeyPair aliceKey;
  CapturedLog log;

  /** Room for all of them at once: the stream caps (32, and 8 per identity) would refuse the rest before the budget. */
  @Override
  protected dev.sealdrop.server.config.ServerConfig configure(dev.sealdrop.server.config.ServerConfig c) {
    return c.withUploads(c.uploads().withUploadStreams(UPLOADS, UPLOADS));
  }

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    aliceKey = registeredKey(clients, "alice");
    client = SftpTestSupport.client(server);
    log = new CapturedLog();
    log.start();
    budgetLogger().addAppender(log);
  }

  @AfterEach
  void stop() throws Exception {
    budgetLogger().detachAppender(log);
    client.stop();
  }

  private static Logger budgetLogger() {
    return (Logger) LoggerFactory.getLogger("dev.sealdrop.server.door.sftp.UploadBudget");
  }

  @Test
  void manyConcurrentUploadsShareTheServerWideBudgetAndAllCommitIntact() throws Exception {
    List<byte[]> envelopes = new ArrayList<>();
    for (int i = 0; i < UPLOADS; i++) {
      envelopes.add(Users.seal("alice", Users.randomBytes(300_000, 100 + i), "bob").bytes());
    }
    List<ClientSession> sessions = new ArrayList<>();
    List<OutputStream> uploads = new ArrayList<>();
    try {
      SftpClient sftp = null;
      for (int i = 0; i < UPLOADS; i++) {
        if (i % PER_SESSION == 0) {
          ClientSession s = login(client, server, "alice", aliceKey);
          sessions.add(s);
          sftp = sftp(s);
        }
        OutputStream out = sftp.write("/outbox/part-" + i + ".sealed", PIECE);
        for (int off = 0; off < OPENING; off += PIECE) {
          out.write(envelopes.get(i), off, PIECE);
        }
        out.flush(); // every upload is open and buffering at once
        uploads.add(out);
      }
      assertThat(log.events()).as("the budget was spent by the open uploads (at least 1 MiB each)")
          .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("hold the whole upload buffer budget (32 MiB)"));

      for (int i = 0; i < UPLOADS; i++) {
        byte[] envelope = envelopes.get(i);
        OutputStream out = uploads.get(i);
        out.write(envelope, OPENING, envelope.length - OPENING);
        out.close(); // CLOSE commits
      }
    } finally {
      for (ClientSession s : sessions) {
        s.close(true);
      }
    }
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList())
        .as("every upload committed, those past the budget too").hasSize(UPLOADS)
        .extracting(f -> f.getSize()).containsExactlyInAnyOrderElementsOf(
            envelopes.stream().map(e -> (long) e.length).toList());
  }
}

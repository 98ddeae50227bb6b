package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.grant.GrantPolicy;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stall timeout is one core rule for both doors: a /redeem/ handle left open and unread, in a
 * session that stays up, is stopped after {@code download-stall-timeout} (DOWNLOAD_STALLED): its slot
 * is free again at once, its claim given back (the grant can be redeemed again), and its next read fails
 * with the reason. A handle read slowly is not stopped.
 */
class SftpDownloadStallTest extends OneServerPerMethod {
  static final Duration STALL = Duration.ofSeconds(2);
  private static final int PIECE = 32 * 1024;
  SshClient client;
  KeyPair bobKey;
  UploadResponse file;
  byte[] envelope;

  @Override
  protected ServerConfig configure(ServerConfig c) {
    return c.withGrants(GrantPolicy.DEFAULT.withMaxDownloadStreamsPerIdentity(1).withDownloadStallTimeout(STALL));
  }

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    bobKey = registeredKey(clients, "bob");
    client = SftpTestSupport.client(server);
    envelope = Users.seal("alice", Users.randomBytes(4 << 20, 59), "bob").bytes();
    file = Transfers.upload(clients, "alice", envelope);
  }

  @AfterEach
  void stop() throws IOException {
    client.stop();
  }

  /** {@link dev.sealdrop.server.testing.AuditRecords#await} on this test's server, for up to 30 s. */
  Audit.Entry awaitAudit(String what, Predicate<Audit.Entry> match) throws Exception {
    return dev.sealdrop.server.testing.AuditRecords.await(server.server(), what, match, 30);
  }


  /** The stall's stop of the download of {@code grant}, as audited once its slot is free. */
  void awaitStalled(CreateGrantResponse grant) throws Exception {
    String object = "grant:" + grant.getGrant().getGrantId();
    awaitAudit("the stalled download's stop", r -> r.action().equals("download.abort") && r.object().equals(object)
        && r.result().equals("download-stalled"));
  }

  /**
   * The read of a stopped handle, once the stop is done: the door tells the stall's reason at once, and what became of
   * the claim once it was given back (its grant.release is audited just before), so this reads until it says so.
   */
  IOException stoppedRead(SftpClient sftp, SftpClient.Handle h, long offset) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    byte[] buf = new byte[PIECE];
    while (true) {
      IOException stopped = catchThrowableOfType(IOException.class, () -> sftp.read(h, offset, buf, 0, PIECE));
      assertThat(stopped).as("nothing more is served, not even the read-ahead").isNotNull();
      if (stopped.getMessage().contains("the claim was given back")) {
        return stopped;
      }
      assertThat(System.nanoTime()).as("the stopped claim was given back within 30 s: %s", stopped.getMessage())
          .isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void anOpenHandleNobodyReadsIsStoppedItsSlotFreedAndItsGrantRedeemableAgain() throws Exception {
    var grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String token = grant.getToken();
    String other = Transfers.grant(clients, "alice", file.getFileId(), "bob").getToken();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s);
        SftpClient second = sftp(s)) {
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + token, SftpClient.OpenMode.Read)) {
        byte[] buf = new byte[PIECE];
        assertThat(sftp.read(h, 0, buf, 0, PIECE)).isEqualTo(PIECE);
        // bob's one slot is held by the open handle: his other redeem, on an SFTP channel of its own, is refused.
        // Until that answer is in, the handle is read on, a piece per quarter of the timeout (at most 2 MiB of its
        // 4), so that on a busy machine the server cannot have stopped it, and freed the slot, while that redeem's
        // database and audit writes ran.
        CompletableFuture<Throwable> refusal = CompletableFuture.supplyAsync(
            () -> catchThrowable(() -> second.open("/redeem/" + other, SftpClient.OpenMode.Read).close()), r -> {
              Thread t = new Thread(r, "other-redeem");
              t.setDaemon(true);
              t.start();
            });
        long offset = PIECE;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!refusal.isDone()) {
          assertThat(System.nanoTime()).as("the other redeem was answered within 60 s").isLessThan(deadline);
          try {
            refusal.get(STALL.toMillis() / 4, TimeUnit.MILLISECONDS);
          } catch (TimeoutException stillWaiting) {
            if (offset < 2 << 20) {
              assertThat(sftp.read(h, offset, buf, 0, PIECE)).isEqualTo(PIECE);
              offset += PIECE;
            }
          }
        }
        assertThat(refusal.get()).isInstanceOf(SftpException.class).hasMessageContaining("[TOO_MANY_DOWNLOADS]");

        // bob reads nothing for longer than the timeout: the server stops the download, gives its claim back
        awaitStalled(grant);
        awaitAudit("the stopped claim's release", r -> r.action().equals("grant.release")
            && r.object().equals("grant:" + grant.getGrant().getGrantId()));
        // the slot is free while the stalled handle is still open
        assertThat(SftpTestSupport.get(sftp, "/redeem/" + other)).isEqualTo(envelope);
        IOException stopped = stoppedRead(sftp, h, offset);
        assertThat(stopped).hasMessageContaining("its client took nothing for 2 s (download-stall-timeout)")
            .hasMessageContaining("the grant can be redeemed again").hasMessageContaining("[DOWNLOAD_STALLED]")
            // bytes were handed out on this claim: it counts as interrupted, so not "nothing is used up" (round CZ)
            .hasMessageNotContaining("nothing is used up")
            .hasMessageContaining("a grant's third such claim counts as one of its downloads");
      }
      assertThat(server.server().audit().tail(60)).anySatisfy(r -> {
        assertThat(r.action()).isEqualTo("download.abort");
        assertThat(r.result()).isEqualTo("download-stalled");
        assertThat(r.details()).containsEntry("door", "sftp");
      });
      assertThat(server.server().audit().tail(60)).filteredOn(r -> r.action().equals("grant.release")
          && r.object().equals("grant:" + grant.getGrant().getGrantId()))
          .as("the stopped claim was given back once").singleElement()
          .satisfies(r -> assertThat(r.result()).isEqualTo("ok"));
      // not used up (one interrupted claim of three): the same token downloads in full
      assertThat(SftpTestSupport.get(sftp, "/redeem/" + token)).isEqualTo(envelope);
    }
  }

  /**
   * A stall that gives back the grant's third claim on which bytes were handed out uses the grant up
   * (docs/protocol.md §5): its reads say so, not "nothing is used up" (outside test).
   */
  @Test
  void aStallThatUsesTheGrantUpSaysSo() throws Exception {
    var grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      byte[] buf = new byte[PIECE];
      for (int i = 0; i < 2; i++) { // two claims given back after bytes were read: the grant stays active
        try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
          assertThat(sftp.read(h, 0, buf, 0, PIECE)).isEqualTo(PIECE);
        }
      }
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
        assertThat(sftp.read(h, 0, buf, 0, PIECE)).isEqualTo(PIECE);
        awaitStalled(grant);
        IOException stopped = stoppedRead(sftp, h, PIECE);
        assertThat(stopped).hasMessageContaining("[DOWNLOAD_STALLED]").hasMessageContaining("the grant is used up")
            .hasMessageNotContaining("nothing is used up").hasMessageNotContaining("can be redeemed again");
      }
      assertThatThrownBy(() -> sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read).close())
          .hasMessageContaining("GRANT_CONSUMED");
    }
  }

  /**
   * A handle that was read to the last byte and then left open: the stall frees its slot only; the end-of-file read
   * and the CLOSE, which confirms, still work (outside test: they failed, told "nothing is used up", and the download
   * counted all the same).
   */
  @Test
  void aHandleReadToTheEndAndLeftOpenStillEndsAndConfirms() throws Exception {
    byte[] small = Users.seal("alice", Users.randomBytes(100_000, 71), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", small).getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
        byte[] buf = new byte[PIECE];
        long offset = 0;
        while (offset < small.length) {
          int n = sftp.read(h, offset, buf, 0, PIECE);
          got.write(buf, 0, n);
          offset += n;
        }
        // the stall's stop of a download served to its last byte frees its slot and records it as complete (the
        // handle is still open: nothing else ends it now)
        awaitAudit("the stall's stop of the download read to its end", r -> r.object().equals(object)
            && r.action().equals("download.complete"));
        assertThat(sftp.read(h, offset, buf, 0, PIECE)).as("the end of the file, not an error").isEqualTo(-1);
      }
      assertThat(got.toByteArray()).isEqualTo(small);
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.result())
          .contains("download.complete ok", "grant.consume ok").doesNotContain("grant.release ok");
    }
  }

  /**
   * Review RO: a handle whose client read the file's last bytes first (the claim then counts), then its start, then
   * stalled, still served the up to 1 MiB read ahead after the stop, through a lockdown or the claim's lapse too. Once
   * stopped it serves nothing more below the end.
   */
  @Test
  void aHandleServedItsLastBytesFirstServesNothingMoreOnceStopped() throws Exception {
    var grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s);
        SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
      byte[] buf = new byte[PIECE];
      assertThat(sftp.read(h, envelope.length - 100, buf, 0, 100)).isEqualTo(100);
      assertThat(sftp.read(h, 0, buf, 0, PIECE)).isEqualTo(PIECE); // the read-ahead holds the next MiB now
      awaitAudit("the stall's stop of the download served its last bytes", r -> r.object().equals(object)
          && r.action().equals("download.complete"));
      IOException stopped = catchThrowableOfType(IOException.class, () -> sftp.read(h, PIECE, buf, 0, PIECE));
      assertThat(stopped).as("nothing more is served, not even the read-ahead").isNotNull();
      assertThat(stopped.getMessage()).contains("[DOWNLOAD_STALLED]").contains("counts as one of the grant's downloads")
          .contains("can no longer be read on it").doesNotContain("nothing is used up").doesNotContain("confirm it");
    }
  }

  @Test
  void aHandleReadSlowlyIsNotStopped() throws Exception {
    String token = Transfers.grant(clients, "alice", file.getFileId(), "bob").getToken();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s);
        SftpClient.CloseableHandle h = sftp.open("/redeem/" + token, SftpClient.OpenMode.Read)) {
      byte[] buf = new byte[PIECE];
      long started = System.nanoTime();
      // 32 KiB per quarter of the timeout: the door serves most of them from its 1 MiB read-ahead
      for (int i = 0; i < 12; i++) {
        assertThat(sftp.read(h, (long) i * PIECE, buf, 0, PIECE)).isEqualTo(PIECE);
        Thread.sleep(STALL.toMillis() / 4);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(STALL.multipliedBy(2));
    }
  }
}

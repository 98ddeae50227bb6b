package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.audit.AuditPublicKey;
import dev.sealdrop.audit.AuditVerifier;
import dev.sealdrop.audit.SignedCheckpoint;
import dev.sealdrop.audit.VerificationResult;
import dev.sealdrop.protocol.CheckpointTrailer;
import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.ExportAuditChunk;
import dev.sealdrop.protocol.v1.ExportAuditRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 6 proof on a real server's export (the protocol module proves it on synthetic logs): after
 * a scripted session, editing each field of a record, deleting one, swapping two and cutting the
 * tail are each detected by {@link AuditVerifier}, which names the first broken record.
 */
class AuditExportTamperTest {
  private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

  @TempDir
  static Path dir;
  static List<String> lines;
  static AuditPublicKey key;
  static SignedCheckpoint held;
  /** The line of the grant.redeem record (a record with an actor, peer, object and details). */
  static int target;
  /** The line of the record after it. */
  static int next;
  static long targetSeq;

  @BeforeAll
  static void scriptedSessionAndExport() throws Exception {
    try (TestServer server = new TestServer(dir.resolve("server")); AdminClients admins = new AdminClients(server);
        Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(100_000, 41), "bob");
      UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
      String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
          .getClaimId();
      Transfers.download(clients.transfer("bob"), claim, 0);
      // bob keeps the checkpoint his confirmation's response carries: it covers his own acts
      AtomicReference<Metadata> trailers = new AtomicReference<>();
      clients.transfer("bob").withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(),
          trailers)).confirmDownload(ConfirmDownloadRequest.newBuilder().setClaimId(claim)
          .setFingerprint(sealed.fingerprint()).build());
      held = SignedCheckpoint.parse(new String(trailers.get().get(CheckpointTrailer.KEY), StandardCharsets.UTF_8));
      AdminServiceGrpc.AdminServiceBlockingStub carol = admins.admin("carol");
      carol.setLockdown(SetLockdownRequest.newBuilder().setOn(true).setReason("drill").build());
      carol.setLockdown(SetLockdownRequest.newBuilder().setOn(false).setReason("done").build());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Iterator<ExportAuditChunk> chunks = carol.exportAudit(ExportAuditRequest.getDefaultInstance());
      chunks.forEachRemaining(c -> out.writeBytes(c.getData().toByteArray()));
      lines = List.of(out.toString(StandardCharsets.UTF_8).split("\n"));
      key = AuditPublicKey.parse(server.server().audit().verifierKey());
    }
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("\"action\":\"grant.redeem\"")) {
        target = i;
      }
    }
    assertThat(target).isPositive();
    Matcher m = SEQ.matcher(lines.get(target));
    assertThat(m.find()).isTrue();
    targetSeq = Long.parseLong(m.group(1));
    // the next record (a checkpoint signed for the redeem's response may come between)
    next = target + 1;
    while (!lines.get(next).contains("\"type\":\"record\"")) {
      next++;
    }
  }

  static VerificationResult verify(List<String> l, boolean holding) throws Exception {
    Path f = Files.writeString(Files.createTempFile(dir, "export", ".jsonl"), String.join("\n", l) + "\n");
    AuditVerifier v = AuditVerifier.withKey(key);
    return (holding ? v.holding(List.of(held)) : v).verify(f);
  }

  @Test
  void theUntouchedExportVerifiesAgainstTheKeyAndTheHeldCheckpoint() throws Exception {
    VerificationResult ok = verify(lines, true);
    assertThat(ok.valid()).as(String.valueOf(ok.failure())).isTrue();
    assertThat(held.checkpoint().size()).isGreaterThan(targetSeq);
  }

  /** Field → an edit of the target record's line that changes exactly that field's value. */
  static Stream<Arguments> edits() {
    return Stream.of(
        Arguments.of("sequence", (UnaryOperator<String>) s -> s.replaceFirst("\"seq\":(\\d+)", "\"seq\":9$1")),
        Arguments.of("time", (UnaryOperator<String>) s -> s.replaceFirst("\"time\":(\\d+)", "\"time\":1$1")),
        Arguments.of("actor", (UnaryOperator<String>) s -> s.replace("\"actor\":\"bob\"", "\"actor\":\"dave\"")),
        Arguments.of("action", (UnaryOperator<String>) s -> s.replace("\"action\":\"grant.redeem\"",
            "\"action\":\"grant.revoke\"")),
        Arguments.of("object", (UnaryOperator<String>) s -> s.replace("\"object\":\"grant:g_", "\"object\":\"grant:h_")),
        Arguments.of("result", (UnaryOperator<String>) s -> s.replace("\"result\":\"ok\"", "\"result\":\"denied\"")),
        Arguments.of("peer", (UnaryOperator<String>) s -> s.replaceFirst("\"peer\":\"127\\.0\\.0\\.1:",
            "\"peer\":\"10.0.0.1:")),
        Arguments.of("details", (UnaryOperator<String>) s -> s.replace("\"door\":\"grpc\"", "\"door\":\"sftp\"")),
        Arguments.of("previous hash", (UnaryOperator<String>) s -> {
          Matcher m = Pattern.compile("\"prev\":\"(.)").matcher(s);
          assertThat(m.find()).isTrue();
          return s.substring(0, m.start(1)) + (m.group(1).equals("A") ? "B" : "A") + s.substring(m.end(1));
        }));
  }

  @ParameterizedTest(name = "editing the {0} of a record is detected at that record")
  @MethodSource("edits")
  void editingAFieldIsDetectedAtThatRecord(String field, UnaryOperator<String> edit) throws Exception {
    List<String> l = new ArrayList<>(lines);
    String edited = edit.apply(l.get(target));
    assertThat(edited).as("the edit changes the " + field).isNotEqualTo(l.get(target));
    l.set(target, edited);
    assertBrokenAt(verify(l, false), targetSeq);
  }

  @Test
  void deletingARecordIsDetectedAtIt() throws Exception {
    List<String> l = new ArrayList<>(lines);
    l.remove(target);
    assertBrokenAt(verify(l, false), targetSeq);
  }

  @Test
  void swappingTwoRecordsIsDetectedAtTheFirst() throws Exception {
    List<String> l = new ArrayList<>(lines);
    l.set(target, lines.get(next));
    l.set(next, lines.get(target));
    assertBrokenAt(verify(l, false), targetSeq);
  }

  @Test
  void truncatingTheTailIsDetectedAtTheFirstMissingRecordByTheHeldCheckpoint() throws Exception {
    // cut everything after the target record: its later records and the export's final checkpoint
    List<String> l = new ArrayList<>(lines.subList(0, target + 1));
    // (without a held checkpoint a cut exactly at a signed checkpoint would pass: docs/audit-log.md, "Limits")
    VerificationResult r = verify(l, true);
    assertBrokenAt(r, targetSeq + 1);
    assertThat(r.failure().orElseThrow().reason()).isEqualTo(VerificationResult.Reason.TRUNCATED);
  }

  @Test
  void aForgedSignatureLineOfTheServersKeyNextToItsValidOneIsABadSignature() throws Exception {
    // docs/audit-log.md: "A line that carries the verification key's name and id but does not
    // verify is a forgery", also when the note still carries the key's valid line
    int last = lines.size() - 1;
    String line = lines.get(last);
    Matcher m = Pattern.compile("\\u2014 (\\S+) ([A-Za-z0-9+/=]+)\\\\n\"}$").matcher(line);
    assertThat(m.find()).as(line).isTrue();
    byte[] blob = Base64.getDecoder().decode(m.group(2));
    blob[20] ^= 1; // the key id (4 bytes) stays, the signature no longer verifies
    String forged = "\u2014 " + m.group(1) + " " + Base64.getEncoder().encodeToString(blob) + "\\n";
    for (boolean forgedFirst : new boolean[] {false, true}) {
      String sigLine = m.group(0).substring(0, m.group(0).length() - 2);
      String edited = forgedFirst
          ? line.substring(0, m.start()) + forged + sigLine + "\"}"
          : line.substring(0, m.start()) + sigLine + forged + "\"}";
      List<String> l = new ArrayList<>(lines);
      l.set(last, edited);
      VerificationResult r = verify(l, false);
      assertThat(r.valid()).as("a forged line before=" + forgedFirst + " must be detected: " + edited).isFalse();
      assertThat(r.failure().orElseThrow().reason()).isEqualTo(VerificationResult.Reason.BAD_CHECKPOINT_SIGNATURE);
    }
  }

  @Test
  void theHeaderAloneIsNotAValidEmptyLog() throws Exception {
    // anyone can write a header under the server's key: with no signed checkpoint it proves nothing
    VerificationResult r = verify(List.of(lines.get(0)), false);
    assertBrokenAt(r, 1);
    assertThat(r.failure().orElseThrow().reason()).isEqualTo(VerificationResult.Reason.UNSIGNED_RECORDS);
  }

  private static void assertBrokenAt(VerificationResult r, long sequence) {
    assertThat(r.valid()).as("tampering must be detected").isFalse();
    assertThat(r.failure().orElseThrow().sequence()).as(String.valueOf(r.failure())).isEqualTo(sequence);
  }
}

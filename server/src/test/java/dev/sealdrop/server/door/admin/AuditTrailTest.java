package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.audit.AuditPublicKey;
import dev.sealdrop.audit.AuditVerifier;
import dev.sealdrop.audit.VerificationResult;
import dev.sealdrop.protocol.v1.AdminServiceGrpc;
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
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 6: a scripted session's audit log holds the expected events, verifies, and shows edits; no secrets in it. */
class AuditTrailTest {
  private static final Pattern ACTION = Pattern.compile("\"action\":\"([a-z0-9._-]+)\"");

  @TempDir
  Path data;

  @Test
  void aWholeSessionIsAuditedVerifiesAgainstTheServerKeyAndAnEditIsNamed() throws Exception {
    String token;
    String claim;
    byte[] export;
    String key;
    try (TestServer server = new TestServer(data); AdminClients admins = new AdminClients(server);
        Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(200_000, 9), "bob");
      UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
      token = g.getToken();
      claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(token).build()).getClaimId();
      Transfers.download(clients.transfer("bob"), claim, 0);
      Transfers.confirm(clients, "bob", claim, sealed.fingerprint());
      AdminServiceGrpc.AdminServiceBlockingStub carol = admins.admin("carol");
      carol.setLockdown(SetLockdownRequest.newBuilder().setOn(true).setReason("audit drill").build());
      carol.setLockdown(SetLockdownRequest.newBuilder().setOn(false).setReason("done").build());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Iterator<ExportAuditChunk> chunks = carol.exportAudit(ExportAuditRequest.getDefaultInstance());
      ExportAuditChunk first = chunks.next();
      key = first.getVerifierKey();
      out.writeBytes(first.getData().toByteArray());
      chunks.forEachRemaining(c -> out.writeBytes(c.getData().toByteArray()));
      export = out.toByteArray();
      assertThat(first.getRecords()).isPositive();
      assertThat(key).isEqualTo(server.server().audit().verifierKey());
    }
    String text = new String(export, StandardCharsets.UTF_8);
    // each run's start names the version that wrote it (round DA); "unknown" when not run from the jar, as here
    assertThat(text.lines().filter(l -> l.contains("\"action\":\"server.start\"")).findFirst().orElseThrow())
        .contains("\"version\":\"" + dev.sealdrop.server.SealdropServer.version() + "\"").contains("\"dev\":");
    assertThat(actions(text)).containsSubsequence("server.start", "connection.accept", "key.publish",
        "upload.start", "upload.commit", "grant.create", "grant.redeem", "download.complete", "grant.consume",
        "lockdown.on", "lockdown.off");

    Path file = data.resolve("export.jsonl");
    Files.write(file, export);
    VerificationResult ok = AuditVerifier.withKey(AuditPublicKey.parse(key)).verify(file);
    assertThat(ok.valid()).as(String.valueOf(ok.failure())).isTrue();

    // edit one field of one record in the middle: the verifier names that record
    List<String> lines = new ArrayList<>(List.of(text.split("\n")));
    int target = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("\"action\":\"grant.redeem\"")) {
        target = i;
      }
    }
    String edited = lines.get(target).replace("\"actor\":\"bob\"", "\"actor\":\"dave\"");
    assertThat(edited).isNotEqualTo(lines.get(target));
    Matcher seq = Pattern.compile("\"seq\":(\\d+)").matcher(edited);
    assertThat(seq.find()).isTrue();
    lines.set(target, edited);
    Path tampered = data.resolve("tampered.jsonl");
    Files.writeString(tampered, String.join("\n", lines) + "\n");
    VerificationResult bad = AuditVerifier.withKey(AuditPublicKey.parse(key)).verify(tampered);
    assertThat(bad.valid()).isFalse();
    assertThat(bad.failure().orElseThrow().reason()).isEqualTo(VerificationResult.Reason.EDITED);
    assertThat(bad.failure().orElseThrow().sequence()).isEqualTo(Long.parseLong(seq.group(1)));

    // never a token or a claim id, in the export or in the live log (after shutdown's checkpoint too)
    String live = Files.readString(data.resolve("audit").resolve("audit.jsonl"));
    for (String secret : List.of(token, claim, token.substring(4), claim.substring(4))) {
      assertThat(text).doesNotContain(secret);
      assertThat(live).doesNotContain(secret);
    }
    assertThat(actions(live)).endsWith("server.stop");
  }

  private static List<String> actions(String jsonl) {
    List<String> out = new ArrayList<>();
    Matcher m = ACTION.matcher(jsonl);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}

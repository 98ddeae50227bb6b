package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.protocol.v1.AdminFile;
import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.GetLockdownRequest;
import dev.sealdrop.protocol.v1.ListAllFilesRequest;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.LockdownState;
import dev.sealdrop.protocol.v1.PurgeFileRequest;
import dev.sealdrop.protocol.v1.PurgeFileResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 6: lockdown refuses transfers (admins still act, a restart keeps it); purge; retention. */
class LockdownAndPurgeTest extends OneServerPerMethod {
  UploadResponse file;

  @Override
  protected ServerConfig configure(ServerConfig c) {
    return c.withAdmin(c.admin().withPort(0));
  }

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    file = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(100_000, 3), "bob").bytes());
  }

  void connect() {
    admins = new AdminClients(server);
    clients = server.clients();
  }

  LockdownState lockdown(boolean on, String reason) {
    return admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(on).setReason(reason).build());
  }

  @Test
  void switchingTheLockdownToWhereItAlreadyIsAnswersTheStateItReplacedAndOnlyThen() throws Exception {
    LockdownState never = lockdown(false, "");
    assertThat(never.getOn()).isFalse();
    assertThat(never.hasReplaced()).as("off while never locked down: it was already off").isTrue();
    assertThat(never.getReplaced().getOn()).isFalse();
    assertThat(never.getReplaced().getChangedAtMillis()).as("never switched").isZero();
    assertThat(lockdown(true, "drill").hasReplaced()).as("it switched on: it replaced nothing").isFalse();
    LockdownState lifted = lockdown(false, "drill over");
    assertThat(lifted.hasReplaced()).as("it lifted the lockdown: it replaced nothing").isFalse();
    LockdownState again = lockdown(false, "");
    assertThat(again.getReplaced().getOn()).isFalse();
    assertThat(again.getReplaced().getReason()).isEqualTo("drill over");
    assertThat(again.getReplaced().getChangedBy()).isEqualTo("carol");
    // the redundant off changed nothing: the state still says who lifted it, when and why (outside test: a second
    // admin's redundant off overwrote them, and `status` named that admin)
    assertThat(again.getReason()).isEqualTo("drill over");
    assertThat(again.getChangedAtMillis()).isEqualTo(lifted.getChangedAtMillis());
    // and its record says so (round DA: a redundant off read as a lift unless one looked at the record before it)
    assertThat(server.server().audit().tail(10)).filteredOn(r -> r.action().startsWith("lockdown."))
        .extracting(r -> r.action() + " changed=" + r.details().get("changed"))
        .containsSubsequence("lockdown.off changed=false", "lockdown.on changed=true", "lockdown.off changed=true",
            "lockdown.off changed=false");
  }

  @Test
  void lockdownRefusesUploadGrantRedeemAndDownloadUntilLiftedAndSurvivesARestart() {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    CreateGrantResponse g2 = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    refused(() -> lockdown(true, ""), Status.Code.INVALID_ARGUMENT, "REASON_REQUIRED");

    LockdownState on = lockdown(true, "suspicious downloads");
    assertThat(on.getOn()).isTrue();
    assertThat(on.getChangedBy()).isEqualTo("carol");
    lockedOut(claim, g2.getToken());
    assertThat(admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(20).build()).getEntriesList())
        .as("the refused download names its grant").filteredOn(e -> e.getAction().equals("download.abort"))
        .singleElement().satisfies(e -> {
          assertThat(e.getObject()).isEqualTo("grant:" + g.getGrant().getGrantId());
          assertThat(e.getResult()).isEqualTo("locked-down");
        });
    // so does the refused redeem (the token matched a grant addressed to bob), as every record about a grant does
    assertThat(admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(20).build()).getEntriesList())
        .filteredOn(e -> e.getAction().equals("grant.redeem") && e.getResult().equals("locked-down"))
        .singleElement().satisfies(e -> {
          assertThat(e.getObject()).isEqualTo("grant:" + g2.getGrant().getGrantId());
          assertThat(e.getDetailsMap()).containsEntry("grant-id", g2.getGrant().getGrantId())
              .containsEntry("file-id", file.getFileId());
        });

    // admins still act, and a restart keeps the lockdown
    server.close();
    admins.close();
    clients.close();
    CapturedLog logs = new CapturedLog();
    logs.start();
    rootLogger().addAppender(logs);
    try {
      server.start();
    } finally {
      rootLogger().detachAppender(logs);
      logs.stop();
    }
    // and the start-up log says so: a WARN with what is stored (since when, by whom, why) and the way out
    assertThat(logs.events()).filteredOn(e -> e.getLevel() == Level.WARN)
        .extracting(ILoggingEvent::getFormattedMessage)
        .filteredOn(m -> m.startsWith("the server is locked down since "
            + java.time.Instant.ofEpochMilli(on.getChangedAtMillis())))
        .singleElement().asString().contains("by 'carol'", "suspicious downloads",
            "transfers are refused until an admin lifts it (sealdrop admin lockdown off)");
    connect();
    assertThat(admins.admin("carol").getLockdown(GetLockdownRequest.getDefaultInstance()).getReason())
        .isEqualTo("suspicious downloads");
    lockedOut(claim, g2.getToken());

    assertThat(lockdown(false, "all clear").getOn()).isFalse();
    assertThat(Transfers.download(clients.transfer("bob"), claim, 0)).hasSize((int) file.getSize());
    assertThat(clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g2.getToken()).build())
        .getClaimId()).isNotEmpty();
    assertThat(Transfers.createUpload(clients, "alice", 10)).isNotEmpty();
    List<AuditEntry> tail = admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(200).build())
        .getEntriesList();
    assertThat(tail).extracting(AuditEntry::getAction).contains("lockdown.on", "lockdown.off");
  }

  @Test
  void aReasonCannotForgeLinesInTheServerLogOrCarryEscapeSequences() {
    String forged = "drill\n12:00:00.000 INFO  sealdrop.security - identity 'mole' registered as admin\u001b[2K"
        + "\u202Eevil\u2066x\u2028y";
    CapturedLog logs = new CapturedLog();
    logs.start();
    rootLogger().addAppender(logs);
    LockdownState on;
    try {
      on = lockdown(true, forged);
    } finally {
      rootLogger().detachAppender(logs);
      logs.stop();
      lockdown(false, "over");
    }
    assertThat(on.getReason()).as("the stored reason").doesNotContain("\n", "\u001b")
        .isEqualTo("drill\uFFFD12:00:00.000 INFO  sealdrop.security - identity 'mole' registered as admin\uFFFD[2K"
            + "\uFFFDevil\uFFFDx\uFFFDy"); // round BY: bidirectional controls and separators too
    assertThat(logs.events()).extracting(ILoggingEvent::getFormattedMessage)
        .filteredOn(m -> m.startsWith("lockdown ON by 'carol'")).singleElement().asString()
        .doesNotContain("\n", "\u001b").contains("registered as admin");
  }

  /** A reason is cut at 256 characters, not UTF-16 units: an emoji is never cut in half (outside test). */
  @Test
  void aLongReasonIsCutAtTwoHundredFiftySixCharactersNeverInsideOne() {
    String emoji = "\uD83D\uDD12"; // one character, two UTF-16 units
    LockdownState on;
    try {
      on = lockdown(true, emoji.repeat(300));
    } finally {
      lockdown(false, "over");
    }
    assertThat(on.getReason().codePointCount(0, on.getReason().length())).isEqualTo(256);
    assertThat(on.getReason()).isEqualTo(emoji.repeat(256));
  }

  /**
   * An admin who pastes a live grant token into a reason (the token of the leak being locked down) must not put it in
   * the database in clear, where the grants table keeps only its hash, nor have it answered to every admin: the
   * reason is stored, answered, logged and audited with the token redacted, as the audit log and the log redact it.
   */
  @Test
  void aGrantTokenOrClaimIdInAReasonIsNeverStoredNorAnsweredInClear() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    LockdownState on = lockdown(true, "leak of " + g.getToken() + " under claim " + claim);
    String redacted = "leak of sdg_[redacted] under claim sdc_[redacted]";
    assertThat(on.getReason()).as("the answer to `lockdown on`").isEqualTo(redacted);
    assertThat(admins.admin("carol").getLockdown(GetLockdownRequest.getDefaultInstance()).getReason())
        .as("the stored reason, as `lockdown status` shows it").isEqualTo(redacted);
    StringBuilder db = new StringBuilder();
    try (var files = Files.list(data)) {
      for (java.nio.file.Path p : files.filter(p -> p.getFileName().toString().startsWith("sealdrop.db")).toList()) {
        db.append(new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    assertThat(db.indexOf(g.getToken().substring(4))).as("the token is not in the database").isEqualTo(-1);
    assertThat(db.indexOf(claim.substring(4))).as("the claim id is not in the database").isEqualTo(-1);
    assertThat(admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(5).build()).getEntriesList())
        .filteredOn(e -> e.getAction().equals("lockdown.on")).singleElement()
        .satisfies(e -> assertThat(e.getDetailsMap()).containsEntry("reason", redacted));
  }

  /**
   * Round AY: the token's secret pasted without its {@code sdg_} prefix was stored and audited as given. It is
   * redacted too; a key's base64 or an SSH fingerprint around it (longer runs, '+' '/' '=') is not taken for one.
   */
  @Test
  void aTokensSecretWithoutItsPrefixInAReasonIsRedactedToo() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String secret = g.getToken().substring(4);
    String fingerprint = "SHA256:AAAAC3NzaC1lZDI1NTE5AAAAIGh+g/Hj4Q1xkTt3zc9pQ2n5dZ0aK7uVwXy8RrLmNoPq";
    LockdownState on;
    try {
      on = lockdown(true, "leaked: " + secret + " (key " + fingerprint + ")");
    } finally {
      lockdown(false, "over");
    }
    assertThat(on.getReason()).isEqualTo("leaked: [redacted:token-secret] (key " + fingerprint + ")");
    assertThat(admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(5).build()).getEntriesList())
        .filteredOn(e -> e.getAction().equals("lockdown.on")).last()
        .satisfies(e -> assertThat(e.getDetailsMap().get("reason")).doesNotContain(secret));
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private void lockedOut(String claim, String token) {
    lockedOutMessage(refused(() -> clients.transfer("alice").createUpload(CreateUploadRequest.newBuilder()
        .setExpectedSize(10).build()), Status.Code.UNAVAILABLE, "LOCKED_DOWN"), "uploading");
    lockedOutMessage(refused(() -> clients.transfer("alice").createGrant(CreateGrantRequest.newBuilder()
        .setFileId(file.getFileId()).setRecipient("bob").build()), Status.Code.UNAVAILABLE, "LOCKED_DOWN"), "granting");
    lockedOutMessage(refused(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(token).build()),
        Status.Code.UNAVAILABLE, "LOCKED_DOWN"), "redeeming");
    lockedOutMessage(refused(() -> clients.transfer("bob").download(DownloadRequest.newBuilder().setClaimId(claim)
        .build()).hasNext(), Status.Code.UNAVAILABLE, "LOCKED_DOWN"), "downloading");
  }

  /**
   * The refusal names the act and the way out, once: the CLI leads with "the server is locked down by an
   * admin: " (client GrpcFailures), so the server's own text must not say it again.
   */
  private static void lockedOutMessage(io.grpc.StatusRuntimeException e, String act) {
    assertThat(e.getStatus().getDescription()).startsWith(act + " is refused until an admin lifts the lockdown")
        .doesNotContainIgnoringCase("locked down by an admin");
  }

  @Test
  void purgingAFileDeletesItsCiphertextAndMakesItsGrantsUnusable() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    assertThat(Files.exists(data.resolve("blobs").resolve(file.getFileId()))).isTrue();
    assertThat(admins.admin("carol").listAllFiles(ListAllFilesRequest.getDefaultInstance()).getFilesList())
        .filteredOn(f -> f.getFileId().equals(file.getFileId())).singleElement()
        .satisfies(f -> assertThat(f.getOwner()).isEqualTo("alice"))
        .satisfies(f -> assertThat(f.getGrantsLive()).isEqualTo(1));

    PurgeFileResponse r = admins.admin("carol").purgeFile(PurgeFileRequest.newBuilder().setFileId(file.getFileId())
        .setReason("deal cancelled").build());
    assertThat(r.getGrantsDeleted()).isEqualTo(1);
    assertThat(r.getDownloadsCut()).as("nothing was streaming").isZero();
    assertThat(Files.exists(data.resolve("blobs").resolve(file.getFileId()))).as("ciphertext deleted").isFalse();
    // the token is told what became of its grant (PurgedGrantRedeemTest), not that it names none
    refused(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build()),
        Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    assertThat(admins.admin("carol").listAllFiles(ListAllFilesRequest.getDefaultInstance()).getFilesList())
        .extracting(AdminFile::getFileId).doesNotContain(file.getFileId());
    // purged again: not found, and said to have been purged (it said "no file F; see admin files list")
    var again = refused(() -> admins.admin("carol").purgeFile(PurgeFileRequest.newBuilder()
        .setFileId(file.getFileId()).build()), Status.Code.NOT_FOUND, "NOT_FOUND");
    assertThat(again.getStatus().getDescription()).startsWith("no file " + file.getFileId() + " any more: it was"
        + " purged by an admin at ").endsWith("; nothing is left to purge");
    String never = "f_" + "0".repeat(32);
    assertThat(refused(() -> admins.admin("carol").purgeFile(PurgeFileRequest.newBuilder().setFileId(never).build()),
        Status.Code.NOT_FOUND, "NOT_FOUND").getStatus().getDescription())
        .isEqualTo("no file " + never + "; see admin files list");
    // its sender, and an admin, revoking it are told it went with its file, not that the id names nothing
    String grantId = g.getGrant().getGrantId();
    var own = refused(() -> clients.transfer("alice").revokeGrant(dev.sealdrop.protocol.v1.RevokeGrantRequest
        .newBuilder().setGrantId(grantId).build()), Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    assertThat(own.getStatus().getDescription()).contains("grant " + grantId + " is gone")
        .contains("purged from the server by an admin at").contains("nothing is left to revoke");
    refused(() -> admins.admin("carol").revokeAnyGrant(dev.sealdrop.protocol.v1.RevokeAnyGrantRequest.newBuilder()
        .setGrantId(grantId).build()), Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    // an id that never named a grant is still not found
    refused(() -> clients.transfer("alice").revokeGrant(dev.sealdrop.protocol.v1.RevokeGrantRequest.newBuilder()
        .setGrantId("g_" + "0".repeat(32)).build()), Status.Code.NOT_FOUND, "NOT_FOUND");
  }

  /**
   * Round BL: a claim of a purged grant was "no claim matches this claim id; redeem the grant first" on resume, confirm
   * and release, and the redeem then said the file was purged; a download served every byte before the purge had
   * counted (admin.md) and its confirm was refused the same way, so a receive that verified its file was told to run
   * again, for ever.
   */
  @Test
  void aClaimOfAPurgedGrantIsToldTheFileWasPurgedOrThatItsDownloadCounted() {
    CreateGrantResponse served = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    CreateGrantResponse started = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String servedClaim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(served.getToken()).build())
        .getClaimId();
    String startedClaim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(started.getToken())
        .build()).getClaimId();
    Transfers.download(clients.transfer("bob"), servedClaim, 0);
    admins.admin("carol").purgeFile(PurgeFileRequest.newBuilder().setFileId(file.getFileId()).build());

    var counted = refused(() -> clients.transfer("bob").confirmDownload(dev.sealdrop.protocol.v1.ConfirmDownloadRequest
        .newBuilder().setClaimId(servedClaim).setFingerprint(served.getGrant().getFingerprint()).build()),
        Status.Code.FAILED_PRECONDITION, "GRANT_CONSUMED");
    assertThat(counted.getStatus().getDescription()).startsWith("this claim's download was served every byte and"
        + " counted before the grant was purged (its file was purged from the server by an admin at ");
    var resumed = refused(() -> clients.transfer("bob").download(DownloadRequest.newBuilder().setClaimId(startedClaim)
        .setOffset(0).build()).next(), Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    assertThat(resumed.getStatus().getDescription()).startsWith("the grant's file was purged from the server by an"
        + " admin at ").endsWith("so this download cannot go on; ask the sender to send the file again");
    refused(() -> clients.transfer("bob").releaseClaim(dev.sealdrop.protocol.v1.ReleaseClaimRequest.newBuilder()
        .setClaimId(startedClaim).build()), Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    // a resume of the download served every byte (its client may not have them all: a cut connection) is told the file
    // is gone, not that the grant was used (CI at a56e54cc: "this grant was already used")
    refused(() -> clients.transfer("bob").download(DownloadRequest.newBuilder().setClaimId(servedClaim).setOffset(0)
        .build()).next(), Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    // another identity holding the claim id learns nothing more than for a live claim
    refused(() -> clients.transfer("dave").releaseClaim(dev.sealdrop.protocol.v1.ReleaseClaimRequest.newBuilder()
        .setClaimId(startedClaim).build()), Status.Code.PERMISSION_DENIED, "NOT_RECIPIENT");
    // a claim id that never was is still not found
    refused(() -> clients.transfer("bob").releaseClaim(dev.sealdrop.protocol.v1.ReleaseClaimRequest.newBuilder()
        .setClaimId("sdc_" + "A".repeat(43)).build()), Status.Code.NOT_FOUND, "NOT_FOUND");
  }

  @Test
  void retentionPurgesExactlyWhatNoGrantCanReachAfterThePeriodAndAuditsEachPurge() {
    UploadResponse kept = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(5_000, 4), "bob")
        .bytes());
    CreateGrantResponse shortLived = clients.transfer("alice").createGrant(CreateGrantRequest.newBuilder()
        .setFileId(file.getFileId()).setRecipient("bob").setExpiresInSeconds(3600).build());
    server.clock.advance(Duration.ofDays(29));
    CreateGrantResponse live = Transfers.grant(clients, "alice", kept.getFileId(), "bob");
    assertThat(server.server().sweepRetention().grants()).as("not yet: the period has not passed").isZero();

    server.clock.advance(Duration.ofDays(2));
    var swept = server.server().sweepRetention();
    assertThat(swept.grants()).isEqualTo(1);
    assertThat(swept.files()).isEqualTo(1);
    assertThat(Files.exists(data.resolve("blobs").resolve(file.getFileId()))).isFalse();
    assertThat(Files.exists(data.resolve("blobs").resolve(kept.getFileId()))).as("a live grant reaches it").isTrue();
    assertThat(admins.admin("carol").listAllGrants(ListAllGrantsRequest.getDefaultInstance()).getGrantsList())
        .extracting(g -> g.getGrantId()).containsExactly(live.getGrant().getGrantId());
    List<AuditEntry> tail = admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(50).build())
        .getEntriesList();
    assertThat(tail).filteredOn(e -> e.getAction().startsWith("retention.")).extracting(AuditEntry::getObject)
        .containsExactly("grant:" + shortLived.getGrant().getGrantId(), "file:" + file.getFileId());
    // like every record about a grant (docs/audit-log.md, "Following one grant"): an auditor selects by grant-id
    assertThat(tail).filteredOn(e -> e.getAction().equals("retention.purge-grant")).singleElement()
        .satisfies(e -> assertThat(e.getDetailsMap()).containsEntry("grant-id", shortLived.getGrant().getGrantId())
            .containsEntry("file-id", file.getFileId()).containsEntry("state", "expired"));
    assertThat(server.server().sweepRetention().grants()).as("idempotent").isZero();
  }

  @Test
  void aFileWhoseDeadGrantIsStillWithinTheRetentionPeriodIsKeptWithItAndEveryGrantPurgeIsAudited() throws Exception {
    // the file is 31 days old when its only grant, created on day 25, has been revoked for 6 days
    server.clock.advance(Duration.ofDays(25));
    CreateGrantResponse late = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    admins.admin("carol").revokeAnyGrant(dev.sealdrop.protocol.v1.RevokeAnyGrantRequest.newBuilder()
        .setGrantId(late.getGrant().getGrantId()).build());
    server.clock.advance(Duration.ofDays(6));
    var swept = server.server().sweepRetention();
    assertThat(swept.grants()).as("revoked 6 days ago: within the period").isZero();
    assertThat(swept.files()).as("a grant that is not purged yet keeps its file").isZero();
    assertThat(admins.admin("carol").listAllGrants(ListAllGrantsRequest.getDefaultInstance()).getGrantsList())
        .extracting(g -> g.getGrantId()).containsExactly(late.getGrant().getGrantId());

    server.clock.advance(Duration.ofDays(25));
    swept = server.server().sweepRetention();
    assertThat(swept.grants()).isEqualTo(1);
    assertThat(swept.files()).isEqualTo(1);
    assertThat(Files.exists(data.resolve("blobs").resolve(file.getFileId()))).isFalse();
    List<AuditEntry> tail = admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(50).build())
        .getEntriesList();
    assertThat(tail).filteredOn(e -> e.getAction().startsWith("retention.")).extracting(AuditEntry::getObject)
        .as("no grant disappears without its own record").containsExactly("grant:" + late.getGrant().getGrantId(),
            "file:" + file.getFileId());
    // the admin's revocation, too, is found by the grant-id of the grant it names
    assertThat(server.server().audit().tail(100)).filteredOn(r -> r.action().equals("admin.grant.revoke"))
        .singleElement().satisfies(r -> assertThat(r.details()).containsEntry("grant-id", late.getGrant().getGrantId()));
  }
}

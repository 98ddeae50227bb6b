package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.cli.Diagnoser;
import dev.sealdrop.client.cli.ExitCodes;
import dev.sealdrop.client.failure.SealdropFailure;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import javax.net.ssl.SSLHandshakeException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** gRPC status + sealdrop-reason trailer to exit code: the table scripts rely on. */
class GrpcFailuresTest {
  private static StatusRuntimeException status(Status s, String reason) {
    Metadata m = new Metadata();
    if (reason != null) {
      m.put(GrpcFailures.REASON, reason);
    }
    return s.asRuntimeException(m);
  }

  private static ExitCodes exit(StatusRuntimeException e, GrpcFailures.Op op) {
    SealdropFailure f = GrpcFailures.translate(e, op);
    return Diagnoser.exitFor(f);
  }

  @Test
  void grantReasonsAreNotRedeemableWhateverTheCode() {
    for (String r : new String[] {"GRANT_EXPIRED", "GRANT_CONSUMED", "GRANT_REVOKED", "GRANT_CLAIMED"}) {
      StatusRuntimeException e = status(Status.FAILED_PRECONDITION.withDescription("no"), r);
      assertThat(exit(e, GrpcFailures.Op.REDEEM)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
      assertThat(GrpcFailures.translate(e, GrpcFailures.Op.REDEEM).reason()).isEqualTo(r);
      assertThat(exit(status(Status.NOT_FOUND, r), GrpcFailures.Op.GENERIC)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
    }
  }

  /**
   * Review BD: an expired grant was told with no time, though the server gives it; a revoked one's hint sent the
   * recipient to a sender whose identity may be what was revoked.
   */
  @Test
  void anExpiredGrantIsToldWhenAndARevokedOneNamesTheAdminToo() {
    SealdropFailure expired = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription(
        "the grant expired at 2026-12-07T18:00:05Z; it cannot be redeemed; ask the sender for a new grant"),
        "GRANT_EXPIRED"), GrpcFailures.Op.REDEEM);
    assertThat(expired.getMessage()).isEqualTo("this grant expired at 2026-12-07T18:00:05Z");
    assertThat(GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription("no"), "GRANT_EXPIRED"),
        GrpcFailures.Op.REDEEM).getMessage()).isEqualTo("this grant has expired");
    SealdropFailure revoked = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription(
        "the grant was revoked; it cannot be redeemed"), "GRANT_REVOKED"), GrpcFailures.Op.REDEEM);
    assertThat(revoked.hint()).hasValueSatisfying(h -> assertThat(h).contains("revoking a sender's identity")
        .contains("an admin"));
  }

  /** Round CP: the disabled identity's hint gave `enable NAME` though the server named it. */
  @Test
  void aDisabledIdentityIsNamedInTheCommandForTheAdmin() {
    SealdropFailure f = GrpcFailures.translate(status(Status.UNAUTHENTICATED.withDescription("identity 'frank' is"
        + " disabled on this server; ask an admin to re-enable it"), "IDENTITY_DISABLED"), GrpcFailures.Op.LIST);
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("`sealdrop admin identities enable frank`"));
    // a stream the disable cut (review BA: the hint said `enable NAME`; the server names the identity there too now)
    SealdropFailure cut = GrpcFailures.translate(status(Status.UNAUTHENTICATED.withDescription("the call was closed:"
        + " identity 'bob' disabled by an admin; ask an admin to enable it again"), "IDENTITY_DISABLED"),
        GrpcFailures.Op.DOWNLOAD);
    assertThat(cut.hint()).hasValueSatisfying(h -> assertThat(h).contains("`sealdrop admin identities enable bob`"));
    SealdropFailure unnamed = GrpcFailures.translate(status(Status.UNAUTHENTICATED.withDescription("disabled"),
        "IDENTITY_DISABLED"), GrpcFailures.Op.LIST);
    assertThat(unnamed.hint()).hasValueSatisfying(h -> assertThat(h).contains("`sealdrop admin identities enable NAME`"));
  }

  /** Round CP: a call closed because the identity was revoked was told to ask an admin which it was, and to renew. */
  @Test
  void aRevokedIdentityTheServerNamedIsToldSoNotAskedWhichItWas() {
    for (String said : new String[] {"the call was closed: identity revoked by an admin; it cannot connect again",
        "identity 'frank' has been revoked on this server; its certificates are no longer accepted"}) {
      SealdropFailure f = GrpcFailures.translate(status(Status.UNAUTHENTICATED.withDescription(said),
          "CERTIFICATE_REVOKED"), GrpcFailures.Op.DOWNLOAD);
      assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.AUTH);
      assertThat(f.getMessage()).contains("your identity was revoked by an admin");
      assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("enrol you under a new identity name")
          .doesNotContain("which it was").doesNotContain("keys renew"));
    }
    // the TLS refusal does not say which: both are named
    SealdropFailure tls = GrpcFailures.translate(status(Status.UNAUTHENTICATED.withDescription("Received fatal alert:"
        + " certificate_revoked"), "CERTIFICATE_REVOKED"), GrpcFailures.Op.DOWNLOAD);
    assertThat(tls.hint()).hasValueSatisfying(h -> assertThat(h).contains("which it was").contains("keys renew"));
  }

  @Test
  void aFullServerDiskIsTheOperatorsToMendNotAnAddressToCheck() {
    SealdropFailure f = GrpcFailures.translate(status(Status.UNAVAILABLE.withDescription("the server's storage is"
        + " full, so it cannot do this now; nothing was lost"), "STORAGE_FULL"), GrpcFailures.Op.UPLOAD);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(f.reason()).isEqualTo("STORAGE_FULL");
    assertThat(f.getMessage()).startsWith("the server could not store this: the server's storage is full");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("ask the server's operator to free space")
        .doesNotContain("check the address"));
  }

  /** Round T: an inbox larger than the client's limit read as the server refusing (exit 6, "ask the operator"). */
  @Test
  void anAnswerLargerThanThisClientAcceptsIsNamedAsThatNotAsARefusal() {
    SealdropFailure f = GrpcFailures.translate(status(Status.RESOURCE_EXHAUSTED.withDescription("gRPC message exceeds"
        + " maximum size 67108864: 70000000"), null), GrpcFailures.Op.GENERIC);
    assertThat(f.reason()).isEqualTo("ANSWER_TOO_LARGE");
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(f.getMessage()).startsWith("the server's answer is larger than this client accepts").doesNotContain(
        "refused");
    assertThat(ChannelFactory.MAX_INBOUND_BYTES).as("50,000 grants of about 180 bytes fit").isGreaterThan(50_000 * 180);
    // the server's refusal of a request over its own limit reads the same but for the limit: not this client's
    SealdropFailure server = GrpcFailures.translate(status(Status.RESOURCE_EXHAUSTED.withDescription("gRPC message"
        + " exceeds maximum size 1052672: 2000000"), null), GrpcFailures.Op.GENERIC);
    assertThat(server.reason()).isNotEqualTo("ANSWER_TOO_LARGE");
  }

  @Test
  void oneSshKeyTooManyIsAUsageErrorWhoseHintRemovesAKeyNotFiles() {
    SealdropFailure f = GrpcFailures.translate(status(Status.RESOURCE_EXHAUSTED.withDescription("'bob' has 16 SSH"
        + " keys, the most allowed; remove one with 'sealdrop keys remove-ssh'"), "TOO_MANY_SSH_KEYS"),
        GrpcFailures.Op.SSH_KEY);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.USAGE);
    assertThat(f.reason()).isEqualTo("TOO_MANY_SSH_KEYS");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("sealdrop keys remove-ssh FINGERPRINT")
        .doesNotContain("--abandon").doesNotContain("purge"));
  }

  @Test
  void aDownloadTheServerStoppedForStallingIsRerunToResume() {
    SealdropFailure f = GrpcFailures.translate(status(Status.UNAVAILABLE.withDescription("the download of grant g_1"
        + " was stopped by the server: its client took nothing for 10 min (download-stall-timeout), so it gave the slot"
        + " to others; nothing is used up"), "DOWNLOAD_STALLED"), GrpcFailures.Op.DOWNLOAD);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(f.reason()).isEqualTo("DOWNLOAD_STALLED");
    assertThat(f.getMessage()).startsWith("the download of grant g_1 was stopped by the server");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("run the same command again, it resumes")
        .doesNotContain("check the address"));
  }

  @Test
  void anUploadTheServerStoppedForStallingIsRerunToResume() {
    SealdropFailure f = GrpcFailures.translate(status(Status.UNAVAILABLE.withDescription("the upload stream of up_1"
        + " was stopped by the server: its client sent nothing for 10 min (upload-stall-timeout); what was received is"
        + " kept: resume from GetUpload's offset (the CLI: run the same send again)"), "UPLOAD_STALLED"),
        GrpcFailures.Op.UPLOAD);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(f.reason()).isEqualTo("UPLOAD_STALLED");
    assertThat(f.getMessage()).startsWith("the upload stream of up_1 was stopped by the server");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("run the same command again, it resumes")
        .doesNotContain("check the address"));
  }

  @Test
  void aClaimedGrantsHintSaysWhenTheClaimLapsesWhenTheServerTellsIt() {
    SealdropFailure f = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription(
        "the grant is claimed by a download in progress; it cannot be redeemed now; resume that download with its"
            + " claim id, or retry after its window ends at 2026-12-03T17:40:01Z"), "GRANT_CLAIMED"),
        GrpcFailures.Op.REDEEM);
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h)
        .contains("wait until the claim lapses at 2026-12-03T17:40:01Z and retry")
        .contains("if that download was sent the whole file, it then counts as one of the grant's downloads"));
    // an older server's message has no time: the hint is as before
    SealdropFailure old = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription(
        "the grant is claimed by a download in progress"), "GRANT_CLAIMED"), GrpcFailures.Op.REDEEM);
    assertThat(old.hint()).hasValueSatisfying(h -> assertThat(h).contains("wait until the claim lapses and retry"));
  }

  @Test
  void aRoleRefusalSaysThatTheRoleBelongsToTheIdentityNotThatTheObjectMayNotBeYours() {
    SealdropFailure f = GrpcFailures.translate(status(Status.PERMISSION_DENIED.withDescription(
        "only a transferor may send files; 'bob' is an acquirer"), "ROLE_FORBIDDEN"), GrpcFailures.Op.UPLOAD);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.PERMISSION);
    assertThat(f.reason()).isEqualTo("ROLE_FORBIDDEN");
    assertThat(f.getMessage()).contains("'bob' is an acquirer");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("role is set by an admin")
        .contains("--home").doesNotContain("not yours"));
  }

  @Test
  void aDownloadBusyWithAnotherStreamSaysSoAndDoesNotBlameTheToken() {
    SealdropFailure f = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription(
        "the claim on grant g_1 is being downloaded by another stream"), "DOWNLOAD_BUSY"), GrpcFailures.Op.DOWNLOAD);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
    assertThat(f.reason()).isEqualTo("DOWNLOAD_BUSY");
    assertThat(f.getMessage()).contains("another stream");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("still running").doesNotContain("token (copy"));
  }

  @Test
  void aGrantOfAFileNotSealedForTheRecipientsKeysSaysToSealAgainWithSend() {
    SealdropFailure f = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription(
        "file f_1 is not sealed for 'bob''s current key k1"), "NOT_SEALED_FOR_RECIPIENT"), GrpcFailures.Op.CREATE_GRANT);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.USAGE);
    assertThat(f.reason()).isEqualTo("NOT_SEALED_FOR_RECIPIENT");
    assertThat(f.getMessage()).contains("refused the grant").contains("not sealed for");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("seal it again").contains("sealdrop send")
        .doesNotContain("re-run the command"));
  }

  @Test
  void aDownloadCutByAPurgeSaysTheFileWasPurgedNotRevoked() {
    SealdropFailure f = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription(
        "the file was purged by an admin"), "FILE_PURGED"), GrpcFailures.Op.DOWNLOAD);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
    assertThat(f.reason()).isEqualTo("FILE_PURGED");
    assertThat(f.getMessage()).contains("purged").contains("by an admin").doesNotContain("revoked");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("send it again").doesNotContain("token"));
  }

  /** Review CT: a resume of a claim whose file its sender deleted was told an admin had purged it. */
  @Test
  void aResumeAfterTheSendersDeleteSaysTheSenderDeletedIt() {
    SealdropFailure f = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription("the grant's file was"
        + " deleted from the server by its sender at 2026-12-04T09:00:00Z: its ciphertext and every grant on it are"
        + " deleted, so this download cannot go on; ask the sender to send the file again"), "FILE_PURGED"),
        GrpcFailures.Op.DOWNLOAD);
    assertThat(f.reason()).isEqualTo("FILE_PURGED");
    assertThat(f.getMessage()).contains("deleted from the server by its sender").doesNotContain("admin");
  }

  @Test
  void aGrantRetentionDeletedSaysHowItEndedAndWhenNotThatTheTokenIsWrong() {
    SealdropFailure f = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription("the grant is gone:"
        + " it had expired at 2026-12-05T10:00:00Z, and the server's retention deleted it at 2027-01-04T10:00:00Z"
        + " (ended grants are kept only for a set period), so it cannot be redeemed; ask the sender to send the file"
        + " again"), "GRANT_PURGED"), GrpcFailures.Op.REDEEM);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
    assertThat(f.reason()).isEqualTo("GRANT_PURGED");
    assertThat(f.getMessage()).isEqualTo("the grant is gone: it had expired at 2026-12-05T10:00:00Z, and the server's"
        + " retention deleted it at 2027-01-04T10:00:00Z (ended grants are kept only for a set period), so it cannot"
        + " be redeemed");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("send the file again")
        .doesNotContain("check the token"));
  }

  @Test
  void aServerBusyWithUploadsSaysTheSealedFileIsKeptAndTheOwnShareIsAPermissionRefusal() {
    SealdropFailure busy = GrpcFailures.translate(status(Status.RESOURCE_EXHAUSTED.withDescription(
        "server busy: it is receiving 32 uploads, the most it receives at once (max-upload-streams); retry in a moment"
            + " (nothing was lost)"), "SERVER_BUSY"), GrpcFailures.Op.UPLOAD);
    assertThat(Diagnoser.exitFor(busy)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(busy.hint()).hasValueSatisfying(h -> assertThat(h).contains("a send whose sealed file is kept")
        .contains("resumes").doesNotContain("receive"));
    SealdropFailure share = GrpcFailures.translate(status(Status.RESOURCE_EXHAUSTED.withDescription(
        "'alice' has 8 uploads running, the most one identity may have at once (max-upload-streams-per-identity); let"
            + " one finish, then retry (nothing was lost)"), "TOO_MANY_UPLOAD_STREAMS"), GrpcFailures.Op.UPLOAD);
    assertThat(Diagnoser.exitFor(share)).isEqualTo(ExitCodes.PERMISSION);
    assertThat(share.reason()).isEqualTo("TOO_MANY_UPLOAD_STREAMS");
    assertThat(share.getMessage()).isEqualTo("the server refused another upload: 'alice' has 8 uploads running, the"
        + " most one identity may have at once (max-upload-streams-per-identity); let one finish, then retry (nothing"
        + " was lost)");
    assertThat(share.hint()).hasValueSatisfying(h -> assertThat(h).contains("another `sealdrop send` of yours")
        .contains("/outbox/"));
  }

  @Test
  void aServerBusyWithDownloadsSaysRetryNotQuota() {
    SealdropFailure f = GrpcFailures.translate(status(Status.RESOURCE_EXHAUSTED.withDescription(
        "server busy: it is serving 32 downloads, the most it serves at once; retry in a moment"), "SERVER_BUSY"),
        GrpcFailures.Op.DOWNLOAD);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(f.reason()).isEqualTo("SERVER_BUSY");
    assertThat(f.getMessage()).as("the server's own 'server busy: ' is not repeated")
        .isEqualTo("the server is busy: it is serving 32 downloads, the most it serves at once; retry in a moment");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("retry").doesNotContain("quota"));
  }

  @Test
  void tooManyDownloadsOfOneIdentitySaysToEndOneOfItsOwnNotToAskTheOperator() {
    SealdropFailure f = GrpcFailures.translate(status(Status.RESOURCE_EXHAUSTED.withDescription(
        "'bob' has 8 downloads running, the most one identity may have at once (max-download-streams-per-identity);"
            + " let one finish or stop it (a receive that stopped reading, an SFTP file left open), then retry"
            + " (nothing was used up)"), "TOO_MANY_DOWNLOADS"), GrpcFailures.Op.DOWNLOAD);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.PERMISSION);
    assertThat(f.reason()).isEqualTo("TOO_MANY_DOWNLOADS");
    assertThat(f.getMessage()).startsWith("the server refused another download: 'bob' has 8 downloads running");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("your other downloads")
        .contains("sealdrop receive").contains("nothing was used up").doesNotContain("operator"));
  }

  @Test
  void aGrantOfADisabledSenderSaysWhoCanHelpAndThatNothingWasUsedUp() {
    SealdropFailure f = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription(
        "the grant's sender 'alice' is disabled by an admin"), "GRANT_SUSPENDED"), GrpcFailures.Op.REDEEM);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
    assertThat(f.reason()).isEqualTo("GRANT_SUSPENDED");
    assertThat(f.getMessage()).contains("sender is disabled");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("enables the sender").doesNotContain("token"));
  }

  @Test
  void lockdownSaysSoAndDoesNotPromiseAResume() {
    StatusRuntimeException e = status(Status.UNAVAILABLE.withDescription("the server is locked down by an admin"),
        "LOCKED_DOWN");
    SealdropFailure f = GrpcFailures.translate(e, GrpcFailures.Op.REDEEM);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(f.reason()).isEqualTo("LOCKED_DOWN");
    assertThat(f.getMessage()).contains("locked down");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("lockdown").doesNotContain("resume"));
  }

  @Test
  void aShuttingDownServerSaysSoAndDoesNotDoubtTheAddress() {
    StatusRuntimeException e = status(Status.UNAVAILABLE.withDescription("redeeming is refused: the server is shutting"
        + " down; retry once it is back (nothing was used up)"), "SHUTTING_DOWN");
    SealdropFailure f = GrpcFailures.translate(e, GrpcFailures.Op.REDEEM);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(f.reason()).isEqualTo("SHUTTING_DOWN");
    assertThat(f.getMessage()).startsWith("the server is shutting down: ");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("once the server is back")
        .doesNotContain("address"));
  }

  @Test
  void refusedRevocationsAreToldToTheOwnerNotTheRecipient() {
    for (String r : new String[] {"GRANT_CONSUMED", "GRANT_EXPIRED", "NOT_FOUND"}) {
      Status code = r.equals("NOT_FOUND") ? Status.NOT_FOUND : Status.FAILED_PRECONDITION;
      SealdropFailure f = GrpcFailures.translate(status(code.withDescription("no grant g_1"), r),
          GrpcFailures.Op.REVOKE_GRANT);
      assertThat(Diagnoser.exitFor(f)).as(r).isEqualTo(ExitCodes.NOT_REDEEMABLE);
      assertThat(f.getMessage() + " " + f.hint().orElse("")).as(r).doesNotContain("token").doesNotContain("ask the sender")
          .contains("sealdrop grants");
    }
    SealdropFailure used = GrpcFailures.translate(status(Status.FAILED_PRECONDITION, "GRANT_CONSUMED"),
        GrpcFailures.Op.REVOKE_GRANT);
    assertThat(used.getMessage()).contains("can no longer be revoked");
    assertThat(used.reason()).isEqualTo("GRANT_CONSUMED");
    // an expired one is told as a revoke refusal, not as a redeem's (outside test: "can no longer be redeemed")
    assertThat(GrpcFailures.translate(status(Status.FAILED_PRECONDITION, "GRANT_EXPIRED"), GrpcFailures.Op.REVOKE_GRANT)
        .getMessage()).startsWith("this grant can no longer be revoked: it has expired");
    // one purged with its file: the server's words (when, by whom), and nothing to look up in a listing
    SealdropFailure purged = GrpcFailures.translate(status(Status.FAILED_PRECONDITION.withDescription("grant g_1 is"
        + " gone: its file f_1 was purged from the server by an admin at 2026-12-04T09:00:00Z (it was still active),"
        + " with every grant on it; nothing is left to revoke"), "FILE_PURGED"), GrpcFailures.Op.REVOKE_GRANT);
    assertThat(purged.getMessage()).startsWith("grant g_1 is gone: its file f_1 was purged");
    assertThat(purged.hint()).hasValueSatisfying(h -> assertThat(h).startsWith("nothing is left to revoke"));
    assertThat(Diagnoser.exitFor(purged)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
  }

  @Test
  void adminRevokeRefusalsPointAtTheAdminListing() {
    for (String r : new String[] {"GRANT_CONSUMED", "GRANT_EXPIRED", "NOT_FOUND", "GRANT_NOT_REDEEMABLE"}) {
      Status code = r.equals("NOT_FOUND") ? Status.NOT_FOUND : Status.FAILED_PRECONDITION;
      SealdropFailure f = GrpcFailures.translate(status(code.withDescription("no grant g_1"), r),
          GrpcFailures.Op.ADMIN_REVOKE_GRANT);
      assertThat(Diagnoser.exitFor(f)).as(r).isEqualTo(ExitCodes.NOT_REDEEMABLE);
      assertThat(f.hint().orElse("")).as(r).contains("`sealdrop admin grants list`").doesNotContain("`sealdrop grants`");
      assertThat(f.getMessage()).as(r).doesNotContain("among yours");
    }
  }

  @Test
  void anUnknownGrantIdToRevokeIsToldOnceWithoutTheServersRpcNames() {
    // the server's own text names its RPCs (ListGrants, ListAllGrants) and repeats what the CLI says
    SealdropFailure mine = GrpcFailures.translate(status(Status.NOT_FOUND.withDescription(
        "no grant g_00000000000000000000000000000000 of yours; `sealdrop grants` (ListGrants) lists them"), null),
        GrpcFailures.Op.REVOKE_GRANT);
    assertThat(mine.getMessage()).isEqualTo("no grant with that id among yours");
    assertThat(mine.hint()).hasValue("check the grant id; `sealdrop grants` lists the grants you created");
    assertThat(Diagnoser.exitFor(mine)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
    SealdropFailure any = GrpcFailures.translate(status(Status.NOT_FOUND.withDescription(
        "no grant g_00000000000000000000000000000000; see ListAllGrants"), null), GrpcFailures.Op.ADMIN_REVOKE_GRANT);
    assertThat(any.getMessage()).isEqualTo("no grant with that id on this server");
  }

  @Test
  void unknownGrantTokenIsNotRedeemable() {
    SealdropFailure f = GrpcFailures.translate(status(Status.NOT_FOUND, null), GrpcFailures.Op.REDEEM);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
    assertThat(f.reason()).isEqualTo("GRANT_NOT_FOUND");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("check the token"));
    // after a good redeem the token is not what is wrong (round CE: a Download NOT_FOUND said "check the token")
    SealdropFailure lost = GrpcFailures.translate(status(Status.NOT_FOUND.withDescription("no such claim"), null),
        GrpcFailures.Op.DOWNLOAD);
    assertThat(lost.reason()).isEqualTo("GRANT_NOT_FOUND");
    assertThat(lost.getMessage()).isEqualTo("the server no longer knows this download's claim: no such claim");
    assertThat(lost.hint()).hasValueSatisfying(h -> assertThat(h).doesNotContain("token").contains("run the same"));
    assertThat(Diagnoser.exitFor(lost)).isEqualTo(ExitCodes.NOT_REDEEMABLE);
  }

  @Test
  void codesMapToTheirExitCodes() {
    assertThat(exit(status(Status.UNAUTHENTICATED, null), GrpcFailures.Op.LIST)).isEqualTo(ExitCodes.AUTH);
    assertThat(exit(status(Status.PERMISSION_DENIED, null), GrpcFailures.Op.UPLOAD)).isEqualTo(ExitCodes.PERMISSION);
    assertThat(exit(status(Status.UNAVAILABLE, null), GrpcFailures.Op.LIST)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(exit(status(Status.DEADLINE_EXCEEDED, null), GrpcFailures.Op.LIST)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(exit(status(Status.INVALID_ARGUMENT, null), GrpcFailures.Op.UPLOAD)).isEqualTo(ExitCodes.USAGE);
    assertThat(exit(status(Status.NOT_FOUND, null), GrpcFailures.Op.FETCH_BUNDLE)).isEqualTo(ExitCodes.USAGE);
    assertThat(exit(status(Status.FAILED_PRECONDITION, null), GrpcFailures.Op.DOWNLOAD))
        .isEqualTo(ExitCodes.NOT_REDEEMABLE);
  }

  @Test
  void serverReasonsForRolesAndCertificatesWinOverTheStatusCode() {
    assertThat(exit(status(Status.FAILED_PRECONDITION, "RECIPIENT_NOT_ACQUIRER"), GrpcFailures.Op.CREATE_GRANT))
        .isEqualTo(ExitCodes.PERMISSION);
    assertThat(exit(status(Status.NOT_FOUND, "NOT_RECIPIENT"), GrpcFailures.Op.REDEEM)).isEqualTo(ExitCodes.PERMISSION);
    assertThat(exit(status(Status.PERMISSION_DENIED, "CERTIFICATE_REVOKED"), GrpcFailures.Op.LIST))
        .isEqualTo(ExitCodes.AUTH);
    assertThat(GrpcFailures.translate(status(Status.NOT_FOUND, "NOT_FOUND"), GrpcFailures.Op.REDEEM).reason())
        .isEqualTo("GRANT_NOT_FOUND");
    assertThat(GrpcFailures.translate(status(Status.NOT_FOUND, "NOT_FOUND"), GrpcFailures.Op.FETCH_BUNDLE).reason())
        .as("keys show of an unknown identity: no bundle, as docs/cli.md maps it").isEqualTo("NO_BUNDLE");
    SealdropFailure unpublished = GrpcFailures.translate(status(Status.INVALID_ARGUMENT, "ENVELOPE_SENDER_MISMATCH"),
        GrpcFailures.Op.UPLOAD);
    assertThat(Diagnoser.exitFor(unpublished)).isEqualTo(ExitCodes.USAGE);
    assertThat(unpublished.hint()).hasValueSatisfying(h -> assertThat(h).contains("sealdrop keys publish"));
    SealdropFailure closed = GrpcFailures.translate(status(Status.FAILED_PRECONDITION, "CLAIM_CLOSED"),
        GrpcFailures.Op.DOWNLOAD);
    assertThat(closed).isInstanceOf(dev.sealdrop.client.failure.GrantFailure.class);
    // not "check the token": the token was right, the claim ended (found by an outside test)
    assertThat(closed.hint()).hasValueSatisfying(h -> assertThat(h).contains("run the same command again")
        .doesNotContain("check the token"));
  }

  @Test
  void aFailedHandshakeIsAnAuthenticationFailureNotANetworkOne() {
    StatusRuntimeException e = Status.UNAVAILABLE.withCause(new SSLHandshakeException("PKIX path building failed"))
        .asRuntimeException();
    SealdropFailure f = GrpcFailures.translate(e, GrpcFailures.Op.LIST);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.AUTH);
    assertThat(f.reason()).isEqualTo("TLS_REFUSED");
  }

  /** Round CK: a clock 3 h behind got a hint about the address and the CA when the server's certificate was "not yet valid". */
  @Test
  void aServerCertificateOutsideItsDatesPointsAtThisMachinesClock() {
    Exception notYet = new SSLHandshakeException("General OpenSslEngine problem");
    notYet.initCause(new java.security.cert.CertificateException("validity check failed",
        new java.security.cert.CertificateNotYetValidException("NotBefore: Sun Dec 06 12:00:00 UTC 2026")));
    SealdropFailure f = GrpcFailures.translate(Status.UNAVAILABLE.withCause(notYet).asRuntimeException(),
        GrpcFailures.Op.LIST);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.AUTH);
    assertThat(f.getMessage()).contains("NotBefore: Sun Dec 06 12:00:00 UTC 2026").contains("this machine's time");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).startsWith("check this machine's clock")
        .doesNotContain("subjectAltName"));
  }

  @Test
  void theServersAlertsAboutOurCertificateAreToldAsWhatTheyMeanInBothTlsStacksSpellings() {
    Map<String, String> alerts = Map.of(
        "error:10000414:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_REVOKED", "CERTIFICATE_REVOKED",
        "Received fatal alert: certificate_revoked", "CERTIFICATE_REVOKED",
        "error:10000415:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_EXPIRED", "CERTIFICATE_EXPIRED",
        "error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA", "CERTIFICATE_UNTRUSTED",
        "Received fatal alert: certificate_required", "CERTIFICATE_UNTRUSTED",
        "error:10000413:SSL routines:OPENSSL_internal:SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "CERTIFICATE_UNSUPPORTED");
    alerts.forEach((text, reason) -> {
      SealdropFailure f = GrpcFailures.translate(Status.UNAVAILABLE.withCause(new SSLHandshakeException(text))
          .asRuntimeException(), GrpcFailures.Op.LIST);
      assertThat(Diagnoser.exitFor(f)).as(text).isEqualTo(ExitCodes.AUTH);
      assertThat(f.reason()).as(text).isEqualTo(reason);
      assertThat(f.hint()).as(text).hasValueSatisfying(h -> assertThat(h).doesNotContain("check --server"));
    });
    // the same refusals at a call (reason trailer) get the same advice
    SealdropFailure disabled = GrpcFailures.translate(status(Status.UNAUTHENTICATED.withDescription(
        "identity 'bob' is disabled"), "IDENTITY_DISABLED"), GrpcFailures.Op.LIST);
    assertThat(disabled.reason()).isEqualTo("IDENTITY_DISABLED");
    assertThat(disabled.hint()).hasValueSatisfying(h -> assertThat(h).contains("enable it again"));
    SealdropFailure expired = GrpcFailures.translate(status(Status.UNAUTHENTICATED.withDescription(
        "certificate expired"), "CERTIFICATE_EXPIRED"), GrpcFailures.Op.LIST);
    // round CM: a certificate valid by this machine's clock, refused by a server whose clock is behind
    assertThat(expired.hint()).hasValueSatisfying(h -> assertThat(h).contains("renewed certificate")
        .contains("check this machine's (`date -u`)").contains("check the server's"));
    // round CG: a revoked identity is not cured by a new certificate, and the alert cannot say which was revoked
    SealdropFailure revoked = GrpcFailures.translate(Status.UNAVAILABLE.withCause(new SSLHandshakeException(
        "Received fatal alert: certificate_revoked")).asRuntimeException(), GrpcFailures.Op.LIST);
    assertThat(revoked.hint()).hasValueSatisfying(h -> assertThat(h).contains("ask an admin which it was")
        .contains("a revoked identity is refused whatever its certificate").contains("sealdrop keys renew"));
    // not an alert: our own refusal of the server's certificate keeps the generic reason
    assertThat(GrpcFailures.translate(Status.UNAVAILABLE.withCause(new SSLHandshakeException(
        "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED")).asRuntimeException(),
        GrpcFailures.Op.LIST).reason()).isEqualTo("TLS_REFUSED");
  }

  @Test
  void aCallTheServerDoesNotOfferPointsAtTheAddressesNotAtALaterRerun() {
    // what a profile whose `server` is the admin port gets: the admin listener has no TransferService
    SealdropFailure f = GrpcFailures.translate(Status.UNIMPLEMENTED.withDescription(
        "Method not found: sealdrop.v1.TransferService/ListInbox").asRuntimeException(), GrpcFailures.Op.LIST);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(f.reason()).isEqualTo("UNIMPLEMENTED");
    assertThat(f.getMessage()).contains("does not offer this call").contains("ListInbox");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("admin listening on")
        .doesNotContain("re-run later"));
  }

  @Test
  void aCallAnOlderServerDoesNotHaveSaysItMayBeOlder() {
    // round DB: `files delete` against a server of before DeleteFile, at the right address, was told only to check it
    SealdropFailure f = GrpcFailures.translate(Status.UNIMPLEMENTED.withDescription(
        "Method not found: sealdrop.v1.TransferService/DeleteFile").asRuntimeException(), GrpcFailures.Op.DELETE_FILE);
    assertThat(f.getMessage()).contains("DeleteFile");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("check the addresses in profile.properties")
        .contains("runs an older sealdrop version that does not have this call").contains("ask its operator"));
  }

  @Test
  void aServerCertificateFromAnotherCaSaysSoNotOpenSslsGeneralProblem() {
    // what netty-tcnative reports when our trust manager refuses the server's chain (a profile made with another --ca)
    SSLHandshakeException openSsl = new SSLHandshakeException("General OpenSslEngine problem");
    openSsl.initCause(new java.security.cert.CertificateException("PKIX path building failed: "
        + "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
        + "certification path to requested target"));
    SealdropFailure f = GrpcFailures.translate(Status.UNAVAILABLE.withCause(openSsl).asRuntimeException(),
        GrpcFailures.Op.LIST);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.AUTH);
    assertThat(f.reason()).isEqualTo("TLS_REFUSED");
    assertThat(f.getMessage()).contains("the server's certificate was not accepted")
        .contains("PKIX path building failed: unable to find valid certification path")
        .doesNotContain("General OpenSslEngine problem").doesNotContain("sun.security").doesNotContain("Exception");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("tls/ca.crt"));
    // the admin listener's address is checked against the certificate too (outside test: the hint named only
    // `server`, and not that the certificate must name the address)
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("`admin_server` for `sealdrop admin` commands")
        .contains("subjectAltName"));
  }

  /** Round AX: a TLS record that failed its integrity check is a damaged connection (exit 8), not a refusal (3). */
  @Test
  void aDamagedTlsRecordIsANetworkFailureNotARefusal() {
    for (String message : new String[] {"error:1e000065:Cipher functions:OPENSSL_internal:BAD_DECRYPT",
        "error:10000414:SSL routines:OPENSSL_internal:SSLV3_ALERT_BAD_RECORD_MAC", "Received fatal alert: bad_record_mac",
        "Tag mismatch"}) {
      SealdropFailure f = GrpcFailures.translate(Status.UNAVAILABLE.withCause(new javax.net.ssl.SSLException(message))
          .asRuntimeException(), GrpcFailures.Op.LIST);
      assertThat(Diagnoser.exitFor(f)).as(message).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(f.reason()).isEqualTo("CONNECTION_DAMAGED");
      assertThat(f.getMessage()).contains("failed its integrity check").doesNotContain("handshake");
      assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("re-run"));
    }
    SealdropFailure refused = GrpcFailures.translate(Status.UNAVAILABLE.withCause(new javax.net.ssl.SSLException(
        "error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA")).asRuntimeException(),
        GrpcFailures.Op.LIST);
    assertThat(Diagnoser.exitFor(refused)).as("a refusal stays one").isEqualTo(ExitCodes.AUTH);
  }

  @Test
  void aHandshakeCutWithoutAnAlertIsANetworkFailureAndRetryable() {
    StatusRuntimeException closed = Status.UNAVAILABLE.withDescription(
        "Connection closed while performing TLS negotiation\nChannel Pipeline: [SslHandler#0]").asRuntimeException();
    assertThat(GrpcFailures.handshakeCutShort(closed)).isTrue();
    assertThat(GrpcFailures.endedWithoutVerdict(closed)).isTrue();
    SealdropFailure f = GrpcFailures.translate(closed, GrpcFailures.Op.LIST);
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(f.reason()).isEqualTo("TLS_HANDSHAKE_INCOMPLETE");
    assertThat(f.getMessage()).as("no transport internals").doesNotContain("Channel Pipeline");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("check the address"));
    StatusRuntimeException refused = Status.UNAVAILABLE.withCause(
        new SSLHandshakeException("Received fatal alert: certificate_unknown")).asRuntimeException();
    assertThat(GrpcFailures.handshakeCutShort(refused)).isFalse();
    StatusRuntimeException afterTheHandshake = Status.UNAVAILABLE.withCause(new javax.net.ssl.SSLException(
        "failure when writing TLS control frames", new java.nio.channels.ClosedChannelException())).asRuntimeException();
    assertThat(GrpcFailures.handshakeCutShort(afterTheHandshake)).as("may follow a request already sent").isFalse();
    assertThat(GrpcFailures.handshakeCutShort(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()))
        .isFalse();
  }

  /**
   * Our own handshake timer ran out: what answers at the address accepted the connection and said
   * nothing. Tried again (an overloaded server may have accepted it late); when the last attempt ends
   * so, told as such with the time limit, whichever way Netty's timeout reaches gRPC's status.
   */
  @Test
  void aHandshakeThatGotNoAnswerInTimeIsTriedAgainAndFinallyNamesTheAddress() {
    StatusRuntimeException timedOut = Status.UNAVAILABLE.withCause(new javax.net.ssl.SSLException("handshake failed",
        new io.netty.handler.ssl.SslHandshakeTimeoutException("handshake timed out after 10000ms"))).asRuntimeException();
    // as gRPC reports a silent listener: its pipeline in the description, Netty's timeout as the cause
    StatusRuntimeException silent = Status.UNAVAILABLE.withDescription("io exception\nChannel Pipeline: [SslHandler#0,"
        + " ProtocolNegotiators$ClientTlsHandler#0, WriteBufferingAndExceptionHandler#0]").withCause(
        new io.netty.handler.ssl.SslHandshakeTimeoutException("handshake timed out after 10000ms")).asRuntimeException();
    for (StatusRuntimeException e : java.util.List.of(timedOut, silent)) {
      assertThat(GrpcFailures.endedWithoutVerdict(e)).as(e.toString()).isTrue();
      SealdropFailure f = GrpcFailures.translate(e, GrpcFailures.Op.LIST);
      assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(f.reason()).isEqualTo("TLS_HANDSHAKE_TIMEOUT");
      assertThat(f.getMessage()).isEqualTo("the server did not answer the TLS handshake within 10 s");
      assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("is the address right")
          .contains("another service"));
    }
    assertThat(GrpcFailures.detailOf(silent)).isEqualTo("io exception: handshake timed out after 10000ms");
    assertThat(GrpcFailures.translate(Status.UNAVAILABLE.withCause(new io.netty.handler.ssl.SslHandshakeTimeoutException(
        "handshake timed out after 2500ms")).asRuntimeException(), GrpcFailures.Op.LIST).getMessage())
        .endsWith("within 2.5 s");
  }

  @Test
  void aConnectionClosedWithNoReasonEndedWithoutAVerdictButAnAlertOrAnErrorIsAVerdict() {
    StatusRuntimeException closed = Status.UNAVAILABLE.withDescription("Network closed for unknown reason")
        .asRuntimeException();
    assertThat(GrpcFailures.endedWithoutVerdict(closed)).isTrue();
    assertThat(GrpcFailures.translate(closed, GrpcFailures.Op.LIST).reason()).isEqualTo("SERVER_UNAVAILABLE");
    StatusRuntimeException cut = Status.UNAVAILABLE.withDescription(
        "Connection closed while performing TLS negotiation").asRuntimeException();
    assertThat(GrpcFailures.endedWithoutVerdict(cut)).isTrue();
    StatusRuntimeException alert = Status.UNAVAILABLE.withDescription("Network closed for unknown reason")
        .withCause(new SSLHandshakeException("Received fatal alert: certificate_revoked")).asRuntimeException();
    assertThat(GrpcFailures.endedWithoutVerdict(alert)).isFalse();
    StatusRuntimeException refused = Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new java.net.ConnectException("Connection refused")).asRuntimeException();
    assertThat(GrpcFailures.endedWithoutVerdict(refused)).isFalse();
    assertThat(GrpcFailures.endedWithoutVerdict(Status.DEADLINE_EXCEEDED.asRuntimeException())).isFalse();
    StatusRuntimeException goAway = Status.UNAVAILABLE.withDescription(
        "Connection closed after GOAWAY. HTTP/2 error code: NO_ERROR").asRuntimeException();
    assertThat(GrpcFailures.endedWithoutVerdict(goAway)).as("a GOAWAY is the server's answer").isFalse();
    StatusRuntimeException controlFrames = Status.UNAVAILABLE.withCause(new javax.net.ssl.SSLException(
        "failure when writing TLS control frames", new java.nio.channels.ClosedChannelException())).asRuntimeException();
    assertThat(GrpcFailures.handshakeCutShort(controlFrames)).isFalse();
    assertThat(GrpcFailures.endedWithoutVerdict(controlFrames))
        .as("retried only if the request never reached the connection (Delivery)").isTrue();
    SealdropFailure lost = GrpcFailures.translate(controlFrames, GrpcFailures.Op.LIST);
    assertThat(lost.reason()).as("not a refused certificate").isEqualTo("SERVER_UNAVAILABLE");
    assertThat(Diagnoser.exitFor(lost)).isEqualTo(ExitCodes.UNAVAILABLE);
  }

  @Test
  void aMalformedReasonTrailerIsIgnored() {
    StatusRuntimeException e = status(Status.PERMISSION_DENIED, "grant_expired\u001b[2J");
    assertThat(GrpcFailures.reason(e)).isEmpty();
    assertThat(exit(e, GrpcFailures.Op.REDEEM)).isEqualTo(ExitCodes.PERMISSION);
  }

  /** A transfer that broke off is told in words, with the transport's reason, never gRPC's status names. */
  @Test
  void aCallThatBrokeOffIsToldInWords() {
    StatusRuntimeException reset = Status.UNAVAILABLE.withDescription("io exception\nChannel Pipeline: [SslHandler#0]")
        .withCause(new java.net.SocketException("Connection reset")).asRuntimeException();
    assertThat(GrpcFailures.howItBroke(reset)).isEqualTo("the connection to the server broke (Connection reset)");
    assertThat(GrpcFailures.howItBroke(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()))
        .isEqualTo("the connection to the server broke");
    assertThat(GrpcFailures.howItBroke(Status.UNAVAILABLE.withDescription("Network closed for unknown reason")
        .asRuntimeException())).isEqualTo("the connection to the server broke (Network closed for unknown reason)");
    assertThat(GrpcFailures.howItBroke(Status.CANCELLED.asRuntimeException()))
        .startsWith("the server ended the call before it finished");
    assertThat(GrpcFailures.howItBroke(Status.DEADLINE_EXCEEDED.asRuntimeException()))
        .isEqualTo("the server did not answer in time");
    assertThat(GrpcFailures.howItBroke(Status.INTERNAL.withDescription("RST_STREAM closed stream").asRuntimeException()))
        .isEqualTo("the call failed (INTERNAL: RST_STREAM closed stream)");
  }

  /** A connection the server closed with a reason (a GOAWAY's debug data) shows the reason, not HTTP/2's framing. */
  @Test
  void aGoAwayShowsTheServersReasonWithoutHttp2Terms() {
    assertThat(GrpcFailures.detailOf(Status.UNAVAILABLE.withDescription("Connection closed after GOAWAY. HTTP/2 error"
        + " code: INTERNAL_ERROR, debug data: the audit log cannot be written").asRuntimeException()))
        .isEqualTo("the server closed the connection: the audit log cannot be written");
    assertThat(GrpcFailures.detailOf(Status.UNAVAILABLE.withDescription("Connection closed after GOAWAY. HTTP/2 error"
        + " code: NO_ERROR").asRuntimeException())).isEqualTo("the server closed the connection (NO_ERROR)");
  }

  /**
   * Round CE: a server whose keepalive policy allows fewer pings than the CLI sends closes the connection with HTTP/2's
   * ENHANCE_YOUR_CALM, which gRPC reports as RESOURCE_EXHAUSTED (the status below is what grpc-java 1.7x gives): it
   * read "a size limit or quota applies" (exit 6); it is a closed connection (exit 8), for an upload one to resume.
   */
  @Test
  void aGoAwayForTooManyPingsIsAClosedConnectionNotAQuota() {
    io.grpc.StatusRuntimeException calm = Status.RESOURCE_EXHAUSTED.withDescription("Connection closed after GOAWAY."
        + " HTTP/2 error code: ENHANCE_YOUR_CALM (Bandwidth exhausted), debug data: too_many_pings").asRuntimeException();
    SealdropFailure f = GrpcFailures.translate(calm, GrpcFailures.Op.DOWNLOAD);
    assertThat(f.reason()).isEqualTo("CONNECTION_CLOSED");
    assertThat(f.getMessage()).isEqualTo("the server closed the connection: too_many_pings (it allows fewer keepalive"
        + " pings than this client sends: one a minute while a call runs)");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).doesNotContain("quota").contains("run the same command"));
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(Uploader.interrupted(new UploadStream.BrokenUpload(calm)).reason()).isEqualTo("CONNECTION_CLOSED");
  }

  /** An SSH key the server refuses (too short an RSA key) gets a hint that fits, not "see sealdrop help". */
  @Test
  void aRefusedSshKeyGetsAHintThatFits() {
    SealdropFailure f = GrpcFailures.translate(Status.INVALID_ARGUMENT.withDescription("RSA keys must have at least"
        + " 3072 bits; this one has 2048").asRuntimeException(), GrpcFailures.Op.SSH_KEY);
    assertThat(f.getMessage()).contains("3072 bits");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).startsWith("nothing was changed")
        .contains("ssh-keygen -t ed25519").doesNotContain("sealdrop help"));
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.USAGE);
    // round BI: a comment refused is no matter of the key's type: a new Ed25519 key is not the remedy
    SealdropFailure comment = GrpcFailures.translate(Status.INVALID_ARGUMENT.withDescription("SSH public key refused:"
        + " the key's comment holds a control character (a tab); comments are printable text: give the key another"
        + " comment (`ssh-keygen -c -C 'NEW COMMENT' -f KEYFILE` ...), then add it again").asRuntimeException(),
        GrpcFailures.Op.SSH_KEY);
    assertThat(comment.hint()).hasValue("nothing was changed; correct it as the message says");
  }

  /** Round CM: a bundle the server refuses (here, not yet valid by its clock) is not a matter of the arguments. */
  @Test
  void aRefusedBundleGetsAHintThatFits() {
    SealdropFailure f = GrpcFailures.translate(status(Status.INVALID_ARGUMENT.withDescription("key bundle refused (not"
        + " yet valid by the server's clock): ..."), "BUNDLE_INVALID"), GrpcFailures.Op.PUBLISH_BUNDLE);
    assertThat(f.reason()).isEqualTo("BUNDLE_INVALID");
    assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).startsWith("nothing was published")
        .contains("sealdrop keys publish").doesNotContain("check the arguments"));
    assertThat(Diagnoser.exitFor(f)).isEqualTo(ExitCodes.USAGE);
  }
}

package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DeleteFileRequest;
import dev.sealdrop.protocol.v1.DeleteFileResponse;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.FileInfo;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RevokeGrantRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.IssuedCert;
import dev.sealdrop.protocol.v1.AddIdentityRequest;
import dev.sealdrop.protocol.v1.Role;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A sender deletes one of their own files ({@code DeleteFile}): its ciphertext and every grant on it go, a holder of a
 * grant's token is told its sender deleted the file, and nobody else's file can be deleted or even told apart from
 * none (round CP: only an admin's purge or retention removed a file).
 */
class OwnFileDeleteTest extends OneServerPerMethod {
  UploadResponse file;

  @Override
  protected ServerConfig configure(ServerConfig c) {
    return c.withAdmin(c.admin().withPort(0));
  }

  @BeforeEach
  void upload() {
    Users.publish(clients, server.pki, "alice");
    file = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(100_000, 7), "bob").bytes());
  }

  private DeleteFileResponse delete(String who, String fileId) {
    return clients.transfer(who).deleteFile(DeleteFileRequest.newBuilder().setFileId(fileId).build());
  }

  @Test
  void anotherIdentitysFileIsNotFoundAndKeptAsItWas() {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    // another transferor: told what it is told of an id that never named a file
    IssuedCert erins = server.pki.issue(CertSpec.client("od-erin"));
    new AdminClients(server).admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("od-erin")
        .setRole(Role.ROLE_TRANSFEROR).build());
    ManagedChannel erin = clients.channel(erins.privateKey(), erins.certificate());
    String never = "f_" + "0".repeat(32);
    for (String id : List.of(file.getFileId(), never)) {
      var e = refused(() -> TransferServiceGrpc.newBlockingStub(erin).deleteFile(DeleteFileRequest.newBuilder()
          .setFileId(id).build()), Status.Code.NOT_FOUND, "NOT_FOUND");
      assertThat(e.getStatus().getDescription()).as("answered as for no file at all").isEqualTo("no file " + id
          + " of yours (it may have been deleted already); `sealdrop files` lists yours");
    }
    erin.shutdownNow();
    // an acquirer has no files, as for ListFiles
    refused(() -> delete("bob", file.getFileId()), Status.Code.PERMISSION_DENIED, "ROLE_FORBIDDEN");
    refused(() -> delete("alice", "g_" + "0".repeat(32)), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    assertThat(Files.exists(data.resolve("blobs").resolve(file.getFileId()))).as("ciphertext kept").isTrue();
    // the grant still works: bob redeems and downloads it
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    assertThat(Transfers.download(clients.transfer("bob"), claim, 0)).hasSize((int) file.getSize());
  }

  @Test
  void theOwnerDeletesTheFileAndEveryGrantOnItAndTheirHoldersAreToldWhoDidIt() {
    CreateGrantResponse served = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    CreateGrantResponse unused = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String servedClaim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(served.getToken()).build())
        .getClaimId();
    Transfers.download(clients.transfer("bob"), servedClaim, 0);

    DeleteFileResponse r = delete("alice", file.getFileId().toUpperCase(java.util.Locale.ROOT).replace("F_", "f_"));
    assertThat(r.getFileId()).isEqualTo(file.getFileId());
    assertThat(r.getGrantsDeleted()).isEqualTo(2);
    assertThat(r.getDownloadsCut()).isZero();
    assertThat(Files.exists(data.resolve("blobs").resolve(file.getFileId()))).as("ciphertext deleted").isFalse();
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList())
        .extracting(FileInfo::getFileId).doesNotContain(file.getFileId());

    var redeem = refused(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(unused.getToken())
        .build()), Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    assertThat(redeem.getStatus().getDescription()).startsWith("the grant's file was deleted from the server by its"
        + " sender at ").doesNotContain("admin");
    var revoke = refused(() -> clients.transfer("alice").revokeGrant(RevokeGrantRequest.newBuilder()
        .setGrantId(unused.getGrant().getGrantId()).build()), Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    assertThat(revoke.getStatus().getDescription()).contains("was deleted from the server by its sender at")
        .contains("nothing is left to revoke");
    // round CX: the served grant's token is told its download was used, not "it was claimed by a download"
    var servedRedeem = refused(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder()
        .setToken(served.getToken()).build()), Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    assertThat(servedRedeem.getStatus().getDescription()).contains("its downloads had been used up")
        .doesNotContain("claimed");
    // the download served in full before the delete counted: its confirm says so, as after an admin's purge
    var counted = refused(() -> clients.transfer("bob").confirmDownload(ConfirmDownloadRequest.newBuilder()
        .setClaimId(servedClaim).setFingerprint(served.getGrant().getFingerprint()).build()),
        Status.Code.FAILED_PRECONDITION, "GRANT_CONSUMED");
    assertThat(counted.getStatus().getDescription()).contains("its file was deleted from the server by its sender");
    // deleted again: nothing left
    refused(() -> delete("alice", file.getFileId()), Status.Code.NOT_FOUND, "NOT_FOUND");
    // its upload is closed, not unfinished and resumable (round CU: GetUpload named the bytes stored, closed false)
    var upload = clients.transfer("alice").getUpload(dev.sealdrop.protocol.v1.GetUploadRequest.newBuilder()
        .setUploadId(file.getUploadId()).build());
    assertThat(upload.getClosed()).isTrue();
    assertThat(upload.getCommittedOffset()).isZero();
    assertThat(upload.getFileId()).isEmpty();

    List<AuditEntry> tail = new AdminClients(server).admin("carol").tailAudit(TailAuditRequest.newBuilder()
        .setCount(30).build()).getEntriesList();
    assertThat(tail).filteredOn(e -> e.getAction().equals("file.delete") && e.getResult().equals("ok"))
        .singleElement().satisfies(e -> {
          assertThat(e.getActor()).isEqualTo("alice");
          assertThat(e.getObject()).isEqualTo("file:" + file.getFileId());
          assertThat(e.getDetailsMap()).containsEntry("grants", "2").containsEntry("door", "grpc");
        });
    assertThat(tail).filteredOn(e -> e.getAction().equals("grant.purge")).hasSize(2)
        .allSatisfy(e -> assertThat(e.getDetailsMap()).containsEntry("cause", "file-deleted"));
    // each grant's record names the state its holder is told: the one whose only download was served in full ended
    // consumed (its grant.consume comes first), the unused one active
    assertThat(tail).filteredOn(e -> e.getAction().equals("grant.purge"))
        .extracting(e -> e.getDetailsMap().get("grant-id") + "=" + e.getDetailsMap().get("state"))
        .containsExactlyInAnyOrder(served.getGrant().getGrantId() + "=consumed",
            unused.getGrant().getGrantId() + "=active");
    assertThat(tail).filteredOn(e -> e.getAction().equals("grant.consume")).extracting(AuditEntry::getObject)
        .contains("grant:" + served.getGrant().getGrantId());
    assertThat(tail).filteredOn(e -> e.getAction().equals("file.delete") && !e.getResult().equals("ok"))
        .as("the refused second delete is audited").hasSize(1);
  }

  @Test
  void aClaimsDownloadIsStoppedAndADeleteWorksDuringALockdown() {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    new AdminClients(server).admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(true)
        .setReason("incident").build());
    assertThat(delete("alice", file.getFileId()).getGrantsDeleted()).as("allowed in a lockdown").isEqualTo(1);
    new AdminClients(server).admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(false)
        .setReason("over").build());
    var resumed = refused(() -> clients.transfer("bob").download(DownloadRequest.newBuilder().setClaimId(claim)
        .setOffset(0).build()).next(), Status.Code.FAILED_PRECONDITION, "FILE_PURGED");
    assertThat(resumed.getStatus().getDescription()).startsWith("the grant's file was deleted from the server by its"
        + " sender at ");
  }
}

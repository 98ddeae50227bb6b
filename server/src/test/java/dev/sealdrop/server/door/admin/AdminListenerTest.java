package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.AddIdentityRequest;
import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.ExportAuditRequest;
import dev.sealdrop.protocol.v1.GetLockdownRequest;
import dev.sealdrop.protocol.v1.IdentityInfo;
import dev.sealdrop.protocol.v1.IdentityState;
import dev.sealdrop.protocol.v1.ListAllFilesRequest;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.ListIdentitiesRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.PurgeFileRequest;
import dev.sealdrop.protocol.v1.RevokeAnyGrantRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.Role;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.OneServerPerClass;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Issue 6: the admin surface is a listener of its own, for the admin role only (SECURITY.md §0 rule 7). */
class AdminListenerTest extends OneServerPerClass {
  /** Every admin RPC, as a call on a stub. */
  static final List<Consumer<AdminServiceGrpc.AdminServiceBlockingStub>> EVERY_RPC = List.of(
      s -> s.listIdentities(ListIdentitiesRequest.getDefaultInstance()),
      s -> s.addIdentity(AddIdentityRequest.newBuilder().setIdentity("mole").setRole(Role.ROLE_ADMIN).build()),
      s -> s.disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("carol").build()),
      s -> s.revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("carol").build()),
      s -> s.listAllGrants(ListAllGrantsRequest.getDefaultInstance()),
      s -> s.revokeAnyGrant(RevokeAnyGrantRequest.newBuilder().setGrantId("g_x").build()),
      s -> s.setLockdown(SetLockdownRequest.newBuilder().setOn(true).setReason("x").build()),
      s -> s.getLockdown(GetLockdownRequest.getDefaultInstance()),
      s -> s.listAllFiles(ListAllFilesRequest.getDefaultInstance()),
      s -> s.purgeFile(PurgeFileRequest.newBuilder().setFileId("f_x").build()),
      s -> s.exportAudit(ExportAuditRequest.getDefaultInstance()).hasNext(),
      s -> s.tailAudit(TailAuditRequest.getDefaultInstance()));

  @Test
  void nonAdminsAreRefusedEveryAdminOperationAndEachRefusalIsAudited() {
    for (String user : List.of("alice", "bob")) {
      AdminServiceGrpc.AdminServiceBlockingStub stub = admins.admin(user);
      for (Consumer<AdminServiceGrpc.AdminServiceBlockingStub> rpc : EVERY_RPC) {
        refused(() -> rpc.accept(stub), Status.Code.PERMISSION_DENIED, "ROLE_FORBIDDEN");
      }
    }
    assertThat(admins.admin("carol").getLockdown(GetLockdownRequest.getDefaultInstance()).getOn())
        .as("nothing a refused caller asked for happened").isFalse();
    List<AuditEntry> tail = admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(100).build())
        .getEntriesList();
    assertThat(tail.stream().filter(e -> e.getAction().equals("admin.refuse") && e.getResult().equals("role-forbidden")))
        .extracting(AuditEntry::getActor).containsOnly("alice", "bob").hasSize(2 * EVERY_RPC.size());
    assertThat(tail.stream().filter(e -> e.getAction().equals("admin.refuse")).map(AuditEntry::getPeer))
        .allMatch(p -> p.startsWith("127.0.0.1:"));
  }

  @Test
  void theTransferPortHasNoAdminService() {
    AdminServiceGrpc.AdminServiceBlockingStub onTransferPort = AdminServiceGrpc.newBlockingStub(clients.channel("carol"))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
    for (Consumer<AdminServiceGrpc.AdminServiceBlockingStub> rpc : EVERY_RPC) {
      refused(() -> rpc.accept(onTransferPort), Status.Code.UNIMPLEMENTED, null);
    }
  }

  /**
   * What docs/admin.md says of a call of another service on the admin listener (a profile whose `server` is the admin
   * port): gRPC answers UNIMPLEMENTED before any interceptor, whatever the caller's role, so there is no admin.refuse
   * record of it; the role gate and its audit are for AdminService calls.
   */
  @Test
  void aTransferCallOnTheAdminListenerIsUnimplementedAndNotAnAuditedRefusal() throws Exception {
    try (Clients onAdminPort = Clients.of(server.pki, server.server().adminPort())) {
      for (String user : List.of("alice", "carol")) {
        refused(() -> onAdminPort.transfer(user).listInbox(ListInboxRequest.getDefaultInstance()),
            Status.Code.UNIMPLEMENTED, null);
      }
    }
    assertThat(server.server().audit().tail(1000)).filteredOn(r -> r.action().equals("admin.refuse"))
        .extracting(r -> r.object()).doesNotContain("rpc:ListInbox");
  }

  @Test
  void theAdminListenerIsItsOwnLoopbackPort() {
    assertThat(server.server().adminPort()).isPositive().isNotEqualTo(server.port());
    assertThat(server.server().adminHost()).isEqualTo("127.0.0.1");
  }

  /**
   * Names are unique ignoring case, revoked ones included: 'GINA' beside 'gina' would be mistaken for
   * it by an admin, or by a sender choosing a recipient. The refusal names the existing identity.
   */
  @Test
  void aNameThatDiffersOnlyByCaseFromAnExistingOneIsRefused() {
    admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("gina")
        .setRole(Role.ROLE_ACQUIRER).build());
    StatusRuntimeException e = refused(() -> admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder()
        .setIdentity("GINA").setRole(Role.ROLE_TRANSFEROR).build()), Status.Code.ALREADY_EXISTS, "IDENTITY_EXISTS");
    assertThat(e.getStatus().getDescription()).contains("'GINA'").contains("existing identity 'gina'");

    admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("hank")
        .setRole(Role.ROLE_ACQUIRER).build());
    admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("hank").setReason("left")
        .build());
    e = refused(() -> admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("Hank")
        .setRole(Role.ROLE_ACQUIRER).build()), Status.Code.ALREADY_EXISTS, "IDENTITY_EXISTS");
    assertThat(e.getStatus().getDescription()).contains("existing identity 'hank'");
    assertThat(admins.admin("carol").listIdentities(ListIdentitiesRequest.getDefaultInstance()).getIdentitiesList())
        .extracting(IdentityInfo::getIdentity).contains("gina", "hank").doesNotContain("GINA", "Hank");
  }

  @Test
  void carolAddsAnIdentityOnceAndListsIt() {
    IdentityInfo erin = admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("erin")
        .setRole(Role.ROLE_ACQUIRER).build()).getIdentity();
    assertThat(erin.getState()).isEqualTo(IdentityState.IDENTITY_STATE_ACTIVE);
    refused(() -> admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("erin")
        .setRole(Role.ROLE_ACQUIRER).build()), Status.Code.ALREADY_EXISTS, "IDENTITY_EXISTS"); // as admin.proto says
    refused(() -> admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("../x")
        .setRole(Role.ROLE_ACQUIRER).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    refused(() -> admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("carol")
        .build()), Status.Code.FAILED_PRECONDITION, "SELF_ACTION_REFUSED");
    refused(() -> admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("carol")
        .build()), Status.Code.FAILED_PRECONDITION, "SELF_ACTION_REFUSED");
    assertThat(admins.admin("carol").listIdentities(ListIdentitiesRequest.getDefaultInstance()).getIdentitiesList())
        .extracting(IdentityInfo::getIdentity).contains("alice", "bob", "carol", "dave", "erin");
  }
}

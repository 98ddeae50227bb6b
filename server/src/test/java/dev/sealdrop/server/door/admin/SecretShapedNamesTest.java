package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.AddIdentityRequest;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.FetchBundleRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.Role;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round BY: a grant token's secret part without its sdg_ (43 base64url characters) given where a request names an
 * identity (a grant's recipient, admin identities add/disable/revoke, a bundle fetch) was written as typed into the
 * server's log and the audit log, which third parties receive, and `add` made it an identity's name. Such a value is
 * refused as malformed, and never repeated, logged or recorded.
 */
class SecretShapedNamesTest {
  @TempDir
  Path dir;

  @Test
  void aTokensSecretGivenAsAnIdentityNameIsRefusedAndNeverLoggedOrAudited() throws Exception {
    try (CapturedLog log = CapturedLog.ofRoot(); TestServer server = new TestServer(dir.resolve("server"));
        AdminClients admins = new AdminClients(server); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.publish(clients, server.pki, "bob");
      String fileId = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(4096, 5), "bob").bytes())
          .getFileId();
      String token = Transfers.grant(clients, "alice", fileId, "bob").getToken();
      String secret = token.substring(4);

      for (StatusRuntimeException e : new StatusRuntimeException[] {
          Statuses.refused(() -> clients.transfer("alice").createGrant(CreateGrantRequest.newBuilder().setFileId(fileId)
              .setRecipient(secret).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST"),
          Statuses.refused(() -> clients.keys("alice").fetchBundle(FetchBundleRequest.newBuilder().setIdentity(secret)
              .build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST"),
          Statuses.refused(() -> admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity(secret)
              .setRole(Role.ROLE_ACQUIRER).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST"),
          Statuses.refused(() -> admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder()
              .setIdentity(secret).setReason("x").build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST"),
          Statuses.refused(() -> admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder()
              .setIdentity(secret).setReason("x").build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST")}) {
        assertThat(e.getStatus().getDescription()).contains("shape of a grant token's secret").doesNotContain(secret);
      }
      assertThat(server.server().identities().find(secret)).as("no identity of that name").isEmpty();
      // review BZ: a readable name of 43 such characters is no secret's shape, and stays manageable
      String readable = "svc-backup-nightly-export-finance-eu-west-1";
      assertThat(readable).hasSize(43);
      admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity(readable)
          .setRole(Role.ROLE_ACQUIRER).build());
      admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity(readable).setReason("x")
          .build());
      assertThat(server.server().identities().find(readable)).get().satisfies(i -> assertThat(i.enabled()).isFalse());
      assertThat(server.server().audit().tail(10_000).toString()).doesNotContain(secret);
      assertThat(log.messages()).allSatisfy(m -> assertThat(m).doesNotContain(secret));
    }
  }

  /**
   * Reviews ED, EI: an identity enrolled before such names were refused (round BY) kept logging in after the upgrade,
   * and no admin could disable or revoke it, nor anyone fetch its key or grant to it. A name of that shape that names
   * an enrolled identity is taken where an identity is looked up; a new one is still refused.
   */
  @Test
  void anIdentityEnrolledUnderSuchANameBeforeStaysManageable() throws Exception {
    String legacy = "Acme_Finance-Acquirer_Team-Project-Falcon01";
    try (TestServer server = new TestServer(dir.resolve("legacy")); AdminClients admins = new AdminClients(server);
        Clients clients = server.clients()) {
      server.server().identities().registerAll(java.util.Map.of(legacy, dev.sealdrop.server.core.identity.Role.ACQUIRER));
      Statuses.refused(() -> clients.keys("alice").fetchBundle(FetchBundleRequest.newBuilder().setIdentity(legacy)
          .build()), Status.Code.NOT_FOUND, "NOT_FOUND"); // looked up (it has published nothing), not malformed
      admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity(legacy).setReason("x")
          .build());
      assertThat(server.server().identities().find(legacy)).get().satisfies(i -> assertThat(i.enabled()).isFalse());
      admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity(legacy).setReason("stolen")
          .build());
      assertThat(server.server().identities().isRevoked(legacy)).isTrue();
      // and recorded under its name (review EJ: "identity:", naming nobody)
      assertThat(server.server().audit().tail(20)).filteredOn(e -> e.action().startsWith("admin.identity."))
          .extracting(e -> e.action() + " " + e.object()).contains("admin.identity.disable identity:" + legacy,
              "admin.identity.revoke identity:" + legacy);
      String another = "Bcme_Finance-Acquirer_Team-Project-Falcon01";
      Statuses.refused(() -> admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity(another)
          .setRole(Role.ROLE_ACQUIRER).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    }
  }
}

package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.v1.AdminFile;
import dev.sealdrop.protocol.v1.AdminGrant;
import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.IdentityInfo;
import dev.sealdrop.protocol.v1.IdentityState;
import dev.sealdrop.protocol.v1.LockdownState;
import dev.sealdrop.protocol.v1.Role;
import dev.sealdrop.server.core.admin.FileView;
import dev.sealdrop.server.core.admin.IdentityView;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;

/** Admin core records ↔ generated messages of admin.proto. */
final class AdminMapper {
  private AdminMapper() {}

  static IdentityInfo identity(IdentityView v) {
    return IdentityInfo.newBuilder().setIdentity(v.name()).setRole(ProtoMapper.role(v.role()))
        .setState(switch (v.state()) {
          case ACTIVE -> IdentityState.IDENTITY_STATE_ACTIVE;
          case DISABLED -> IdentityState.IDENTITY_STATE_DISABLED;
          case REVOKED -> IdentityState.IDENTITY_STATE_REVOKED;
        })
        .setCreatedAtMillis(v.createdAt().toEpochMilli()).addAllRevokedCertificateSerials(v.revokedSerials()).build();
  }

  /** Null for ROLE_UNSPECIFIED or unknown values (the core refuses it with a clear message). */
  static dev.sealdrop.server.core.identity.Role role(Role r) {
    return switch (r) {
      case ROLE_TRANSFEROR -> dev.sealdrop.server.core.identity.Role.TRANSFEROR;
      case ROLE_ACQUIRER -> dev.sealdrop.server.core.identity.Role.ACQUIRER;
      case ROLE_ADMIN -> dev.sealdrop.server.core.identity.Role.ADMIN;
      default -> null;
    };
  }

  /**
   * Null for "any state" (unset). A value this server does not know (a newer client's state) is refused, not read as
   * "any state": the filter would silently return every grant.
   */
  static GrantState state(dev.sealdrop.protocol.v1.GrantState s) {
    return switch (s) {
      case GRANT_STATE_ACTIVE -> GrantState.ACTIVE;
      case GRANT_STATE_CLAIMED -> GrantState.CLAIMED;
      case GRANT_STATE_CONSUMED -> GrantState.CONSUMED;
      case GRANT_STATE_REVOKED -> GrantState.REVOKED;
      case GRANT_STATE_EXPIRED -> GrantState.EXPIRED;
      case GRANT_STATE_UNSPECIFIED -> null;
      default -> throw new dev.sealdrop.server.core.InvalidRequestException(
          dev.sealdrop.server.core.Reason.INVALID_REQUEST, "state is not a grant state this server knows (active,"
              + " claimed, consumed, revoked, expired); leave it unset for any state");
    };
  }

  static AdminGrant grant(Grant g) {
    return AdminGrant.newBuilder().setGrantId(g.id()).setFileId(g.fileId()).setOwner(g.owner())
        .setRecipient(g.recipient()).setState(ProtoMapper.state(g.state()))
        .setCreatedAtMillis(g.createdAt().toEpochMilli()).setExpiresAtMillis(g.expiresAt().toEpochMilli())
        .setMaxDownloads(g.maxDownloads()).setDownloadsUsed(g.downloadsUsed()).build();
  }

  static AdminFile file(FileView f) {
    return AdminFile.newBuilder().setFileId(f.id()).setOwner(f.owner()).setSize(f.size())
        .setFingerprint(f.fingerprint()).setCreatedAtMillis(f.createdAt().toEpochMilli())
        .setGrantsTotal(f.grantsTotal()).setGrantsLive(f.grantsLive()).build();
  }

  static LockdownState lockdown(dev.sealdrop.server.core.admin.LockdownState s) {
    return LockdownState.newBuilder().setOn(s.on()).setReason(s.reason()).setChangedBy(s.changedBy())
        .setChangedAtMillis(s.changedAt().toEpochMilli()).build();
  }

  static AuditEntry entry(Audit.Entry e) {
    return AuditEntry.newBuilder().setSeq(e.sequence()).setTimeMillis(e.timeMillis()).setActor(e.actor())
        .setAction(e.action()).setObject(e.object()).setResult(e.result()).setPeer(e.peer())
        .putAllDetails(e.details()).build();
  }
}

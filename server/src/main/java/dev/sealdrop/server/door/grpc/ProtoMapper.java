package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.v1.FileInfo;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.Role;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.upload.StoredFile;

/** Core records → generated protobuf messages. The core never sees generated types. */
final class ProtoMapper {
  private ProtoMapper() {}

  static Role role(dev.sealdrop.server.core.identity.Role r) {
    return switch (r) {
      case TRANSFEROR -> Role.ROLE_TRANSFEROR;
      case ACQUIRER -> Role.ROLE_ACQUIRER;
      case ADMIN -> Role.ROLE_ADMIN;
    };
  }

  static dev.sealdrop.protocol.v1.Grant grant(Grant g) {
    return dev.sealdrop.protocol.v1.Grant.newBuilder()
        .setGrantId(g.id())
        .setFileId(g.fileId())
        .setOwner(g.owner())
        .setRecipient(g.recipient())
        .setState(state(g.state()))
        .setCreatedAtMillis(g.createdAt().toEpochMilli())
        .setExpiresAtMillis(g.expiresAt().toEpochMilli())
        .setMaxDownloads(g.maxDownloads())
        .setDownloadsUsed(g.downloadsUsed())
        .setSize(g.size())
        .setFingerprint(g.fingerprint())
        .build();
  }

  static GrantState state(dev.sealdrop.server.core.grant.GrantState s) {
    return switch (s) {
      case ACTIVE -> GrantState.GRANT_STATE_ACTIVE;
      case CLAIMED -> GrantState.GRANT_STATE_CLAIMED;
      case CONSUMED -> GrantState.GRANT_STATE_CONSUMED;
      case REVOKED -> GrantState.GRANT_STATE_REVOKED;
      case EXPIRED -> GrantState.GRANT_STATE_EXPIRED;
    };
  }

  static FileInfo file(StoredFile f) {
    return FileInfo.newBuilder()
        .setFileId(f.id())
        .setSize(f.size())
        .setFingerprint(f.fingerprint())
        .setCreatedAtMillis(f.createdAt().toEpochMilli())
        .addAllRecipientKeyFingerprints(f.recipientKeyFingerprints())
        .build();
  }
}

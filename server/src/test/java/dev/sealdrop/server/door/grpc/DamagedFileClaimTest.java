package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.ReleaseClaimRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A stored file found damaged (cut short on the server's disk) is the server's fault, not its downloader's: the
 * bytes handed out before the damage do not make the claim given back afterwards an interrupted one (outside test:
 * three receives of a damaged file, each refused FILE_DAMAGED and its claim given back as the CLI does, used a
 * one-time grant up; once the operator restored the file, nothing was left to download it with).
 */
class DamagedFileClaimTest extends OneServerPerMethod {
  @Test
  void claimsGivenBackAfterAFileWasFoundDamagedUseNothingUp() throws Exception {
    Users.publish(clients, server.pki, "alice");
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4 << 20, 51), "bob");
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    Path blob = data.resolve("blobs").resolve(file.getFileId());
    try (RandomAccessFile f = new RandomAccessFile(blob.toFile(), "rw")) {
      f.setLength(sealed.bytes().length / 2); // lost on the server's disk
    }
    for (int round = 0; round < 4; round++) {
      RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build());
      Statuses.refused(() -> Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0),
          Status.Code.FAILED_PRECONDITION, "FILE_DAMAGED");
      var released = clients.transfer("bob").releaseClaim(ReleaseClaimRequest.newBuilder()
          .setClaimId(claim.getClaimId()).build()).getGrant();
      assertThat(released.getState()).as("round %d", round).isEqualTo(GrantState.GRANT_STATE_ACTIVE);
      assertThat(released.getDownloadsUsed()).isZero();
    }
    // restored from a backup: the grant still downloads the file
    java.nio.file.Files.write(blob, sealed.bytes());
    RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build());
    assertThat(Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0)).isEqualTo(sealed.bytes());
  }
}

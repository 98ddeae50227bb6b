package dev.sealdrop.server.core.grant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review BQ: a small file's first chunk is also its last, so its claim is marked served in full before its first bytes
 * are marked handed out. A revoke committed between the two counts the download (every byte was served); the bytes
 * must then go out too, not be withheld because the claim is no longer open. The revoke is put in that instant by a
 * repository that runs it just before the second mark (no real timing can aim there).
 */
class ServedAllThenServingRaceTest {
  @TempDir
  Path data;

  @Test
  void aDownloadCountedByARevokeBetweenItsTwoMarksIsDeliveredNotWithheld() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.Sealed sealed = Users.seal("alice", new byte[1000], "bob");
      UploadResponse f = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken())
          .setRedeemKey("sdr_" + "K".repeat(43)).build());

      Field serviceField = server.server().getClass().getDeclaredField("grants");
      serviceField.setAccessible(true);
      GrantService service = (GrantService) serviceField.get(server.server());
      Field repositoryField = GrantService.class.getDeclaredField("grants");
      repositoryField.setAccessible(true);
      GrantRepository real = (GrantRepository) repositoryField.get(service);
      String grantId = g.getGrant().getGrantId();
      GrantRepository racing = (GrantRepository) Proxy.newProxyInstance(getClass().getClassLoader(),
          new Class<?>[] {GrantRepository.class}, (p, m, args) -> {
            if (m.getName().equals("markServing")) {
              real.revoke(grantId, Instant.now()); // the owner's revoke, in the instant between the two marks
            }
            try {
              return m.invoke(real, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
      repositoryField.set(service, racing);

      assertThat(Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0)).as("counted, so delivered")
          .isEqualTo(sealed.bytes());
      Grant after = real.find(grantId).orElseThrow();
      assertThat(after.state()).isEqualTo(GrantState.CONSUMED);
      assertThat(after.downloadsUsed()).isEqualTo(1);
    }
  }
}

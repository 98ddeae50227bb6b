package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.Status;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review DR: an admin's enable read "disabled, not revoked", then wrote enabled = 1 whatever had been committed since: a
 * revocation committed between the two left a revoked identity enabled, which every check of a write that looks at
 * the enabled flag took as standing (grants to it, its own commits and grants). The enable is one conditional statement:
 * a revocation committed meanwhile wins. The window is opened with the database's write lock, under which the
 * revocation is committed while the enable waits to write.
 */
class EnableRacingRevokeTest extends OneServerPerMethod {
  @Test
  void anEnableThatRacesARevocationLeavesTheIdentityRevokedAndDisabled() throws Exception {
    admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("bob").setReason("audit")
        .build());
    ExecutorService enabling = Executors.newSingleThreadExecutor();
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        Statement st = other.createStatement()) {
      st.execute("BEGIN IMMEDIATE");
      CompletableFuture<Object> enable = CompletableFuture.supplyAsync(() -> refused(() -> admins.admin("carol")
          .enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("bob").build()),
          Status.Code.FAILED_PRECONDITION, "REVOKED_IDENTITY"), enabling);
      Thread.sleep(500); // it reads "disabled, not revoked" (readers are not blocked), then waits to write
      assertThat(enable).as("the enable waits to write").isNotDone();
      st.execute("INSERT INTO revoked_identities (name, revoked_at) VALUES ('bob', 1)"); // another admin's revocation
      st.execute("COMMIT");
      enable.get(30, TimeUnit.SECONDS);
      try (ResultSet rs = st.executeQuery("SELECT enabled FROM identities WHERE name = 'bob'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).as("a revoked identity stays disabled").isFalse();
      }
    } finally {
      enabling.shutdownNow();
    }
  }
}

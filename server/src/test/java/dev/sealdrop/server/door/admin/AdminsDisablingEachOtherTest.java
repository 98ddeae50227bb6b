package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.DisableIdentityResponse;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.StatusRuntimeException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review DR: two admins who disabled each other at the same moment both succeeded, leaving the server with no admin
 * (each act had passed the interceptors before the other's write); likewise an act already past the interceptors when
 * its admin was disabled or revoked still landed. Acts that change something now run one at a time, each after a
 * fresh check of its admin: the second of the two is refused as its admin's, and one admin is left. The window is
 * opened with the database's write lock, which holds both acts until both are in.
 */
class AdminsDisablingEachOtherTest extends OneServerPerMethod {
  @Test
  void twoAdminsDisablingEachOtherAtOnceLeaveOneAdmin() throws Exception {
    server.pki.issue(CertSpec.client("erin"));
    server.server().identities().registerAll(Map.of("erin", Role.ADMIN));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<CompletableFuture<Object>> acts = new ArrayList<>();
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        Statement st = other.createStatement()) {
      // both connections made (and their handshakes recorded) before the write lock is taken
      admins.admin("carol").listIdentities(dev.sealdrop.protocol.v1.ListIdentitiesRequest.getDefaultInstance());
      admins.admin("erin").listIdentities(dev.sealdrop.protocol.v1.ListIdentitiesRequest.getDefaultInstance());
      st.execute("BEGIN IMMEDIATE");
      acts.add(CompletableFuture.supplyAsync(() -> disable("carol", "erin"), pool));
      acts.add(CompletableFuture.supplyAsync(() -> disable("erin", "carol"), pool));
      Thread.sleep(700); // both acts are in: one waits to write, the other waits for it
      assertThat(acts).as("both wait").noneMatch(CompletableFuture::isDone);
      st.execute("COMMIT");
      List<Object> outcomes = new ArrayList<>();
      for (CompletableFuture<Object> a : acts) {
        outcomes.add(a.get(30, TimeUnit.SECONDS));
      }
      assertThat(outcomes).filteredOn(o -> o instanceof DisableIdentityResponse).as("one disable lands").hasSize(1);
      assertThat(outcomes).filteredOn(o -> o instanceof StatusRuntimeException).as("the other is refused")
          .singleElement().satisfies(o -> assertThat(((StatusRuntimeException) o).getStatus().getDescription())
              .contains("disabled"));
      int enabledAdmins = 0;
      try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM identities WHERE name IN ('carol', 'erin')"
          + " AND enabled = 1")) {
        assertThat(rs.next()).isTrue();
        enabledAdmins = rs.getInt(1);
      }
      assertThat(enabledAdmins).as("one admin is left").isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  private Object disable(String by, String whom) {
    try {
      return admins.admin(by).disableIdentity(DisableIdentityRequest.newBuilder().setIdentity(whom)
          .setReason("left the company").build());
    } catch (StatusRuntimeException e) {
      return e;
    }
  }
}

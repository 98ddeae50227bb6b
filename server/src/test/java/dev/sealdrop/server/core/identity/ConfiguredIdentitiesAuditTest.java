package dev.sealdrop.server.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identities the configuration creates are in the audit log, as an admin's additions are (outside test: an admin
 * made by {@code bootstrap-admin} left only a server log line; the log had {@code server.start} and nothing else).
 */
class ConfiguredIdentitiesAuditTest {
  @TempDir
  Path data;

  @Test
  void theBootstrappedAdminAndTheRegisteredUsersAreAuditedOnceWhenCreated() throws Exception {
    TestServer server = new TestServer(data, c -> c.withBootstrapAdmin("zed"));
    try {
      List<Audit.Entry> added = adds(server);
      assertThat(added).filteredOn(e -> e.object().equals("identity:zed")).singleElement().satisfies(e -> {
        assertThat(e.actor()).isEqualTo("server");
        assertThat(e.result()).isEqualTo("ok");
        assertThat(e.details()).containsEntry("role", "admin").containsEntry("cause", "bootstrap-admin");
      });
      assertThat(added).as("the development users too").anySatisfy(e -> {
        assertThat(e.object()).isEqualTo("identity:alice");
        assertThat(e.details()).containsEntry("cause", "registered");
      });
      server.close();
      server.start(); // they exist now: nothing is created, nothing recorded again
      assertThat(adds(server)).hasSameSizeAs(added);
    } finally {
      server.close();
    }
  }

  private static List<Audit.Entry> adds(TestServer server) throws java.io.IOException {
    return server.server().audit().tail(1000).stream().filter(e -> e.action().equals("admin.identity.add")).toList();
  }
}

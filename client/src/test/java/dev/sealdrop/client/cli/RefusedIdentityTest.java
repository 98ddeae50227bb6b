package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user whom an admin disabled or revoked is told which of the two happened and what can be done
 * about it (ask for re-enabling; revocation is permanent), with its own reason, exit 3 — not the
 * TLS stack's alert text and a generic "check your certificate".
 */
class RefusedIdentityTest {
  @TempDir
  Path root;
  SealdropServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aDisabledAndARevokedUserAreToldWhatHappenedAndWhatToDo() throws Exception {
    Path certs = root.resolve("certs");
    DevPki pki = DevPki.loadOrCreate(certs);
    server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs));
    String address = "127.0.0.1:" + server.port();
    Cli carol = Users.initWithAdmin(pki, root, "carol", server);
    Cli bob = Users.init(pki, root, "bob", address);
    bob.run("inbox").assertExit(0);

    carol.run("admin", "identities", "disable", "bob", "--reason", "on leave").assertExit(0);
    CliRun disabled = bob.run("--json", "inbox").assertExit(3);
    assertThat(disabled.jsonError()).containsEntry("kind", "auth").containsEntry("reason", "IDENTITY_DISABLED");
    assertThat((String) disabled.jsonError().get("message")).contains("disabled by an admin")
        .doesNotContain("refused our certificate"); // the identity's standing, not the certificate (review BB)
    assertThat((String) disabled.jsonError().get("hint")).contains("enable it again").doesNotContain("revoked");

    carol.run("admin", "identities", "revoke", "bob", "--reason", "left the deal").assertExit(0);
    CliRun revoked = bob.run("--json", "inbox").assertExit(3);
    Map<String, Object> error = revoked.jsonError();
    assertThat(error).containsEntry("kind", "auth").containsEntry("reason", "CERTIFICATE_REVOKED");
    assertThat((String) error.get("message")).contains("was revoked by an admin");
    assertThat((String) error.get("hint")).contains("revocation is permanent");
    assertThat(bob.run("inbox").assertExit(3).err()).contains("revoked by an admin")
        .doesNotContain("OPENSSL_internal:SSLV3_ALERT").doesNotContain("check --server");
  }
}

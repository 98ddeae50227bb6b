package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server's max-live-grants-per-identity reached: {@code send} uploads, is refused the grant with TOO_MANY_GRANTS
 * (exit 6, not "a size limit or quota applies; ask the operator"), says the file stays uploaded and how to free a
 * place; after a revoke the same command creates the grant without uploading again.
 */
class TooManyGrantsTest extends DevServerPerClass {
  static Cli alice;

  @BeforeAll
  static void start() throws Exception {
    startServer(c -> c.withGrants(c.grants().withMaxLiveGrantsPerIdentity(1)));
    alice = Users.initAndPublish(pki, root, "alice", address);
    Users.initAndPublish(pki, root, "bob", address);
  }

  @Test
  void aSendPastTheLiveGrantLimitKeepsTheUploadAndGrantsOnceAPlaceIsFree() throws Exception {
    Path dir = emptyDir("too-many-grants");
    Path first = Files.writeString(dir.resolve("first.csv"), "id,name\n1,a\n");
    Path second = Files.writeString(dir.resolve("second.csv"), "id,name\n2,b\n");
    String firstGrant = (String) alice.run("--json", "send", first.toString(), "--to", "bob").assertExit(0)
        .object("grant").get("grant_id");

    CliRun refused = alice.run("--json", "send", second.toString(), "--to", "bob").assertExit(6);
    assertThat(refused.jsonError()).containsEntry("reason", "TOO_MANY_GRANTS");
    assertThat((String) refused.jsonError().get("message")).contains("'alice' has 1 live grants")
        .doesNotContain("ask the operator");
    assertThat((String) refused.jsonError().get("hint")).contains("the file is uploaded (f_")
        .contains("sealdrop grants revoke GRANT_ID");
    assertThat(alice.run("--json", "files").assertExit(0).list("files")).hasSize(2);

    alice.run("grants", "revoke", firstGrant).assertExit(0);
    alice.run("--json", "send", second.toString(), "--to", "bob").assertExit(0);
    assertThat(alice.run("--json", "files").assertExit(0).list("files")).as("not uploaded again").hasSize(2);
  }
}

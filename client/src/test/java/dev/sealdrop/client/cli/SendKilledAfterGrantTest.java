package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A send whose run ended after it asked the server for the grant and before it showed the token (killed, a power cut,
 * its answer lost) left an active grant nobody had the token of (outside test). Its state notes that the grant was
 * asked for, and the next run revokes the unredeemed grants on that upload for that recipient, naming each, before it
 * makes its own. The moment is reproduced with a run whose grant the server refused after the upload (the state then
 * holds what a killed run's would), and a grant made meanwhile stands for the one whose token was lost.
 */
class SendKilledAfterGrantTest extends DevServerPerClass {
  static Cli alice;

  @BeforeAll
  static void start() throws Exception {
    startServer();
    alice = Users.initAndPublish(pki, root, "alice", address);
    Users.initAndPublish(pki, root, "bob", address);
  }

  @AfterAll
  static void stop() {
    stopServer();
  }

  @Test
  void theNextRunRevokesAGrantWhoseTokenWasNeverShownBeforeMakingItsOwn() throws Exception {
    Path csv = Files.writeString(root.resolve("clients.csv"), "customer_id,name\n1,ACME GmbH\n");
    // uploaded, then the grant refused (a lifetime past the server's 30 days): the state keeps the upload
    alice.run("send", csv.toString(), "--to", "bob", "--expires", "60d").assertExit(2);
    Path uploads = alice.home().resolve("state").resolve("uploads");
    assertThat(list(uploads).stream().filter(p -> p.toString().endsWith(".properties"))).singleElement()
        .satisfies(p -> assertThat(Files.readString(p)).contains("grant_requested=true").contains("file_id="));
    String fileId = (String) alice.run("--json", "files").assertExit(0).list("files").get(0).get("file_id");
    // the grant whose token a killed run never showed
    String lost = (String) ((Map<?, ?>) alice.run("--json", "grant", fileId, "--to", "bob").assertExit(0).json()
        .get("grant")).get("grant_id");

    CliRun again = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0);
    assertThat(again.err()).contains("an earlier run of this send was stopped after it created grant " + lost
        + " and before it showed its token; that grant is revoked");
    String made = (String) ((Map<?, ?>) again.json().get("grant")).get("grant_id");
    List<Map<String, Object>> grants = alice.run("--json", "grants").assertExit(0).list("grants");
    assertThat(grants).filteredOn(g -> lost.equals(g.get("grant_id"))).singleElement()
        .satisfies(g -> assertThat(g).containsEntry("state", "revoked"));
    assertThat(grants).filteredOn(g -> made.equals(g.get("grant_id"))).singleElement()
        .satisfies(g -> assertThat(g).containsEntry("state", "active").containsEntry("file_id", fileId));
    assertThat(list(uploads)).as("the state is gone once the token was shown").isEmpty();
  }
}

package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A send whose run ended after it asked the server for the grant and before it had the answer (killed, a power cut,
 * the answer lost) left an active grant nobody had the token of (outside test). Its state notes when the grant was
 * asked for, and the next run, or its {@code --abandon}, revokes the unredeemed grant made then on that upload for that
 * recipient, naming it. A grant the server refused leaves no such note, so a grant made afterwards with {@code
 * sealdrop grant}, whose token was shown, is never taken for a lost one (another outside test).
 *
 * <p>The killed run is reproduced from its state: a run whose grant the server refused ({@link FullGrants}) keeps the
 * same state a killed run keeps (the upload, committed), the grant made meanwhile stands for the lost one, and the note
 * of when it was asked for is written as the killed run would have written it.
 */
class SendKilledAfterGrantTest extends DevServerPerClass {
  static Cli alice;
  static FullGrants full;

  @BeforeAll
  static void start() throws Exception {
    startServer(FullGrants.limit());
    alice = Users.initAndPublish(pki, root, "alice", address);
    Users.initAndPublish(pki, root, "bob", address);
    full = new FullGrants(alice, "bob", root.resolve("filler"));
  }

  @AfterEach
  void freePlaces() {
    full.revokeAll();
  }

  @AfterAll
  static void stop() {
    stopServer();
  }

  /** Sends {@code csv}, refused the grant after the upload; returns the send's state file. */
  private static Path refusedAfterUpload(Path csv) throws Exception {
    // uploaded, then the grant refused: the state keeps the upload
    full.sendRefusedAfterUpload(csv);
    Path uploads = alice.home().resolve("state").resolve("uploads");
    return list(uploads).stream().filter(p -> p.toString().endsWith(".properties")).findFirst().orElseThrow();
  }

  private static String fileIdIn(Path state) throws Exception {
    return Files.readAllLines(state).stream().filter(l -> l.startsWith("file_id=")).findFirst().orElseThrow()
        .substring("file_id=".length());
  }

  private static String grantTo(String fileId) {
    return (String) ((Map<?, ?>) alice.run("--json", "grant", fileId, "--to", "bob").assertExit(0).json().get("grant"))
        .get("grant_id");
  }

  private static Map<String, Object> grant(String id) {
    return alice.run("--json", "grants").assertExit(0).list("grants").stream().filter(g -> id.equals(g.get("grant_id")))
        .findFirst().orElseThrow();
  }

  /** What a run killed right after it asked for the grant leaves in its state. */
  private static void askedForAGrantJustNow(Path state) throws Exception {
    Files.writeString(state, Files.readString(state).replaceAll("(?m)^grant_requested_at=.*\\R", "")
        + "grant_requested_at=" + System.currentTimeMillis() + "\n");
  }

  @Test
  void aGrantTheServerRefusedLeavesNothingThatALaterRunWouldRevoke() throws Exception {
    Path csv = Files.writeString(root.resolve("refused.csv"), "customer_id,name\n1,ACME GmbH\n");
    Path state = refusedAfterUpload(csv);
    assertThat(Files.readString(state)).doesNotContain("grant_requested_at=1");
    String shown = grantTo(fileIdIn(state)); // made and handed out by its owner
    CliRun again = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0);
    assertThat(again.err()).doesNotContain("revoked");
    assertThat(grant(shown)).containsEntry("state", "active");
  }

  @Test
  void theNextRunRevokesTheGrantWhoseTokenWasNeverShownBeforeMakingItsOwn() throws Exception {
    Path csv = Files.writeString(root.resolve("killed.csv"), "customer_id,name\n2,Globex\n");
    Path state = refusedAfterUpload(csv);
    String fileId = fileIdIn(state);
    String lost = grantTo(fileId);
    askedForAGrantJustNow(state);

    CliRun again = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0);
    assertThat(again.err()).contains("an earlier run of this send was stopped after it created grant " + lost
        + " and before it showed its token; that grant is revoked");
    String made = (String) ((Map<?, ?>) again.json().get("grant")).get("grant_id");
    assertThat(grant(lost)).containsEntry("state", "revoked");
    assertThat(grant(made)).containsEntry("state", "active").containsEntry("file_id", fileId);
    assertThat(list(alice.home().resolve("state").resolve("uploads"))).as("the state is gone once the token was shown")
        .isEmpty();
  }

  @Test
  void givingTheSendUpRevokesTheGrantWhoseTokenWasNeverShown() throws Exception {
    Path csv = Files.writeString(root.resolve("abandoned.csv"), "customer_id,name\n3,Initech\n");
    Path state = refusedAfterUpload(csv);
    String lost = grantTo(fileIdIn(state));
    askedForAGrantJustNow(state);

    CliRun gaveUp = alice.run("send", csv.toString(), "--to", "bob", "--abandon").assertExit(0);
    assertThat(gaveUp.err()).contains("grant " + lost + " and before it showed its token; that grant is revoked");
    assertThat(grant(lost)).containsEntry("state", "revoked");
    List<Path> left = list(alice.home().resolve("state").resolve("uploads"));
    assertThat(left).isEmpty();
  }
}

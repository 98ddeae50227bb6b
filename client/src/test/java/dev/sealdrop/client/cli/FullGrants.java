package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A sender at her server's limit of live grants: the one way a real server refuses a send's grant after its upload
 * (CreateUpload refuses a recipient or terms the grant would be refused for before any byte is sent), which leaves
 * the committed upload in the send's state for a re-run to grant. The server allows {@link #LIVE} live grants per
 * identity ({@link #limit()}); {@link #sendRefusedAfterUpload} fills the sender's free places with grants of a filler
 * file, sends, and revokes the fillers.
 */
final class FullGrants {
  static final int LIVE = 2;

  private final Cli sender;
  private final String recipient;
  private final String fillerFileId;

  /** The server's configuration changed to allow {@link #LIVE} live grants per identity. */
  static UnaryOperator<ServerConfig> limit() {
    return c -> c.withGrants(c.grants().withMaxLiveGrantsPerIdentity(LIVE));
  }

  /** Uploads a filler file of {@code sender}'s for {@code recipient} in {@code dir}; its own grant is revoked. */
  FullGrants(Cli sender, String recipient, Path dir) throws java.io.IOException {
    this.sender = sender;
    this.recipient = recipient;
    Path filler = Files.writeString(Files.createDirectories(dir).resolve("filler.csv"), "id,name\n0,filler\n");
    Map<String, Object> grant = sender.run("--json", "send", filler.toString(), "--to", recipient).assertExit(0)
        .object("grant");
    this.fillerFileId = (String) grant.get("file_id");
    sender.run("grants", "revoke", (String) grant.get("grant_id")).assertExit(0);
  }

  /**
   * {@code send FILE --to RECIPIENT}, run while every live-grant place of the sender is taken:
   * uploaded, then refused the grant ({@code TOO_MANY_GRANTS}, exit 6); the places are freed again afterwards.
   */
  CliRun sendRefusedAfterUpload(Path file) {
    List<String> fillers = new ArrayList<>();
    while (activeGrants().size() < LIVE) {
      fillers.add((String) sender.run("--json", "grant", fillerFileId, "--to", recipient).assertExit(0)
          .object("grant").get("grant_id"));
    }
    CliRun refused = sender.run("--json", "send", file.toString(), "--to", recipient);
    try {
      refused.assertExit(6);
      assertThat(refused.jsonError()).containsEntry("reason", "TOO_MANY_GRANTS");
    } finally {
      fillers.forEach(id -> sender.run("grants", "revoke", id).assertExit(0));
    }
    return refused;
  }

  /** Revokes every active grant of the sender's, so that the next test starts with its places free. */
  void revokeAll() {
    activeGrants().forEach(id -> sender.run("grants", "revoke", id).assertExit(0));
  }

  private List<String> activeGrants() {
    return sender.run("--json", "grants").assertExit(0).list("grants").stream()
        .filter(g -> "active".equals(g.get("state"))).map(g -> (String) g.get("grant_id")).toList();
  }
}

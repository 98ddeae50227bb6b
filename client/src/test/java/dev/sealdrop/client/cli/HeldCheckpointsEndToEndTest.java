package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.audit.AuditEvent;
import dev.sealdrop.audit.AuditKey;
import dev.sealdrop.audit.AuditLogConfig;
import dev.sealdrop.audit.AuditLogEntry;
import dev.sealdrop.audit.AuditLogReader;
import dev.sealdrop.audit.AuditLogWriter;
import dev.sealdrop.audit.HeldCheckpoints;
import dev.sealdrop.audit.SignedCheckpoint;
import dev.sealdrop.server.config.ServerConfig;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 6, end to end: the checkpoints alice's CLI keeps from ordinary transfers catch an operator
 * who truncates the audit log and re-signs it with the server's own audit key.
 */
class HeldCheckpointsEndToEndTest extends DevServerPerClass {
  static Path dataDir;
  static Cli alice;
  static Cli bob;
  static Cli carol;
  static Path csv;

  @BeforeAll
  static void start() throws Exception {
    dataDir = root.resolve("data");
    // audit-checkpoint-every=1: a signed checkpoint after every record
    startServer(dev -> {
      ServerConfig.Admin a = dev.admin();
      return dev.withAdmin(new ServerConfig.Admin(a.host(), a.port(), a.auditOrigin(), 1, a.checkpointInterval(),
          a.retention(), a.retentionSweepInterval()));
    });
    alice = Users.init(pki, root, "alice", address);
    bob = Users.init(pki, root, "bob", address);
    carol = Users.initWithAdmin(pki, root, "carol", server);
    alice.run("keys", "publish").assertExit(0);
    bob.run("keys", "publish").assertExit(0);
    csv = Files.writeString(root.resolve("clients.csv"), "customer,email\nACME,ceo@acme.example\n".repeat(300),
        StandardCharsets.UTF_8);
  }

  @Test
  void aTruncatedReSignedExportPassesPlainVerifyButNotAgainstAlicesCheckpoints() throws Exception {
    Path held = alice.home().resolve("checkpoints");
    String token = (String) alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    Path out = Files.createDirectories(root.resolve("bob-out"));
    bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
    alice.run("--json", "grants").assertExit(0); // alice's next call brings the checkpoint after bob's download
    List<SignedCheckpoint> alices = HeldCheckpoints.load(held);
    assertThat(alices).as("checkpoints alice's CLI kept").isNotEmpty();
    long heldSize = alices.stream().mapToLong(c -> c.checkpoint().size()).max().orElseThrow();

    Path export = root.resolve("audit.jsonl");
    Map<String, Object> exported = carol.run("--json", "admin", "audit", "export", "-o", export.toString())
        .assertExit(0).json();
    Path key = Files.writeString(root.resolve("audit-key.txt"), exported.get("verifier_key") + "\n");
    String origin = (String) exported.get("origin");

    // the honest export is consistent with what alice holds
    Map<String, Object> honest = alice.run("--json", "audit", "verify", export.toString(), "--key", key.toString(),
        "--checkpoints", held.toString()).assertExit(0).json();
    assertThat(honest).containsEntry("status", "valid");
    assertThat((Long) honest.get("held_checkpoints_verified")).isEqualTo((long) alices.size());

    // the dishonest operator hides bob's redeem and everything after it, and re-signs the rest
    long redeem = firstSeq(export, "grant.redeem", "bob");
    long keep = redeem - 1;
    assertThat(keep).as("alice holds a checkpoint past the cut").isLessThan(heldSize);
    Path live = root.resolve("operator/audit.jsonl");
    Files.createDirectories(live.getParent());
    Files.write(live, prefixWithoutCheckpointsAt(export, keep));
    Path forged = root.resolve("audit-truncated.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(AuditLogConfig.defaults(live, origin),
        AuditKey.load(dataDir.resolve("audit/audit.key")));
        OutputStream o = Files.newOutputStream(forged)) {
      // the writer signs the records it finds unsigned only after a record that names them
      assertThat(w.adoptedTail()).map(AuditLogWriter.AdoptedTail::last).contains(keep);
      assertThat(w.size()).isEqualTo(keep + 1);
      SignedCheckpoint fresh = w.exportTo(o);
      assertThat(fresh.checkpoint().size()).isEqualTo(keep + 1);
    }
    assertThat(firstSeq(forged, AuditLogWriter.UNSIGNED_TAIL_ACTION, "server")).isEqualTo(keep + 1);

    // a plain verify, even with the right key, cannot tell
    CliRun plain = alice.run("--json", "audit", "verify", forged.toString(), "--key", key.toString()).assertExit(0);
    assertThat(plain.json()).containsEntry("records", keep + 1);

    // alice's kept checkpoints can
    CliRun caught = alice.run("--json", "audit", "verify", forged.toString(), "--key", key.toString(),
        "--checkpoints", held.toString()).assertExit(5);
    @SuppressWarnings("unchecked")
    Map<String, Object> brk = (Map<String, Object>) caught.json().get("break");
    assertThat(brk).containsEntry("seq", keep + 2).containsEntry("reason", "TRUNCATED");
    assertThat(caught.jsonError()).containsEntry("kind", "integrity").containsEntry("reason", "TRUNCATED");
    CliRun human = alice.run("audit", "verify", forged.toString(), "--key", key.toString(), "--checkpoints",
        held.toString()).assertExit(5);
    assertThat(human.err()).contains("sealdrop: error: the audit log breaks at record " + (keep + 2));
    assertThat(human.err().toLowerCase(java.util.Locale.ROOT)).contains("truncated");
  }

  @Test
  void aLogReSignedUnderAnotherOriginWithTheServersKeyFailsAgainstAlicesCheckpoints() throws Exception {
    Path held = alice.home().resolve("checkpoints");
    alice.run("--json", "grants").assertExit(0);
    assertThat(HeldCheckpoints.load(held)).as("checkpoints alice's CLI kept").isNotEmpty();
    Path export = root.resolve("audit-for-rename.jsonl");
    Map<String, Object> exported = carol.run("--json", "admin", "audit", "export", "-o", export.toString())
        .assertExit(0).json();
    Path key = Files.writeString(root.resolve("audit-key-rename.txt"), exported.get("verifier_key") + "\n");

    // the dishonest operator starts a fresh history under a new origin, signed with the same audit key,
    // so that every checkpoint alice holds names "another log"
    Path live = root.resolve("renamed/audit.jsonl");
    Files.createDirectories(live.getParent());
    Path forged = root.resolve("audit-renamed.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(AuditLogConfig.defaults(live, exported.get("origin") + "-v2"),
        AuditKey.load(dataDir.resolve("audit/audit.key")));
        OutputStream o = Files.newOutputStream(forged)) {
      w.append(AuditEvent.of("server", "server.start", "", "ok", ""));
      w.exportTo(o);
    }
    alice.run("--json", "audit", "verify", forged.toString(), "--key", key.toString()).assertExit(0);
    CliRun caught = alice.run("--json", "audit", "verify", forged.toString(), "--key", key.toString(),
        "--checkpoints", held.toString()).assertExit(5);
    assertThat(caught.jsonError()).as(caught.err()).containsEntry("reason", "REWRITTEN");
    assertThat(caught.err()).contains("under another origin");
  }

  /**
   * Outside test: a log rewritten under a new origin with a new key, verified with --checkpoints but without --key,
   * passed with exit 0 and every held checkpoint ignored (warnings only). Asked to check held checkpoints and finding
   * none of this log, verify fails: the check asked for did not happen.
   */
  @Test
  void heldCheckpointsNoneOfWhichIsOfTheLogFailTheVerifyInsteadOfBeingIgnored() throws Exception {
    Path held = alice.home().resolve("checkpoints");
    alice.run("--json", "grants").assertExit(0);
    assertThat(HeldCheckpoints.load(held)).isNotEmpty();
    Path live = root.resolve("new-key/audit.jsonl");
    Files.createDirectories(live.getParent());
    Path forged = root.resolve("audit-new-key.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(AuditLogConfig.defaults(live, "sealdrop/audit2"),
        AuditKey.generate("sealdrop/audit2"));
        OutputStream o = Files.newOutputStream(forged)) {
      w.append(AuditEvent.of("server", "server.start", "", "ok", ""));
      w.exportTo(o);
    }
    alice.run("--json", "audit", "verify", forged.toString()).assertExit(0); // on its own it is a consistent log
    CliRun caught = alice.run("--json", "audit", "verify", forged.toString(), "--checkpoints", held.toString())
        .assertExit(5);
    assertThat(caught.jsonError()).as(caught.err()).containsEntry("reason", "NO_HELD_CHECKPOINT_OF_THIS_LOG");
    assertThat(caught.err()).contains("none of the held checkpoints in " + held + " is of this log ('sealdrop/audit2')")
        .contains("--key");
  }

  /**
   * Review DL: held checkpoints of this log and of another that its key did not sign (the log alice was given before,
   * replaced under a new origin and key once she had used the server again) passed with exit 0, the old history's loss
   * a warning on stderr.
   */
  @Test
  void heldCheckpointsOfThisLogAndOfAnotherItsKeyDidNotSignFailTheVerify() throws Exception {
    alice.run("--json", "grants").assertExit(0);
    Path held = Files.createDirectories(root.resolve("mixed-held"));
    for (SignedCheckpoint c : HeldCheckpoints.load(alice.home().resolve("checkpoints"))) {
      HeldCheckpoints.save(held, c);
    }
    Path replaced = Files.createDirectories(root.resolve("replaced")).resolve("audit.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(AuditLogConfig.defaults(replaced, "sealdrop/replaced"),
        AuditKey.generate("sealdrop/replaced"))) {
      w.append(AuditEvent.of("server", "server.start", "", "ok", ""));
      HeldCheckpoints.save(held, w.exportTo(OutputStream.nullOutputStream()));
    }
    Path export = root.resolve("audit-mixed.jsonl");
    Map<String, Object> exported = carol.run("--json", "admin", "audit", "export", "-o", export.toString())
        .assertExit(0).json();
    Path key = Files.writeString(root.resolve("audit-key-mixed.txt"), exported.get("verifier_key") + "\n");

    CliRun caught = alice.run("--json", "audit", "verify", export.toString(), "--key", key.toString(),
        "--checkpoints", held.toString()).assertExit(5);
    assertThat(caught.jsonError()).as(caught.err()).containsEntry("reason", "HELD_CHECKPOINTS_OF_ANOTHER_LOG");
    assertThat(caught.err()).contains("'sealdrop/replaced'").contains("was replaced");
    // this log's own checkpoints alone: valid
    alice.run("--json", "audit", "verify", export.toString(), "--key", key.toString(), "--checkpoints",
        alice.home().resolve("checkpoints").toString()).assertExit(0);
  }

  /** The sequence number of the first record of {@code action} by {@code actor}. */
  private static long firstSeq(Path export, String action, String actor) throws Exception {
    try (AuditLogReader r = AuditLogReader.open(export)) {
      for (Optional<AuditLogEntry> e = r.next(); e.isPresent(); e = r.next()) {
        if (e.get() instanceof AuditLogEntry.RecordLine rl && rl.record().action().equals(action)
            && rl.record().actor().equals(actor)) {
          return rl.record().sequence();
        }
      }
    }
    throw new AssertionError("no " + action + " by " + actor + " in " + export);
  }

  /** The export's lines up to record {@code keep}, without any checkpoint at or after it (so it is re-signed). */
  private static byte[] prefixWithoutCheckpointsAt(Path export, long keep) throws Exception {
    List<String> lines = Files.readAllLines(export, StandardCharsets.UTF_8);
    List<String> kept = new ArrayList<>();
    try (AuditLogReader r = AuditLogReader.open(export)) {
      int i = 0;
      for (Optional<AuditLogEntry> e = r.next(); e.isPresent(); e = r.next(), i++) {
        AuditLogEntry entry = e.get();
        boolean keepLine = entry instanceof AuditLogEntry.HeaderLine
            || entry instanceof AuditLogEntry.RecordLine rl && rl.record().sequence() <= keep
            || entry instanceof AuditLogEntry.CheckpointLine cl && cl.checkpoint().checkpoint().size() < keep;
        if (keepLine) {
          kept.add(lines.get(i));
        }
      }
    }
    return (String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8);
  }
}

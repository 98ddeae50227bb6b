package dev.sealdrop.client.cli.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.audit.AuditEvent;
import dev.sealdrop.audit.AuditKey;
import dev.sealdrop.audit.AuditLogConfig;
import dev.sealdrop.audit.AuditLogWriter;
import dev.sealdrop.audit.HeldCheckpoints;
import dev.sealdrop.client.cli.Cli;
import dev.sealdrop.client.cli.CliRun;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sealdrop audit verify} on logs written by the real {@link AuditLogWriter}. */
class AuditVerifyCommandTest {
  private static final String ORIGIN = "sealdrop.test/audit/deal-42";
  private static final Clock FIXED = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;

  private byte[] seed;
  private String key;

  @BeforeEach
  void keys() {
    seed = new byte[32];
    Arrays.fill(seed, (byte) 7);
    key = AuditKey.testOnlyFromSeed(ORIGIN, seed).publicKey().encoded();
  }

  private static AuditEvent event(int i) {
    return AuditEvent.of(i % 2 == 0 ? "alice" : "bob", "grant.redeem", "grant:g" + i, "ok", "127.0.0.1:5" + i,
        Map.of("n", Integer.toString(i)));
  }

  /** Writes {@code records} events (the first {@code sameAs} identical across calls), exports them to {@code name}. */
  private Path export(String name, int records, AuditKey signer, Path heldDir, int holdAt, int alterAt)
      throws IOException {
    Path live = dir.resolve(name + ".live");
    try (AuditLogWriter w = AuditLogWriter.open(AuditLogConfig.defaults(live, ORIGIN).withClock(FIXED), signer)) {
      for (int i = 1; i <= records; i++) {
        w.append(i == alterAt ? AuditEvent.of("mallory", "grant.redeem", "grant:x", "ok", "") : event(i));
        if (i == holdAt) {
          HeldCheckpoints.save(heldDir, w.checkpoint());
        }
      }
      Path out = dir.resolve(name);
      try (OutputStream o = Files.newOutputStream(out)) {
        w.exportTo(o);
      }
      return out;
    }
  }

  private Path export(String name, int records) throws IOException {
    return export(name, records, AuditKey.testOnlyFromSeed(ORIGIN, seed), null, -1, -1);
  }

  private static Path rewriteLine(Path file, String marker, String from, String to) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    boolean done = false;
    for (int i = 0; i < lines.size() && !done; i++) {
      if (lines.get(i).contains(marker)) {
        assertThat(lines.get(i)).contains(from);
        lines.set(i, lines.get(i).replace(from, to));
        done = true;
      }
    }
    assertThat(done).as("a line with %s", marker).isTrue();
    Files.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    return file;
  }

  private static CliRun verify(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "audit";
    all[1] = "verify";
    System.arraycopy(args, 0, all, 2, args.length);
    return Cli.raw(Map.of(), all);
  }

  @Test
  void anEditedRecordIsNamedBySequenceNumberAndExitsFive() throws IOException {
    Path log = rewriteLine(export("edited.jsonl", 8), "\"seq\":5,", "\"actor\":\"bob\"", "\"actor\":\"carol\"");

    CliRun r = verify(log.toString(), "--key", key).assertExit(5);
    assertThat(r.err()).contains("sealdrop: error: the audit log breaks at record 5 (edited)")
        .contains("sealdrop: hint: ");
    assertThat(r.out()).isEmpty();

    CliRun j = verify(log.toString(), "--key", key, "--json").assertExit(5);
    assertThat(j.json()).containsEntry("ok", false).containsEntry("status", "invalid").containsEntry("records", 4L);
    assertThat(j.object("error")).containsEntry("exit_code", 5L).containsEntry("kind", "integrity")
        .containsEntry("reason", "EDITED");
    assertThat(j.object("break")).containsEntry("seq", 5L).containsEntry("reason", "EDITED")
        .containsKey("message");
  }

  @Test
  void aDeletedRecordIsNamedByTheMissingSequenceNumber() throws IOException {
    Path log = export("deleted.jsonl", 6);
    List<String> kept = Files.readAllLines(log).stream().filter(l -> !l.contains("\"seq\":4,")).toList();
    Files.write(log, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8));

    CliRun r = verify(log.toString(), "--key", key, "--json").assertExit(5);
    assertThat(r.object("break")).containsEntry("seq", 4L).containsEntry("reason", "DELETED_OR_REORDERED");
  }

  @Test
  void aForgedCheckpointIsRefused() throws IOException {
    Path log = export("forged.jsonl", 6);
    // claim another head in the final checkpoint: its signature no longer matches its body
    String lastRecordHash = Files.readAllLines(log).stream().filter(l -> l.contains("\"seq\":6,")).findFirst()
        .orElseThrow().replaceAll(".*\"hash\":\"([^\"]+)\".*", "$1");
    String fifthHash = Files.readAllLines(log).stream().filter(l -> l.contains("\"seq\":5,")).findFirst()
        .orElseThrow().replaceAll(".*\"hash\":\"([^\"]+)\".*", "$1");
    rewriteLine(log, "\"type\":\"checkpoint\"", lastRecordHash, fifthHash);

    CliRun r = verify(log.toString(), "--key", key, "--json").assertExit(5);
    assertThat(r.object("break")).containsEntry("seq", 6L).containsEntry("reason", "BAD_CHECKPOINT_SIGNATURE");
  }

  @Test
  void aHeldCheckpointOfAnotherServerOfTheSameOriginIsNamedAsAPossibleCauseNotOnlyAsARewrite() throws IOException {
    Path held = Files.createDirectories(dir.resolve("held-two-servers"));
    export("other-server.jsonl", 3, AuditKey.generate(ORIGIN), held, 2, -1); // its checkpoint of size 2 is kept
    Path log = export("this-server.jsonl", 3);

    CliRun r = verify(log.toString(), "--key", key, "--checkpoints", held.toString(), "--json").assertExit(5);
    assertThat(r.object("break")).containsEntry("reason", "UNTRUSTED_CHECKPOINT_KEY");
    assertThat(r.err()).contains("another sealdrop server's checkpoints").contains("keep each server's apart");
    // the held file it is about is named, as for a bad signature (outside test: it was not)
    String note;
    try (java.util.stream.Stream<Path> notes = Files.list(held)) {
      note = notes.filter(p -> p.toString().endsWith(".note")).findFirst().orElseThrow().toString();
    }
    assertThat(r.err()).contains("(held file " + note + ")");
  }

  /** Round DA: one of another server's held checkpoints past this log's last record was not named. */
  @Test
  void aHeldCheckpointOfAnotherServerPastTheLogsEndIsNamedToo() throws IOException {
    Path held = Files.createDirectories(dir.resolve("held-past-the-end"));
    export("other-server-longer.jsonl", 6, AuditKey.generate(ORIGIN), held, 6, -1); // its checkpoint of size 6
    Path log = export("this-server-shorter.jsonl", 3);

    CliRun r = verify(log.toString(), "--key", key, "--checkpoints", held.toString(), "--json").assertExit(5);
    assertThat(r.object("break")).containsEntry("reason", "UNTRUSTED_CHECKPOINT_KEY").containsEntry("seq", 4L);
    String note;
    try (java.util.stream.Stream<Path> notes = Files.list(held)) {
      note = notes.filter(p -> p.toString().endsWith(".note")).findFirst().orElseThrow().toString();
    }
    assertThat(r.err()).contains("(held file " + note + ")");
  }

  @Test
  void aLogSignedWithAnotherKeyFailsAgainstTheGivenKeyButPassesOnItsOwnEmbeddedKey() throws IOException {
    Path log = export("other-key.jsonl", 3, AuditKey.generate(ORIGIN), null, -1, -1);

    CliRun given = verify(log.toString(), "--key", key, "--json").assertExit(5);
    assertThat(given.object("break")).containsEntry("reason", "UNTRUSTED_CHECKPOINT_KEY");

    CliRun embedded = verify(log.toString(), "--json").assertExit(0);
    assertThat(embedded.json()).containsEntry("key_source", "embedded").containsEntry("status", "valid_with_warnings");
    assertThat(embedded.err()).contains("sealdrop: warning: EMBEDDED_KEY_ONLY");
    assertThat(embedded.list("warnings")).extracting(w -> w.get("kind")).contains("EMBEDDED_KEY_ONLY");
  }

  @Test
  void withoutKeyACheckpointNotSignedByTheHeaderKeyIsNotBlamedOnAKeyTheAuditorNeverGave() throws IOException {
    // the header swapped for another key's (as when two exports are spliced): no --key was given
    Path log = export("header-swapped.jsonl", 3);
    String otherKey = AuditKey.generate(ORIGIN).publicKey().encoded();
    rewriteLine(log, "\"type\":\"header\"", key, otherKey);

    CliRun r = verify(log.toString(), "--json").assertExit(5);
    assertThat(r.object("break")).containsEntry("seq", 3L).containsEntry("reason", "UNTRUSTED_CHECKPOINT_KEY");
    assertThat(r.err()).contains("hint: the checkpoint is not signed by the key the file's header names (no --key was"
        + " given)").contains("get the audit key out of band and verify with --key").doesNotContain("the given key");
    CliRun given = verify(log.toString(), "--key", key, "--json").assertExit(0);
    assertThat(given.list("warnings")).extracting(w -> w.get("kind")).contains("HEADER_KEY_DIFFERS");
  }

  @Test
  void aTruncatedAndReSignedExportPassesPlainVerifyButFailsAgainstAHeldCheckpoint() throws IOException {
    Path held = Files.createDirectory(dir.resolve("held"));
    export("honest.jsonl", 8, AuditKey.testOnlyFromSeed(ORIGIN, seed), held, 5, -1);
    export("honest-later.jsonl", 8, AuditKey.testOnlyFromSeed(ORIGIN, seed), held, 7, -1); // a later party's
    // the dishonest operator (who holds the audit key) keeps only the first 3 records and re-signs
    Path truncated = export("truncated.jsonl", 3);

    verify(truncated.toString(), "--key", key).assertExit(0);

    CliRun r = verify(truncated.toString(), "--key", key, "--checkpoints", held.toString(), "--json")
        .assertExit(5);
    assertThat(r.object("break")).containsEntry("seq", 4L).containsEntry("reason", "TRUNCATED");
    assertThat(r.object("error")).containsEntry("reason", "TRUNCATED");
    // the file alone cannot tell an older export from a cut one: the message names both, the hint the next step
    // the largest held checkpoint tells how much is gone
    assertThat((String) r.object("error").get("message")).contains("covers 7 records").contains("records 4..7 are missing")
        .contains("exported before that checkpoint was handed out, or its tail was removed");
    assertThat((String) r.object("error").get("hint")).startsWith("verify an export made now");
  }

  @Test
  void aHeldCheckpointAlteredAfterItWasKeptIsNamedByItsFileNotBlamedOnTheExport() throws IOException {
    Path held = Files.createDirectory(dir.resolve("held"));
    Path log = export("honest.jsonl", 8, AuditKey.testOnlyFromSeed(ORIGIN, seed), held, 5, -1);
    verify(log.toString(), "--key", key, "--checkpoints", held.toString()).assertExit(0);
    Path note;
    try (var notes = Files.list(held)) {
      note = notes.findFirst().orElseThrow();
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(note, StandardCharsets.UTF_8));
    lines.set(2, (lines.get(2).startsWith("A") ? "B" : "A") + lines.get(2).substring(1)); // the chain head
    Files.write(note, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));

    CliRun r = verify(log.toString(), "--key", key, "--checkpoints", held.toString()).assertExit(5);
    assertThat(r.err()).contains("sealdrop: error: held checkpoint " + note + " (size 5) does not verify under the key "
        + ORIGIN + "+").contains(": either the note was altered, or that key is not the one that signed it")
        .doesNotContain("the audit log breaks")
        // review DZ: the held note is the evidence; the hint never says to leave it out
        .contains("hint: compare the --key with the verifier key published").doesNotContain("leave that file out");
    CliRun j = verify(log.toString(), "--key", key, "--checkpoints", held.toString(), "--json").assertExit(5);
    assertThat(j.object("error")).containsEntry("kind", "integrity").containsEntry("reason", "BAD_CHECKPOINT_SIGNATURE");
  }

  @Test
  void withoutKeyAHeldCheckpointAlteredAfterItWasKeptIsStillNamedByItsFileNotBlamedOnTheExport() throws IOException {
    // the auditor has no key yet: the held notes are checked against the key the file names
    Path held = Files.createDirectory(dir.resolve("held"));
    Path log = export("honest.jsonl", 8, AuditKey.testOnlyFromSeed(ORIGIN, seed), held, 5, -1);
    verify(log.toString(), "--checkpoints", held.toString()).assertExit(0);
    Path note;
    try (var notes = Files.list(held)) {
      note = notes.findFirst().orElseThrow();
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(note, StandardCharsets.UTF_8));
    lines.set(1, "4"); // the size: the record count the party was told
    Files.write(note, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));

    CliRun r = verify(log.toString(), "--checkpoints", held.toString()).assertExit(5);
    assertThat(r.err()).contains("sealdrop: error: held checkpoint " + note + " (size 4) does not verify under the key "
        + ORIGIN + "+").contains(": either the note was altered").doesNotContain("the audit log breaks")
        .doesNotContain("the log was altered after it was written")
        .contains("hint: compare the --key with the verifier key published");
  }

  @Test
  void aRewrittenAndReSignedHistoryFailsAgainstAHeldCheckpoint() throws IOException {
    Path held = Files.createDirectory(dir.resolve("held"));
    export("honest.jsonl", 8, AuditKey.testOnlyFromSeed(ORIGIN, seed), held, 5, -1);
    export("honest-later.jsonl", 8, AuditKey.testOnlyFromSeed(ORIGIN, seed), held, 7, -1); // a later party's
    Path rewritten = export("rewritten.jsonl", 8, AuditKey.testOnlyFromSeed(ORIGIN, seed),
        Files.createDirectory(dir.resolve("ignored")), -1, 2);

    verify(rewritten.toString(), "--key", key).assertExit(0);
    CliRun r = verify(rewritten.toString(), "--key", key, "--checkpoints", held.toString(), "--json")
        .assertExit(5);
    assertThat(r.object("break")).containsEntry("seq", 5L).containsEntry("reason", "REWRITTEN");
    // the held checkpoint bounds the rewrite (round CG: "breaks at record 5" for an edit of an earlier one)
    assertThat(verify(rewritten.toString(), "--key", key, "--checkpoints", held.toString()).assertExit(5).err())
        .contains("sealdrop: error: the audit log breaks at or before record 5 (rewritten): ");
  }

  @Test
  void aValidExportWithGivenKeyAndHeldCheckpointIsOkWithCountAndHead() throws IOException {
    Path held = Files.createDirectory(dir.resolve("held"));
    Path log = export("valid.jsonl", 8, AuditKey.testOnlyFromSeed(ORIGIN, seed), held, 5, -1);
    Path keyFile = Files.writeString(dir.resolve("audit-key.txt"), key + "\n");

    CliRun human = verify(log.toString(), "--key", keyFile.toString(), "--checkpoints", held.toString())
        .assertExit(0);
    assertThat(human.out()).startsWith("OK: 8 records verified, chain head ");
    assertThat(human.err()).doesNotContain("warning");

    CliRun r = verify(log.toString(), "--key", key, "--checkpoints", held.toString(), "--json").assertExit(0);
    Map<String, Object> doc = r.json();
    assertThat(doc).containsEntry("ok", true).containsEntry("status", "valid").containsEntry("records", 8L)
        .containsEntry("origin", ORIGIN).containsEntry("key", key).containsEntry("key_source", "given")
        .containsEntry("held_checkpoints_verified", 1L).containsEntry("warnings", List.of());
    assertThat((String) doc.get("head")).hasSize(44);
    assertThat((Long) doc.get("checkpoints_verified")).isGreaterThanOrEqualTo(2L);
  }

  @Test
  void withoutHeldCheckpointsTheResultWarnsThatTruncationCannotBeSeen() throws IOException {
    CliRun r = verify(export("plain.jsonl", 2).toString(), "--key", key, "--json").assertExit(0);
    assertThat(r.list("warnings")).extracting(w -> w.get("kind")).containsExactly("NO_EXTERNAL_CHECKPOINT");
    assertThat(r.err()).contains("sealdrop: warning: NO_EXTERNAL_CHECKPOINT");
  }

  @Test
  void badInputsAreUsageErrorsNotVerdicts() throws IOException {
    Path log = export("inputs.jsonl", 2);
    assertThat(verify(dir.resolve("missing.jsonl").toString(), "--json").assertExit(2).object("error"))
        .containsEntry("reason", "FILE_NOT_FOUND");
    // a folder is named as one, not as a missing file
    assertThat(verify(dir.toString(), "--json").assertExit(2).object("error"))
        .containsEntry("reason", "IS_A_FOLDER").satisfies(e -> assertThat((String) e.get("message"))
            .contains("is a folder").doesNotContain("no such file"));
    // a device is named as what it is, not as missing (outside test: "no such file: /dev/null")
    assertThat(verify("/dev/null", "--json").assertExit(2).object("error"))
        .containsEntry("reason", "NOT_A_REGULAR_FILE").satisfies(e -> assertThat((String) e.get("message"))
            .contains("/dev/null is not a regular file").doesNotContain("no such file"));
    assertThat(verify(log.toString(), "--key", "not-a-key", "--json").assertExit(2).object("error"))
        .containsEntry("reason", "BAD_KEY");
    // a key file that is not there is named as a missing file, not as malformed key text
    Path noKeyFile = dir.resolve("audit-key.txt");
    assertThat(verify(log.toString(), "--key", noKeyFile.toString(), "--json").assertExit(2).object("error"))
        .containsEntry("reason", "BAD_KEY").satisfies(e -> assertThat((String) e.get("message"))
            .contains(noKeyFile.toString()).contains("no such file"));
    // --checkpoints naming a file (the export itself, a single note) says so, not "no such folder"
    assertThat(verify(log.toString(), "--key", key, "--checkpoints", log.toString(), "--json").assertExit(2)
        .object("error")).satisfies(e -> assertThat((String) e.get("message")).contains("is a file, not a folder")
            .doesNotContain("no such folder"));
    assertThat(verify(log.toString(), "--key", "PRIVATE+KEY+" + key, "--json").assertExit(2).object("error"))
        .containsEntry("reason", "PRIVATE_KEY_GIVEN");
    // a key file an editor saved with a byte-order mark is read as the key it holds (outside test: "holds no key")
    Path withMark = Files.writeString(dir.resolve("key-bom.txt"), "\uFEFF" + key + "\r\n");
    verify(log.toString(), "--key", withMark.toString()).assertExit(0);
    Path utf16 = Files.writeString(dir.resolve("key-utf16.txt"), key + "\r\n", java.nio.charset.StandardCharsets.UTF_16);
    assertThat(verify(log.toString(), "--key", utf16.toString(), "--json").assertExit(2).object("error"))
        .containsEntry("reason", "BAD_KEY").containsEntry("message", "the key file " + utf16
            + " is not UTF-8 text (saved as UTF-16?)");
    Path badHeld = Files.createDirectory(dir.resolve("bad-held"));
    Files.writeString(badHeld.resolve("x.note"), "not a note\n");
    assertThat(verify(log.toString(), "--key", key, "--checkpoints", badHeld.toString(), "--json").assertExit(2)
        .object("error")).containsEntry("reason", "BAD_HELD_CHECKPOINT");
  }

  /** Round CP: `--key <(cat audit-key.txt)`, a pipe that is there, was "no such file". */
  @Test
  void aKeyReadFromAPipeVerifies() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(new java.io.File("/usr/bin/mkfifo").canExecute(), "mkfifo");
    Path log = export("piped.jsonl", 3);
    Path fifo = dir.resolve("key-pipe");
    assertThat(new ProcessBuilder("/usr/bin/mkfifo", fifo.toString()).start().waitFor()).isZero();
    Thread writer = new Thread(() -> {
      try {
        Files.writeString(fifo, key + "\n");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    writer.setDaemon(true); // blocked for good if the key is never read
    writer.start();
    CliRun r = verify(log.toString(), "--key", fifo.toString(), "--json").assertExit(0);
    assertThat(r.json()).containsEntry("ok", true).containsEntry("key_source", "given").containsEntry("records", 3L);
    writer.join(10_000);
  }

  @Test
  void whatWasGivenByMistakeIsNotRepeatedAndAnExistingKeyFileIsNotCalledMissing() throws IOException {
    Path log = export("mistakes.jsonl", 2);
    String token = "sdg_" + "XwWgRyWtfkw5KsHJUGk_R7wdTY-yLtKmjW7DDu23tDc";
    // a file that exists but holds no key: said so, without its content
    Path garbage = Files.writeString(dir.resolve("garbage-key.txt"), token + "\n");
    CliRun r = verify(log.toString(), "--key", garbage.toString(), "--json").assertExit(2);
    assertThat(r.object("error")).containsEntry("reason", "BAD_KEY").satisfies(e -> assertThat((String) e.get("message"))
        .contains("the file holds no audit verifier key").doesNotContain("no such file"));
    assertThat(r.out() + r.err()).doesNotContain(token.substring(4, 24));
    // a token given as the key: named by its kind
    CliRun asKey = verify(log.toString(), "--key", token, "--json").assertExit(2);
    assertThat(asKey.out() + asKey.err()).contains("a grant token").doesNotContain(token.substring(4, 24));
    // a token file given as the log: malformed, and the parser's words (which quote the text) are not passed on
    Path tokenFile = Files.writeString(dir.resolve("token.txt"), token + "\n");
    CliRun asLog = verify(tokenFile.toString(), "--json").assertExit(5);
    assertThat(asLog.out() + asLog.err()).contains("not valid JSON").doesNotContain(token.substring(4, 24));
  }

  /** A sub-folder named like a note is named as a folder, not as a read failure to fix with permissions. */
  @Test
  void aFolderNamedLikeANoteIsNamedAsAFolder() throws IOException {
    Path held = Files.createDirectory(dir.resolve("held-with-folder"));
    Path log = export("folder-note.jsonl", 4, AuditKey.testOnlyFromSeed(ORIGIN, seed), held, 2, -1);
    Path folder = Files.createDirectory(held.resolve("x.note"));
    CliRun r = verify(log.toString(), "--key", key, "--checkpoints", held.toString(), "--json").assertExit(2);
    assertThat(r.object("error")).containsEntry("reason", "BAD_HELD_CHECKPOINT")
        .satisfies(e -> assertThat((String) e.get("message")).isEqualTo("held checkpoint " + folder + " is a folder,"
            + " not a note file: only the *.note files directly in " + held + " are read, not those in its"
            + " sub-folders"))
        .satisfies(e -> assertThat((String) e.get("hint")).contains("move what the message names out of the folder")
            .doesNotContain("permissions"));
  }

  /**
   * A note that is not UTF-8 is named as such (outside test: "Input length = 1"), and a folder with more notes than
   * one verification reads gets its own reason and a hint to split it by age (outside test: READ_FAILED, "check the
   * permissions").
   */
  @Test
  void aNoteThatIsNotTextAndAFolderWithTooManyNotesAreNamedForWhatTheyAre() throws IOException {
    Path held = Files.createDirectory(dir.resolve("held-binary"));
    Path log = export("binary-note.jsonl", 4, AuditKey.testOnlyFromSeed(ORIGIN, seed), held, 2, -1);
    Path bad = Files.write(held.resolve("bad.note"), new byte[] {'s', 'e', 'a', 'l', '\n', (byte) 0xc3, 0x28, '\n'});
    CliRun r = verify(log.toString(), "--key", key, "--checkpoints", held.toString(), "--json").assertExit(2);
    assertThat(r.object("error")).containsEntry("reason", "BAD_HELD_CHECKPOINT")
        .containsEntry("message", "held checkpoint " + bad + " is not UTF-8 text, so it is not a checkpoint note");

    Path many = Files.createDirectory(dir.resolve("held-many"));
    for (int i = 0; i <= dev.sealdrop.audit.HeldCheckpoints.MAX_FILES; i++) {
      Files.createFile(many.resolve(i + ".note"));
    }
    CliRun t = verify(log.toString(), "--key", key, "--checkpoints", many.toString(), "--json").assertExit(2);
    assertThat(t.object("error")).containsEntry("reason", "TOO_MANY_CHECKPOINTS")
        .containsEntry("message", "checkpoint folder " + many + " holds more than 100000 *.note files, the most one"
            + " verification reads")
        .satisfies(e -> assertThat((String) e.get("hint")).startsWith("move the older notes into another folder")
            .contains("-mtime +180").doesNotContain("permissions"));
  }

  @Test
  void anEmptyArgumentIsNamedAsEmptyNeverTakenAsTheCurrentFolder() throws IOException {
    Path log = export("empty-args.jsonl", 2);
    // "$EXPORT", "$KEY" or "$HELD" of an unset variable: not "is a folder", not the current folder's notes
    for (String[] args : List.of(new String[] {"", "--key", key, "--json"},
        new String[] {log.toString(), "--key", "", "--json"},
        new String[] {log.toString(), "--key", key, "--checkpoints", "", "--json"},
        new String[] {log.toString(), "--key", " ", "--json"})) {
      CliRun r = verify(args).assertExit(2);
      assertThat(r.object("error")).as(String.join(" ", args)).containsEntry("reason", "EMPTY_ARGUMENT")
          .satisfies(e -> assertThat((String) e.get("message")).contains("is empty").doesNotContain("folder"));
    }
  }

  @Test
  void helpHasAnExampleSectionAndTheExitCodes() {
    CliRun r = Cli.raw(Map.of(), "audit", "verify", "--help").assertExit(0);
    assertThat(r.out()).contains("Exit codes:").contains("Example:").contains("sealdrop audit verify audit.jsonl");
  }
}

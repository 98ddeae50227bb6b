package dev.sealdrop.audit;

import dev.sealdrop.audit.AuditLogEntry.CheckpointLine;
import dev.sealdrop.audit.AuditLogEntry.RecordLine;
import dev.sealdrop.audit.internal.JsonLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds real audit log files in temp directories and edits them line by line, as an attacker would. */
final class AuditFixtures {
  static final String ORIGIN = "sealdrop.test/audit/deal-42";
  static final Instant T0 = Instant.parse("2026-11-23T09:00:00Z");

  private AuditFixtures() {}

  /** A deterministic key (fixed seed); {@code tag} varies the seed. */
  static AuditKey key(int tag) {
    byte[] seed = new byte[32];
    for (int i = 0; i < 32; i++) {
      seed[i] = (byte) (tag * 31 + i);
    }
    return AuditKey.testOnlyFromSeed(ORIGIN, seed);
  }

  static AuditLogConfig config(Path file, int checkpointEvery) {
    return new AuditLogConfig(file, ORIGIN, Durability.GROUP_COMMIT, checkpointEvery, Duration.ZERO,
        Clock.fixed(T0, ZoneOffset.UTC));
  }

  static AuditEvent event(int i) {
    return AuditEvent.of(i % 2 == 0 ? "alice" : "bob", i % 3 == 0 ? "grant.create" : "upload.commit",
        "file:" + i, "ok", "127.0.0.1:" + (40000 + i), Map.of("size", Integer.toString(i * 1000), "n", "v" + i));
  }

  /** Writes {@code n} records, a checkpoint every {@code every}, and closes (final checkpoint). */
  static Path writeLog(Path dir, String name, AuditKey key, int n, int every) throws IOException {
    Path file = dir.resolve(name);
    try (AuditLogWriter w = AuditLogWriter.open(config(file, every), key)) {
      for (int i = 1; i <= n; i++) {
        w.append(event(i));
      }
    }
    return file;
  }

  static List<String> lines(Path file) throws IOException {
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  static Path writeLines(Path file, List<String> lines) throws IOException {
    Files.write(file, lines, StandardCharsets.UTF_8);
    return file;
  }

  /** Index in {@code lines} of the record with this sequence number. */
  static int recordLine(List<String> lines, long seq) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("{\"type\":\"record\",\"seq\":" + seq + ",")) {
        return i;
      }
    }
    throw new AssertionError("no record " + seq);
  }

  /** Index of the checkpoint line for this size. */
  static int checkpointLine(List<String> lines, long size) throws IOException {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("{\"type\":\"checkpoint\"")
          && parse(lines.get(i)) instanceof CheckpointLine c && c.checkpoint().checkpoint().size() == size) {
        return i;
      }
    }
    throw new AssertionError("no checkpoint for size " + size);
  }

  static AuditLogEntry parse(String line) throws IOException {
    return JsonLines.parse(line);
  }

  static String line(byte[] jsonLine) {
    String s = new String(jsonLine, StandardCharsets.UTF_8);
    return s.substring(0, s.length() - 1);
  }

  /**
   * An operator with the audit key rewrites the log: applies {@code edit} to every record (it may
   * drop one by returning empty), recomputes every hash, and re-signs a checkpoint after each
   * record whose original had one. The result verifies on its own.
   */
  static Path rewriteAndResign(Path in, Path out, AuditKey key, java.util.function.Function<AuditRecord,
      Optional<AuditRecord>> edit) throws IOException {
    List<String> src = lines(in);
    List<String> dst = new ArrayList<>();
    dst.add(src.get(0));
    ChainHash head = dev.sealdrop.audit.internal.RecordEncoding.genesis(ORIGIN);
    long seq = 0;
    boolean dropped = false;
    for (String l : src.subList(1, src.size())) {
      AuditLogEntry e = parse(l);
      if (e instanceof RecordLine r) {
        Optional<AuditRecord> edited = edit.apply(r.record());
        dropped = edited.isEmpty();
        if (dropped) {
          continue;
        }
        AuditRecord o = edited.get();
        seq++;
        AuditRecord n = new AuditRecord(seq, o.timeMillis(), o.actor(), o.action(), o.object(), o.result(), o.peer(),
            o.details(), head);
        head = n.hash();
        dst.add(line(JsonLines.record(n, head)));
      } else if (e instanceof CheckpointLine && !dropped) {
        dst.add(line(JsonLines.checkpoint(SignedCheckpoint.sign(new Checkpoint(ORIGIN, seq, head), key))));
      }
    }
    if (!(parse(dst.get(dst.size() - 1)) instanceof CheckpointLine)) {
      dst.add(line(JsonLines.checkpoint(SignedCheckpoint.sign(new Checkpoint(ORIGIN, seq, head), key))));
    }
    return writeLines(out, dst);
  }

  /** The checkpoint the writer signed for exactly {@code size} records in {@code file}. */
  static SignedCheckpoint checkpointAt(Path file, long size) throws IOException {
    List<String> l = lines(file);
    return ((CheckpointLine) parse(l.get(checkpointLine(l, size)))).checkpoint();
  }
}

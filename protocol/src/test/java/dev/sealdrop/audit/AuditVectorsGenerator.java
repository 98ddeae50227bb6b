package dev.sealdrop.audit;

import dev.sealdrop.audit.AuditLogEntry.CheckpointLine;
import dev.sealdrop.audit.AuditLogEntry.RecordLine;
import dev.sealdrop.audit.internal.JsonLines;
import dev.sealdrop.audit.internal.RecordEncoding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Regenerates protocol/src/test/resources/audit-vectors (not a test; run by hand when the format
 * changes on purpose, then review the diff):
 * {@code java -cp protocol/target/test-classes:protocol/target/classes:<deps> dev.sealdrop.audit.AuditVectorsGenerator DIR}.
 * Everything is deterministic: fixed seeds, a fixed ticking clock, deterministic Ed25519.
 */
public final class AuditVectorsGenerator {
  static final String ORIGIN = "sealdrop.example/audit/vectors";

  private AuditVectorsGenerator() {}

  static AuditKey vectorKey() {
    byte[] seed = new byte[32];
    for (int i = 0; i < 32; i++) {
      seed[i] = (byte) i;
    }
    return AuditKey.testOnlyFromSeed(ORIGIN, seed);
  }

  static AuditKey otherKey() {
    byte[] seed = new byte[32];
    for (int i = 0; i < 32; i++) {
      seed[i] = (byte) (0x80 + i);
    }
    return AuditKey.testOnlyFromSeed(ORIGIN, seed);
  }

  /** A clock that starts at a fixed instant and advances 1.5 s on every read. */
  static final class TickingClock extends Clock {
    private long millis = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public synchronized Instant instant() {
      Instant now = Instant.ofEpochMilli(millis);
      millis += 1500;
      return now;
    }
  }

  static List<AuditEvent> events() {
    List<AuditEvent> e = new ArrayList<>();
    e.add(AuditEvent.of("server", "server.start", "", "ok", "", Map.of("version", "0.1.0")));
    e.add(AuditEvent.of("alice", "connection.accept", "", "ok", "127.0.0.1:50412"));
    e.add(AuditEvent.of("alice", "key.publish", "bundle:alice", "ok", "127.0.0.1:50412",
        Map.of("fingerprint", "sd1-alice-7f3a")));
    e.add(AuditEvent.of("alice", "upload.commit", "file:01J9Z", "ok", "127.0.0.1:50412",
        Map.of("size", "1048576", "sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")));
    e.add(AuditEvent.of("alice", "grant.create", "grant:g1", "ok", "127.0.0.1:50412",
        Map.of("recipient", "bob", "file", "file:01J9Z", "expires", "2026-11-30T10:00:00Z")));
    e.add(AuditEvent.of("CN=mallory,O=Foreign CA", "connection.refuse", "", "denied", "[::1]:61000",
        Map.of("reason", "certificate not issued by the deployment CA")));
    e.add(AuditEvent.of("bob", "grant.redeem", "grant:g1", "ok", "10.0.0.7:41000"));
    e.add(AuditEvent.of("bob", "download.complete", "file:01J9Z", "ok", "10.0.0.7:41000",
        Map.of("bytes", "1048576")));
    e.add(AuditEvent.of("carol", "admin.lockdown", "server", "ok", "127.0.0.1:9443",
        Map.of("state", "on", "reason", "Deal paused \u2014 \u00e9tude \"Zo\u00eb\" \\ \uD83D\uDD12")));
    e.add(AuditEvent.of("alice", "upload.start", "", "denied", "127.0.0.1:50413", Map.of("reason", "lockdown")));
    e.add(AuditEvent.of("carol", "admin.lockdown", "server", "ok", "127.0.0.1:9443", Map.of("state", "off")));
    e.add(AuditEvent.of("server", "server.stop", "", "ok", ""));
    return e;
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    AuditKey key = vectorKey();
    Path valid = writeLog(dir.resolve("valid.jsonl"), key);
    Path other = writeLog(dir.resolve("other-key.jsonl"), otherKey());
    Files.writeString(dir.resolve("vector-key.txt"), "# TEST VECTORS ONLY - this private key is public; never use it.\n"
        + "private: " + "PRIVATE+KEY+" + ORIGIN + "+" + key.publicKey().keyIdHex() + "+" + seedB64() + "\n"
        + "public: " + key.publicKey().encoded() + "\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("held-10.note"), checkpointAt(valid, 10).note(), StandardCharsets.UTF_8);

    List<String> l = lines(valid);
    write(dir, "edited-actor.jsonl", replaceInRecord(l, 7, "\"actor\":\"bob\"", "\"actor\":\"dave\""));
    write(dir, "edited-time.jsonl", replaceInRecord(l, 2, "\"time\":1795428001500", "\"time\":1795428001501"));
    List<String> del = new ArrayList<>(l);
    del.remove(recordLine(del, 4));
    write(dir, "deleted.jsonl", del);
    List<String> swap = new ArrayList<>(l);
    int a = recordLine(swap, 8);
    int b = recordLine(swap, 9);
    String t = swap.get(a);
    swap.set(a, swap.get(b));
    swap.set(b, t);
    write(dir, "reordered.jsonl", swap);
    List<String> dup = new ArrayList<>(l);
    dup.add(recordLine(dup, 3) + 1, dup.get(recordLine(dup, 3)));
    write(dir, "duplicated.jsonl", dup);
    List<String> forged = new ArrayList<>(l);
    int c = checkpointLine(forged, 10);
    String cl = forged.get(c);
    int at = cl.indexOf(' ', cl.indexOf("\u2014 ") + 2) + 30;
    forged.set(c, cl.substring(0, at) + (cl.charAt(at) == 'A' ? 'B' : 'A') + cl.substring(at + 1));
    write(dir, "forged-checkpoint.jsonl", forged);
    List<String> rehash = new ArrayList<>(l);
    int r6 = recordLine(rehash, 6);
    AuditRecord six = ((RecordLine) JsonLines.parse(rehash.get(r6))).record();
    AuditRecord six2 = new AuditRecord(6, six.timeMillis(), six.actor(), six.action(), six.object(), "ok", six.peer(),
        six.details(), six.previousHash());
    rehash.set(r6, line(JsonLines.record(six2, six2.hash())));
    write(dir, "rehashed.jsonl", rehash);
    write(dir, "truncated-resigned.jsonl", rewrite(l, key, r -> r.sequence() > 7 ? Optional.empty() : Optional.of(r)));
    write(dir, "rewritten-resigned.jsonl", rewrite(l, key, r -> Optional.of(r.sequence() != 3 ? r
        : new AuditRecord(3, r.timeMillis(), "mallory", r.action(), r.object(), r.result(), r.peer(), r.details(),
            r.previousHash()))));
    List<String> unsigned = new ArrayList<>(l);
    unsigned.remove(unsigned.size() - 1); // the close() checkpoint for 12: records 11 and 12 are unsigned
    write(dir, "unsigned-tail.jsonl", unsigned);
    // the cases docs/audit-log.md pins down for a third-party verifier ("Verifying")
    write(dir, "edited-seq.jsonl", replaceInRecord(l, 7, "\"seq\":7,", "\"seq\":9,"));
    List<String> moved = new ArrayList<>(l);
    String five = moved.remove(checkpointLine(moved, 5));
    moved.add(recordLine(moved, 7) + 1, five); // the checkpoint for 5 now follows record 7
    write(dir, "moved-checkpoint.jsonl", moved);
    write(dir, "cut-unsigned.jsonl", new ArrayList<>(l.subList(0, recordLine(l, 8) + 1))); // 6..8 unsigned
    String held10 = checkpointAt(valid, 10).note();
    Files.writeString(dir.resolve("held-13-forged.note"), held10.replace("\n10\n", "\n13\n"), StandardCharsets.UTF_8);
    writeEncodingVectors(dir, valid, key);
    System.out.println("wrote vectors to " + dir + " (other-key: " + other + ")");
  }

  private static String seedB64() {
    byte[] withAlg = new byte[33];
    withAlg[0] = 1;
    for (int i = 0; i < 32; i++) {
      withAlg[i + 1] = (byte) i;
    }
    return java.util.Base64.getEncoder().encodeToString(withAlg);
  }

  private static void writeEncodingVectors(Path dir, Path valid, AuditKey key) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("# Canonical encoding and chain-hash vectors for valid.jsonl (docs/audit-log.md).\n");
    sb.append("# For each record: the canonical encoding (hex) and h_i (base64). Keys as in vector-key.txt.\n");
    sb.append("origin: ").append(ORIGIN).append('\n');
    sb.append("genesis: ").append(RecordEncoding.genesis(ORIGIN)).append('\n');
    for (String s : lines(valid)) {
      AuditLogEntry e = JsonLines.parse(s);
      if (e instanceof RecordLine r) {
        sb.append("record: ").append(r.record().sequence()).append('\n');
        sb.append("encoding: ").append(HexFormat.of().formatHex(r.record().canonicalEncoding())).append('\n');
        sb.append("hash: ").append(r.hash()).append('\n');
      }
    }
    Files.writeString(dir.resolve("encoding.vec"), sb.toString(), StandardCharsets.UTF_8);
  }

  static Path writeLog(Path file, AuditKey key) throws IOException {
    Files.deleteIfExists(file);
    AuditLogConfig config = new AuditLogConfig(file, ORIGIN, Durability.FSYNC_EACH_RECORD, 5, Duration.ZERO,
        new TickingClock());
    try (AuditLogWriter w = AuditLogWriter.open(config, key)) {
      for (AuditEvent e : events()) {
        w.append(e);
      }
    }
    return file;
  }

  static List<String> rewrite(List<String> src, AuditKey key, Function<AuditRecord, Optional<AuditRecord>> edit)
      throws IOException {
    List<String> dst = new ArrayList<>();
    dst.add(src.get(0));
    ChainHash head = RecordEncoding.genesis(ORIGIN);
    long seq = 0;
    Map<Long, Boolean> signedAt = new TreeMap<>();
    for (String s : src.subList(1, src.size())) {
      if (JsonLines.parse(s) instanceof CheckpointLine cp) {
        signedAt.put(cp.checkpoint().checkpoint().size(), true);
      }
    }
    for (String s : src.subList(1, src.size())) {
      if (JsonLines.parse(s) instanceof RecordLine r) {
        Optional<AuditRecord> o = edit.apply(r.record());
        if (o.isEmpty()) {
          continue;
        }
        AuditRecord x = o.get();
        seq++;
        AuditRecord n = new AuditRecord(seq, x.timeMillis(), x.actor(), x.action(), x.object(), x.result(), x.peer(),
            x.details(), head);
        head = n.hash();
        dst.add(line(JsonLines.record(n, head)));
        if (signedAt.containsKey(r.record().sequence())) {
          dst.add(line(JsonLines.checkpoint(SignedCheckpoint.sign(new Checkpoint(ORIGIN, seq, head), key))));
        }
      }
    }
    if (!(JsonLines.parse(dst.get(dst.size() - 1)) instanceof CheckpointLine)) {
      dst.add(line(JsonLines.checkpoint(SignedCheckpoint.sign(new Checkpoint(ORIGIN, seq, head), key))));
    }
    return dst;
  }

  static SignedCheckpoint checkpointAt(Path file, long size) throws IOException {
    List<String> l = lines(file);
    return ((CheckpointLine) JsonLines.parse(l.get(checkpointLine(l, size)))).checkpoint();
  }

  private static List<String> replaceInRecord(List<String> l, long seq, String from, String to) {
    List<String> out = new ArrayList<>(l);
    int i = recordLine(out, seq);
    String edited = out.get(i).replace(from, to);
    if (edited.equals(out.get(i))) {
      throw new IllegalStateException("vector edit did not apply to record " + seq + ": " + from);
    }
    out.set(i, edited);
    return out;
  }

  static int recordLine(List<String> l, long seq) {
    for (int i = 0; i < l.size(); i++) {
      if (l.get(i).startsWith("{\"type\":\"record\",\"seq\":" + seq + ",")) {
        return i;
      }
    }
    throw new IllegalStateException("no record " + seq);
  }

  static int checkpointLine(List<String> l, long size) throws IOException {
    for (int i = 0; i < l.size(); i++) {
      if (JsonLines.parse(l.get(i)) instanceof CheckpointLine c && c.checkpoint().checkpoint().size() == size) {
        return i;
      }
    }
    throw new IllegalStateException("no checkpoint " + size);
  }

  static List<String> lines(Path f) throws IOException {
    return Files.readAllLines(f, StandardCharsets.UTF_8);
  }

  private static void write(Path dir, String name, List<String> lines) throws IOException {
    Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
  }

  static String line(byte[] b) {
    String s = new String(b, StandardCharsets.UTF_8);
    return s.substring(0, s.length() - 1);
  }

}

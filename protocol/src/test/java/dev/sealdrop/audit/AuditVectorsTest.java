package dev.sealdrop.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.audit.AuditLogEntry.CheckpointLine;
import dev.sealdrop.audit.AuditLogEntry.RecordLine;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every committed vector in protocol/src/test/resources/audit-vectors (STYLE.md lesson 5):
 * each NAME.vec names a log, a key source, optional held checkpoints and the expected outcome.
 */
class AuditVectorsTest {
  private static Path dir() throws URISyntaxException {
    return Path.of(AuditVectorsTest.class.getResource("/audit-vectors").toURI());
  }

  private static Map<String, List<String>> readVec(Path f) throws IOException {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      m.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
    }
    return m;
  }

  private static AuditPublicKey vectorPublicKey() throws Exception {
    return AuditPublicKey.parse(readVec(dir().resolve("vector-key.txt")).get("public").get(0));
  }

  @TestFactory
  Stream<DynamicTest> everyVectorHasTheExpectedOutcome() throws Exception {
    List<Path> vecs;
    try (Stream<Path> s = Files.list(dir())) {
      vecs = s.filter(p -> p.toString().endsWith(".vec") && !p.getFileName().toString().equals("encoding.vec"))
          .sorted().collect(Collectors.toList());
    }
    assertThat(vecs).hasSizeGreaterThanOrEqualTo(17);
    return vecs.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
  }

  private void run(Path vec) throws Exception {
    Map<String, List<String>> v = readVec(vec);
    AuditVerifier verifier = v.get("key").get(0).equals("given")
        ? AuditVerifier.withKey(vectorPublicKey()) : AuditVerifier.withEmbeddedKey();
    List<SignedCheckpoint> held = new ArrayList<>();
    for (String h : v.getOrDefault("held", List.of())) {
      held.add(SignedCheckpoint.parse(Files.readString(dir().resolve(h), StandardCharsets.UTF_8)));
    }
    if (v.getOrDefault("mode", List.of("export")).get(0).equals("live")) {
      verifier = verifier.allowingUnsignedTail();
    }
    VerificationResult r = verifier.holding(held).verify(dir().resolve(v.get("log").get(0)));
    if (v.get("expect").get(0).equals("valid")) {
      assertThat(r.failure()).as(vec.toString()).isEmpty();
      assertThat(r.records()).isEqualTo(Long.parseLong(v.get("records").get(0)));
      TreeSet<String> want = new TreeSet<>();
      for (String w : v.get("warnings").get(0).split(",")) {
        if (!w.isBlank()) {
          want.add(w.trim());
        }
      }
      TreeSet<String> got = new TreeSet<>();
      r.warnings().forEach(w -> got.add(w.kind().name()));
      assertThat(got).isEqualTo(want);
    } else {
      assertThat(r.failure()).as(vec.toString()).isPresent();
      assertThat(r.failure().get().reason().name()).isEqualTo(v.get("reason").get(0));
      assertThat(r.failure().get().sequence()).isEqualTo(Long.parseLong(v.get("sequence").get(0)));
    }
  }

  /** The vector key file holds the documented key; its public half is what the header embeds. */
  @Test
  void theVectorKeyReproducesTheCommittedCheckpointsByteForByte() throws Exception {
    Path keyFile = Files.createTempFile("vector", ".key");
    try {
      Files.delete(keyFile);
      dev.sealdrop.audit.internal.KeyFiles.writeOwnerOnly(keyFile,
          readVec(dir().resolve("vector-key.txt")).get("private").get(0) + "\n");
      AuditKey key = AuditKey.load(keyFile);
      assertThat(key.publicKey()).isEqualTo(vectorPublicKey());
      int checkpoints = 0;
      for (String line : Files.readAllLines(dir().resolve("valid.jsonl"), StandardCharsets.UTF_8)) {
        if (AuditFixtures.parse(line) instanceof CheckpointLine c) {
          // Ed25519 is deterministic: re-signing the body must give the committed note exactly.
          assertThat(SignedCheckpoint.sign(c.checkpoint().checkpoint(), key).note()).isEqualTo(c.checkpoint().note());
          checkpoints++;
        }
      }
      assertThat(checkpoints).isEqualTo(3);
    } finally {
      Files.deleteIfExists(keyFile);
    }
  }

  /**
   * An independent implementation of docs/audit-log.md "Record encoding" and "Hashing", written
   * from the document rather than from RecordEncoding, checked against encoding.vec and the log.
   */
  @Test
  void theDocumentedEncodingAndHashReproduceTheCommittedVectors() throws Exception {
    Map<String, List<String>> enc = readVec(dir().resolve("encoding.vec"));
    String origin = enc.get("origin").get(0);
    byte[] h = sha256(concat("sealdrop/v1/audit-genesis\0".getBytes(StandardCharsets.US_ASCII), str(origin)));
    assertThat(java.util.Base64.getEncoder().encodeToString(h)).isEqualTo(enc.get("genesis").get(0));
    int i = 0;
    for (String line : Files.readAllLines(dir().resolve("valid.jsonl"), StandardCharsets.UTF_8)) {
      if (!(AuditFixtures.parse(line) instanceof RecordLine rl)) {
        continue;
      }
      AuditRecord r = rl.record();
      byte[] e = documentedEncoding(r);
      assertThat(HexFormat.of().formatHex(e)).isEqualTo(enc.get("encoding").get(i));
      assertThat(Arrays.equals(r.previousHash().bytes(), h)).as("prev of record %d", r.sequence()).isTrue();
      h = sha256(concat("sealdrop/v1/audit-record\0".getBytes(StandardCharsets.US_ASCII), concat(h, e)));
      assertThat(java.util.Base64.getEncoder().encodeToString(h)).isEqualTo(enc.get("hash").get(i));
      assertThat(rl.hash().bytes()).isEqualTo(h);
      i++;
    }
    assertThat(i).isEqualTo(12);
  }

  private static byte[] documentedEncoding(AuditRecord r) {
    byte[] out = new byte[] {1};
    out = concat(out, java.nio.ByteBuffer.allocate(16).putLong(r.sequence()).putLong(r.timeMillis()).array());
    for (String s : new String[] {r.actor(), r.action(), r.object(), r.result(), r.peer()}) {
      out = concat(out, str(s));
    }
    out = concat(out, java.nio.ByteBuffer.allocate(4).putInt(r.details().size()).array());
    for (Map.Entry<String, String> d : r.details().entrySet()) {
      out = concat(out, concat(str(d.getKey()), str(d.getValue())));
    }
    return out;
  }

  private static byte[] str(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return concat(java.nio.ByteBuffer.allocate(4).putInt(b.length).array(), b);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

}

package dev.sealdrop.audit;

import static dev.sealdrop.audit.AuditFixtures.key;
import static dev.sealdrop.audit.AuditFixtures.lines;
import static dev.sealdrop.audit.AuditFixtures.recordLine;
import static dev.sealdrop.audit.AuditFixtures.writeLines;
import static dev.sealdrop.audit.AuditFixtures.writeLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.audit.VerificationResult.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The parser is strict and bounded: every deviation from the documented format is MALFORMED, at its place. */
class AuditFormatTest {
  @TempDir Path dir;
  private Path log;
  private final AuditKey key = key(1);

  @BeforeEach
  void setUp() throws IOException {
    log = writeLog(dir, "audit.jsonl", key, 6, 10);
  }

  private VerificationResult verifyWithRecord3(String replacement) throws IOException {
    List<String> l = lines(log);
    l.set(recordLine(l, 3), replacement);
    return AuditVerifier.withKey(key.publicKey()).verify(writeLines(dir.resolve("m.jsonl"), l));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "not json",
      "{}",
      "[]",
      "{\"type\":\"record\"}",
      "{\"type\":\"unknown\"}",
      "{\"type\":\"record\",\"seq\":3} trailing",
  })
  void garbageIsMalformedAtThatRecord(String line) throws IOException {
    VerificationResult v = verifyWithRecord3(line);
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.MALFORMED);
    assertThat(v.failure()).map(VerificationResult.Failure::sequence).contains(3L);
    assertThat(v.failure().orElseThrow().message()).startsWith("line 4:");
  }

  @Test
  void duplicateUnknownAndWronglyTypedMembersAreMalformed() throws IOException {
    String rec = lines(log).get(recordLine(lines(log), 3));
    for (String mutated : new String[] {
        rec.replace("{\"type\":\"record\",", "{\"type\":\"record\",\"actor\":\"x\","),   // duplicate
        rec.replace("{\"type\":\"record\",", "{\"type\":\"record\",\"extra\":\"x\","),   // unknown
        rec.replace("\"seq\":3", "\"seq\":\"3\""),                                       // wrong type
        rec.replace("\"seq\":3", "\"seq\":3.0"),                                         // not an integer
        rec.replace("\"seq\":3", "\"seq\":99999999999999999999999"),                     // too big
        rec.replace("\"details\":{", "\"details\":{\"n\":{\"deep\":\"x\"},"),             // nested
        rec.replace("\"actor\":\"", "\"actor\":\"\\u0007"),                              // control character
        rec.replace("\"action\":\"", "\"action\":\"UP"),                                  // not a token
    }) {
      assertThat(mutated).isNotEqualTo(rec);
      VerificationResult v = verifyWithRecord3(mutated);
      assertThat(v.failure()).as(mutated).map(VerificationResult.Failure::reason).contains(Reason.MALFORMED);
    }
    // a member given twice is named as such (readers taking the first or the last would disagree), not its name
    VerificationResult twice = verifyWithRecord3(rec.replace("{\"type\":\"record\",",
        "{\"type\":\"record\",\"actor\":\"x\","));
    assertThat(twice.failure().orElseThrow().message()).contains("a member appears twice in one object");
    // a byte-order mark an editor added is named (outside test: "not valid JSON (at character 1)")
    VerificationResult bom = verifyWithRecord3("\uFEFF" + rec);
    assertThat(bom.failure().orElseThrow().message()).contains("starts with a byte-order mark (U+FEFF");
    // and so is an empty line (review BB: "expected a JSON object")
    VerificationResult empty = verifyWithRecord3("");
    assertThat(empty.failure()).map(VerificationResult.Failure::reason).contains(Reason.MALFORMED);
    assertThat(empty.failure().orElseThrow().message()).contains("the line is empty");
    // a number too large is told so, not "the wrong type" (round BG)
    VerificationResult big = verifyWithRecord3(rec.replace("\"seq\":3", "\"seq\":99999999999999999999"));
    assertThat(big.failure().orElseThrow().message()).contains("member \"seq\" is a number out of range");
  }

  @Test
  void anEmptyFileIsToldItIsEmpty() throws IOException {
    VerificationResult v = AuditVerifier.withKey(key.publicKey()).verify(Files.createFile(dir.resolve("empty.jsonl")));
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.MALFORMED);
    assertThat(v.failure().orElseThrow().message()).startsWith("the file is empty");
  }

  @Test
  void anOverlongLineIsRefusedWithoutBufferingIt() throws IOException {
    String huge = "{\"type\":\"record\",\"actor\":\"" + "x".repeat(AuditLogReader.MAX_LINE_BYTES) + "\"}";
    VerificationResult v = verifyWithRecord3(huge);
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.MALFORMED);
    assertThat(v.failure().orElseThrow().message()).contains("longer than");
  }

  @Test
  void invalidUtf8IsMalformed() throws IOException {
    List<String> l = lines(log);
    byte[] head = (String.join("\n", l.subList(0, 3)) + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] bad = "{\"type\":\"record\",\"actor\":\"\u00ff\"}\n".getBytes(StandardCharsets.ISO_8859_1);
    Path f = dir.resolve("utf8.jsonl");
    Files.write(f, concat(head, bad));
    VerificationResult v = AuditVerifier.withKey(key.publicKey()).verify(f);
    assertThat(v.failure().orElseThrow().message()).contains("not valid UTF-8");
  }

  @Test
  void aMissingOrSecondHeaderIsMalformed() throws IOException {
    List<String> l = lines(log);
    VerificationResult noHeader = AuditVerifier.withKey(key.publicKey())
        .verify(writeLines(dir.resolve("nh.jsonl"), l.subList(1, l.size())));
    assertThat(noHeader.failure()).map(VerificationResult.Failure::sequence).contains(0L);
    assertThat(noHeader.failure()).map(VerificationResult.Failure::reason).contains(Reason.MALFORMED);
    l.add(3, l.get(0));
    VerificationResult twice = AuditVerifier.withKey(key.publicKey()).verify(writeLines(dir.resolve("h2.jsonl"), l));
    assertThat(twice.failure()).map(VerificationResult.Failure::reason).contains(Reason.MALFORMED);
    VerificationResult empty = AuditVerifier.withEmbeddedKey().verify(new ByteArrayInputStream(new byte[0]));
    assertThat(empty.failure()).map(VerificationResult.Failure::reason).contains(Reason.MALFORMED);
  }

  @Test
  void linesSpanningReadBoundariesAreReassembled() throws IOException {
    byte[] all = Files.readAllBytes(log);
    java.io.InputStream trickle = new java.io.FilterInputStream(new ByteArrayInputStream(all)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, 7));
      }
    };
    VerificationResult v = AuditVerifier.withKey(key.publicKey()).verify(trickle);
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isEqualTo(6);
  }

  @Test
  void anUnsupportedFormatVersionIsMalformed() throws IOException {
    List<String> l = lines(log);
    l.set(0, l.get(0).replace("sealdrop-audit-v1", "sealdrop-audit-v2"));
    VerificationResult v = AuditVerifier.withKey(key.publicKey()).verify(writeLines(dir.resolve("v2.jsonl"), l));
    assertThat(v.failure().orElseThrow().message()).contains("unsupported format");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

package dev.sealdrop.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.sealdrop.envelope.internal.VectorGenerator;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.SecretAccess;
import dev.sealdrop.keys.VerifyingKey;
import dev.sealdrop.keys.internal.Primitives;
import dev.sealdrop.testing.Envelopes;
import dev.sealdrop.testing.Vector;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every known-answer vector in {@code src/test/resources/vectors} (format: spec §"Test
 * vectors") through {@link Envelope#openToFile}, through the keyless {@link EnvelopeInspector},
 * and, for success vectors, through a deterministic re-seal that must reproduce the bytes.
 */
class VectorTest {
  static final Map<String, Class<? extends EnvelopeException>> ERRORS = Map.of(
      "header failure", MalformedEnvelopeException.class,
      "no match", NoMatchingIdentityException.class,
      "payload failure", TamperedPayloadException.class,
      "signature failure", BadSignatureException.class,
      "unknown suite", UnknownSuiteException.class);

  static List<Vector> vectors() throws IOException, URISyntaxException {
    Path dir = Path.of(VectorTest.class.getResource("/vectors").toURI());
    List<Vector> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".vec")).sorted().toList()) {
        out.add(Vector.read(p));
      }
    }
    return out;
  }

  @Test
  void theVectorsCoverEveryOutcome() throws Exception {
    Set<String> kinds = new TreeSet<>();
    for (Vector v : vectors()) {
      kinds.add(v.get("expect"));
    }
    assertThat(kinds).containsExactlyInAnyOrder("success", "header failure", "no match", "payload failure",
        "signature failure", "unknown suite");
  }

  @TestFactory
  Stream<DynamicNode> knownAnswerVectors() throws Exception {
    return vectors().stream().map(v -> dynamicContainer(v.name() + " (" + v.get("expect") + ")", Stream.concat(
        Stream.of(dynamicTest("open", () -> open(v)), dynamicTest("inspect", () -> inspect(v))),
        v.get("expect").equals("success") ? Stream.of(dynamicTest("re-seal", () -> reseal(v))) : Stream.empty())));
  }

  private static void open(Vector v) throws Exception {
    PrivateKeys me = PrivateKeys.fromBytes(v.hex("recipient-key"), SecretAccess.insecure());
    SenderPolicy trust = SenderPolicy.exactly(v.get("sender"), VerifyingKey.decode(v.hex("sender-key")));
    Path dir = Files.createTempDirectory("sealdrop-vec");
    try {
      Path target = dir.resolve("out");
      OpenedFile o;
      try {
        o = Envelope.openToFile(new ByteArrayInputStream(v.hex("envelope")), me, trust, target);
      } catch (EnvelopeException e) {
        assertThat(e).as(v.name()).isInstanceOf(ERRORS.get(v.get("expect")));
        assertThat(Envelopes.listing(dir)).isEmpty();
        return;
      }
      assertThat(v.get("expect")).as(v.name() + " opened").isEqualTo("success");
      byte[] plain = Files.readAllBytes(target);
      assertThat(HexFormat.of().formatHex(Primitives.sha256(plain))).isEqualTo(v.get("payload-sha256"));
      assertThat(o.fingerprint()).isEqualTo(v.get("fingerprint"));
      assertThat(o.senderIdentity()).isEqualTo(v.get("sender"));
      assertThat(o.metadata()).isEqualTo(new FileMetadata(v.get("file-name"), plain.length, v.get("content-type"),
          Instant.parse(v.get("created"))));
      Files.delete(target);
    } finally {
      Files.delete(dir);
    }
  }

  private static void inspect(Vector v) throws Exception {
    VerifyingKey sender = VerifyingKey.decode(v.hex("sender-key"));
    InspectionResult r;
    try {
      r = EnvelopeInspector.inspect(new ByteArrayInputStream(v.hex("envelope")), sender);
    } catch (EnvelopeException e) {
      assertThat(e).as(v.name()).isInstanceOf(ERRORS.get(v.get("inspect")));
      return;
    }
    assertThat(v.get("inspect")).as(v.name() + " inspected").isEqualTo("success");
    assertThat(r.size()).isEqualTo(v.hex("envelope").length);
    assertThat(r.header().senderIdentity()).isEqualTo(v.get("sender"));
    if (v.has("fingerprint")) {
      assertThat(r.fingerprint()).isEqualTo(v.get("fingerprint"));
    }
  }

  private static void reseal(Vector v) throws Exception {
    byte[] again = VectorGenerator.seal(v.get("sender"), List.of(v.get("recipients").split(",")),
        v.get("plaintext-seed"), Integer.parseInt(v.get("plaintext-length")), v.get("seal-seed"));
    assertThat(HexFormat.of().formatHex(again)).as("the writer must reproduce " + v.name() + " byte for byte")
        .isEqualTo(v.get("envelope"));
  }
}

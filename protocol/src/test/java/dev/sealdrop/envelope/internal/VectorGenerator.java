package dev.sealdrop.envelope.internal;

import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.envelope.SealingOutputStream;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.RecipientKey;
import dev.sealdrop.keys.SecretAccess;
import dev.sealdrop.keys.internal.Primitives;
import dev.sealdrop.testing.DeterministicRandom;
import dev.sealdrop.testing.Layout;
import dev.sealdrop.testing.Vector;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TEST ONLY: writes the known-answer vectors in {@code src/test/resources/vectors}. Run it only
 * when the format deliberately changes (then bump the suite):
 * {@code java -cp <test classpath> dev.sealdrop.envelope.internal.VectorGenerator protocol/src/test/resources/vectors}.
 * Everything is derived from fixed seeds through {@link DeterministicRandom}, which is injected
 * through the visibly named hook {@link Sealer#testOnlySealWithRandomness}.
 */
public final class VectorGenerator {
  private VectorGenerator() {}

  private static final HexFormat HEX = HexFormat.of();
  public static final Instant CREATED = Instant.parse("2026-11-23T09:00:00Z");

  public static PrivateKeys party(String name) throws Exception {
    return PrivateKeys.fromBytes(bytes("key:" + name, 64), SecretAccess.insecure());
  }

  public static byte[] bytes(String seed, int n) {
    byte[] b = new byte[n];
    new DeterministicRandom(seed).nextBytes(b);
    return b;
  }

  /** Seals deterministically: plaintext and randomness both from named seeds. */
  public static byte[] seal(String sender, List<String> to, String plainSeed, int size, String sealSeed)
      throws Exception {
    List<RecipientKey> keys = new java.util.ArrayList<>();
    for (String t : to) {
      keys.add(party(t).publicKeys().encryption());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SealingOutputStream s = Sealer.testOnlySealWithRandomness(out, sender, party(sender), keys,
        new FileMetadata("clients-" + size + ".csv", size, "text/csv", CREATED), new DeterministicRandom(sealSeed));
    s.write(bytes(plainSeed, size));
    s.close();
    return out.toByteArray();
  }

  public static void main(String[] args) throws Exception {
    Path dir = Files.createDirectories(Path.of(args[0]));
    success(dir, "success-empty", List.of("bob"), "bob", 0);
    success(dir, "success-small", List.of("bob"), "bob", 1000);
    success(dir, "success-full-chunk", List.of("bob", "carol"), "carol", 65536);
    success(dir, "success-multi-chunk", List.of("bob", "carol", "alice"), "alice", 2 * 65536 + 7);

    // Most negative vectors modify a one-chunk envelope; chunk-structure ones need two chunks.
    byte[] one = seal("alice", List.of("bob", "carol"), "plain:one", 1000, "seal:one");
    Layout l1 = new Layout(one);
    byte[] trailer1 = Arrays.copyOfRange(one, l1.trailerStart, one.length);
    byte[] two = seal("alice", List.of("bob", "carol"), "plain:two", 65536 + 100, "seal:two");
    Layout l = new Layout(two);
    byte[] trailer = Arrays.copyOfRange(two, l.trailerStart, two.length);
    byte[] c0 = Arrays.copyOfRange(two, l.chunkStart(0), l.chunkStart(1));
    byte[] c1 = Arrays.copyOfRange(two, l.chunkStart(1), l.trailerStart);
    byte[] h = l.header(two);

    failure(dir, "header-failure-magic", "header failure", "header failure", "first byte of the magic changed",
        Layout.flip(one, 0));
    failure(dir, "header-failure-mac", "header failure", "signature failure", "one bit of the header MAC flipped",
        Layout.flip(one, (l1.macStart + 3) * 8L));
    failure(dir, "header-failure-stanza", "header failure", "signature failure",
        "one bit of bob's wrapped file key flipped", Layout.flip(one, (l1.stanzasStart + 32 + 1120 + 5) * 8L));
    failure(dir, "header-failure-removed-stanza", "header failure", "signature failure",
        "carol's stanza removed, count and length fixed up", removeSecondStanza(one, l1));
    failure(dir, "no-match", "no match", "success", "sealed for carol and dave only",
        seal("alice", List.of("carol", "dave"), "plain:one", 1000, "seal:nomatch"));
    failure(dir, "payload-failure-bitflip", "payload failure", "signature failure", "one bit of chunk 0 flipped",
        Layout.flip(one, (l1.chunkStart(0) + 40) * 8L + 2));
    failure(dir, "payload-failure-truncated", "payload failure", "signature failure",
        "chunk 1 removed: truncation at a chunk boundary", Layout.concat(h, c0, trailer));
    failure(dir, "payload-failure-reordered", "payload failure", "signature failure", "chunks 0 and 1 swapped",
        Layout.concat(h, c1, c0, trailer));
    failure(dir, "payload-failure-duplicated", "payload failure", "signature failure", "chunk 0 duplicated",
        Layout.concat(h, c0, c0, c1, trailer));
    failure(dir, "payload-failure-last-flag", "payload failure", "signature failure",
        "bob re-encrypted the final chunk with the last-chunk flag cleared",
        CoRecipientForgery.forge(one, party("bob"), bytes("plain:one", 1000), trailer1, true));
    byte[] other = seal("alice", List.of("bob", "carol"), "plain:other", 1000, "seal:other");
    failure(dir, "payload-failure-swapped-header", "payload failure", "signature failure",
        "the header of another envelope from alice to bob and carol",
        Layout.concat(new Layout(other).header(other), Arrays.copyOfRange(one, l1.headerEnd, one.length)));
    byte[] forged = Arrays.copyOf("wire the money to mallory".getBytes(StandardCharsets.US_ASCII), 1000);
    failure(dir, "signature-failure-co-recipient-forgery", "signature failure", "signature failure",
        "bob re-encrypted different content under the shared file key; carol opens",
        CoRecipientForgery.forge(one, party("bob"), forged, trailer1), "carol");
    failure(dir, "signature-failure-trailer", "signature failure", "signature failure",
        "one bit of the signature flipped", Layout.flip(one, (one.length - 10) * 8L));
    byte[] v2 = one.clone();
    v2[12 + 1 + "sealdrop/v".length()] = '2';
    failure(dir, "unknown-suite", "unknown suite", "unknown suite", "suite sealdrop/v2/...", v2);
  }

  private static byte[] removeSecondStanza(byte[] e, Layout l) {
    int at = l.stanzasStart + Layout.STANZA;
    byte[] cut = Layout.concat(Arrays.copyOf(e, at), Arrays.copyOfRange(e, at + Layout.STANZA, e.length));
    cut[l.countStart] = 1;
    java.nio.ByteBuffer.wrap(cut).putInt(8, java.nio.ByteBuffer.wrap(e).getInt(8) - Layout.STANZA);
    return cut;
  }

  private static void success(Path dir, String name, List<String> to, String reader, int size) throws Exception {
    byte[] e = seal("alice", to, "plain:" + name, size, "seal:" + name);
    Map<String, String> f = common("success", "success", "sealed by alice for " + to + "; " + size + " bytes", reader);
    f.put("recipients", String.join(",", to));
    f.put("plaintext-seed", "plain:" + name);
    f.put("plaintext-length", Integer.toString(size));
    f.put("payload-sha256", HEX.formatHex(Primitives.sha256(bytes("plain:" + name, size))));
    f.put("seal-seed", "seal:" + name);
    f.put("file-name", "clients-" + size + ".csv");
    f.put("content-type", "text/csv");
    f.put("created", CREATED.toString());
    f.put("fingerprint", fingerprintOf(e));
    write(dir, name, f, e);
  }

  private static void failure(Path dir, String name, String expect, String inspect, String comment, byte[] e)
      throws Exception {
    failure(dir, name, expect, inspect, comment, e, "bob");
  }

  private static void failure(Path dir, String name, String expect, String inspect, String comment, byte[] e,
      String reader) throws Exception {
    write(dir, name, common(expect, inspect, comment, reader), e);
  }

  private static Map<String, String> common(String expect, String inspect, String comment, String reader)
      throws Exception {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("expect", expect);
    f.put("inspect", inspect);
    f.put("comment", comment);
    f.put("reader", reader);
    f.put("recipient-key", HEX.formatHex(party(reader).bytes(SecretAccess.insecure())));
    f.put("sender", "alice");
    f.put("sender-key", HEX.formatHex(party("alice").publicKeys().signing().encoded()));
    return f;
  }

  private static String fingerprintOf(byte[] e) throws Exception {
    return dev.sealdrop.envelope.EnvelopeInspector
        .inspect(new java.io.ByteArrayInputStream(e), party("alice").publicKeys().signing()).fingerprint();
  }

  private static void write(Path dir, String name, Map<String, String> f, byte[] envelope) throws Exception {
    f.put("envelope", HEX.formatHex(envelope));
    Files.writeString(dir.resolve(name + ".vec"), Vector.render(f), StandardCharsets.UTF_8);
  }
}

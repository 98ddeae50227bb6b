package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.certsdev.IssuedCert;
import dev.sealdrop.keys.BundleException.Reason;
import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.Labels;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate whose key bundles cannot sign or verify (Ed448) is refused as an unsupported key,
 * naming the algorithm and what to do, never as a forged signature or a key that does not match.
 */
class UnsupportedCertificateKeyTest {
  @TempDir static Path pkiDir;
  static DevPki pki;
  static final PrivateKeys KEYS = PrivateKeys.generate();
  static final Instant IN_30_DAYS = Instant.now().plus(30, ChronoUnit.DAYS);
  static KeyPair ed448;
  static X509Certificate ed448Alice;

  @BeforeAll
  static void pki() throws Exception {
    pki = DevPki.create(pkiDir, false);
    IssuedCert issued = pki.issue(CertSpec.client("alice").withKeyAlgorithm("Ed448"));
    ed448 = new KeyPair(issued.certificate().getPublicKey(), issued.privateKey());
    ed448Alice = issued.certificate();
  }

  /** A bundle signed exactly as the spec says, with the certificate's own (Ed448) key. */
  static byte[] bundleSignedBy(String identity, X509Certificate cert, PrivateKey key) throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    byte[] der = cert.getEncoded();
    byte[] tbs = new ByteWriter().bytes(Labels.ascii(Labels.BUNDLE_MAGIC)).u8(KeyBundle.VERSION).str8(identity)
        .bytes(KEYS.publicKeys().encryption().encoded()).bytes(KEYS.publicKeys().signing().encoded())
        .i64(now.minus(1, ChronoUnit.HOURS).getEpochSecond()).i64(IN_30_DAYS.getEpochSecond()).u8(1)
        .u16(der.length).bytes(der).toByteArray();
    Signature s = Signature.getInstance("Ed448");
    s.initSign(key);
    s.update(Labels.ascii(Labels.BUNDLE_SIGNATURE));
    s.update(tbs);
    byte[] sig = s.sign();
    return new ByteWriter().bytes(tbs).u16(sig.length).bytes(sig).toByteArray();
  }

  @Test
  void aBundleFromAnEd448CertificateIsRefusedAsUnsupportedNotAsForged() throws Exception {
    byte[] bundle = bundleSignedBy("alice", ed448Alice, ed448.getPrivate());
    BundleVerifier verifier = new BundleVerifier(pki.caCertificate(), Clock.systemUTC());
    assertThatThrownBy(() -> verifier.verify(bundle, "alice")).isInstanceOfSatisfying(BundleException.class, e -> {
      assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.UNSUPPORTED_KEY);
      assertThat(e.getMessage()).contains("Ed448").contains("Ed25519").contains("ECDSA").contains("RSA")
          .doesNotContain("forged");
    });
  }

  @Test
  void creatingABundleWithAnEd448CertificateSaysTheKeyIsUnsupported() {
    assertThatThrownBy(() -> KeyBundle.create("alice", KEYS.publicKeys(), IN_30_DAYS, ed448.getPrivate(),
        List.of(ed448Alice)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported")
        .hasMessageContaining("Ed448")
        .hasMessageNotContaining("is not the key of");
  }

  @Test
  void aCertificateKeyCheckSaysWhetherTheAlgorithmIsSupported() throws Exception {
    assertThat(CertificateKeys.unsupportedAlgorithm(ed448Alice)).hasValueSatisfying(
        m -> assertThat(m).contains("Ed448").contains("Ed25519"));
    assertThat(CertificateKeys.unsupportedAlgorithm(pki.certificate("bob"))).isEmpty();
    IssuedCert ed25519 = pki.issue(CertSpec.client("ed25519-alice").withKeyAlgorithm("Ed25519"));
    assertThat(CertificateKeys.unsupportedAlgorithm(ed25519.certificate())).isEmpty();
    assertThat(CertificateKeys.isKeyOf(ed25519.certificate(), ed25519.privateKey())).isTrue();
  }
}

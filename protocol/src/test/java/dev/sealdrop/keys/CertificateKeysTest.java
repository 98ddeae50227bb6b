package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.certsdev.IssuedCert;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which certificate keys a sealdrop server's TLS takes from a client ({@link CertificateKeys#unusableForTls}):
 * ECDSA P-256/P-384 and RSA, not Ed25519 or P-521 (BoringSSL does not verify them), while key bundles take all
 * five; and a bundle may be signed up to its certificate's last second (notAfter is inclusive).
 */
class CertificateKeysTest {
  @TempDir static Path pkiDir;
  static DevPki pki;

  @BeforeAll
  static void pki() {
    pki = DevPki.create(pkiDir, false);
  }

  private static IssuedCert issue(String name, String algorithm) {
    return pki.issue(CertSpec.client(name).withKeyAlgorithm(algorithm));
  }

  @Test
  void ed25519AndP521KeysAreNamedAsKeysTheServersTlsDoesNotTake() {
    assertThat(CertificateKeys.unusableForTls(issue("ed", "Ed25519").certificate()))
        .hasValueSatisfying(m -> assertThat(m).startsWith("its Ed25519 key ").contains("ECDSA P-256/P-384 and RSA"));
    IssuedCert p521 = issue("p521", "EC-P521");
    assertThat(CertificateKeys.unusableForTls(p521.certificate()))
        .hasValueSatisfying(m -> assertThat(m).startsWith("its ECDSA P-521 key "));
    assertThat(CertificateKeys.unsupportedAlgorithm(p521.certificate())).as("bundles take it").isEmpty();
  }

  @Test
  void p256P384AndRsaKeysAreTakenAndEd448IsLeftToTheBundleRule() {
    for (String algorithm : List.of("EC", "EC-P384", "RSA")) {
      assertThat(CertificateKeys.unusableForTls(issue("ok-" + algorithm.toLowerCase(java.util.Locale.ROOT),
          algorithm).certificate())).as(algorithm).isEmpty();
    }
    IssuedCert ed448 = issue("ed448", "Ed448");
    assertThat(CertificateKeys.unusableForTls(ed448.certificate())).isEmpty();
    assertThat(CertificateKeys.unsupportedAlgorithm(ed448.certificate())).isPresent();
  }

  @Test
  void aBundleMaySignUntilTheCurrentSecondButNotASecondAgo() {
    PrivateKeys keys = PrivateKeys.generate();
    IssuedCert alice = pki.issue(CertSpec.client("alice"));
    assertThatThrownBy(() -> KeyBundle.create("alice", keys.publicKeys(), Instant.now().minusSeconds(1),
        alice.privateKey(), List.of(alice.certificate()))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("notAfter must not be in the past");
    // the second may turn between reading it here and inside create: one of three tries stays within it
    KeyBundle bundle = null;
    for (int i = 0; i < 3 && bundle == null; i++) {
      Instant thisSecond = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      try {
        bundle = KeyBundle.create("alice", keys.publicKeys(), thisSecond, alice.privateKey(),
            List.of(alice.certificate()));
      } catch (IllegalArgumentException e) {
        assertThat(Instant.now().truncatedTo(ChronoUnit.SECONDS)).as(e.getMessage()).isAfter(thisSecond);
      }
    }
    assertThat(bundle).isNotNull();
  }
}

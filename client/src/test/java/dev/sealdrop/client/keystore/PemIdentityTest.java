package dev.sealdrop.client.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.client.failure.UsageFailure;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** {@code init} takes its identity from the certificate by the server's rule: exactly one CN, alone in its RDN. */
class PemIdentityTest {
  static final KeyPair KEY = keyPair();

  @Test
  void theOnlyCnIsTheIdentity() throws Exception {
    assertThat(Pem.identity(cert("CN=alice,O=acme"))).isEqualTo("alice");
  }

  @Test
  void aSubjectWithTwoCnsNamesNoOneWhicheverWayTheyAreWritten() {
    for (String subject : new String[] {"CN=zzz+CN=alice", "CN=alice+CN=zzz", "CN=alice,CN=bob", "CN=alice+O=acme"}) {
      assertThatThrownBy(() -> Pem.identity(cert(subject))).as(subject).isInstanceOfSatisfying(UsageFailure.class,
          e -> assertThat(e.reason()).isEqualTo("BAD_CERTIFICATE"));
    }
  }

  @Test
  void aSubjectWithoutCnIsRefused() {
    assertThatThrownBy(() -> Pem.identity(cert("O=acme"))).isInstanceOfSatisfying(UsageFailure.class,
        e -> assertThat(e.getMessage()).contains("no CN"));
  }

  /** A private key where the certificate goes is named as one (outside test: "signed fields invalid"). */
  @Test
  void aPrivateKeyGivenAsTheCertificateIsNamedAsOne(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("alice.key"), "-----BEGIN PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            .encodeToString(KEY.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> Pem.certificate(key)).isInstanceOfSatisfying(UsageFailure.class, e -> {
      assertThat(e.reason()).isEqualTo("BAD_CERTIFICATE");
      assertThat(e.getMessage()).isEqualTo(key + " holds a private key, not a certificate");
      assertThat(e.hint()).hasValueSatisfying(h -> assertThat(h).contains("--key"));
    });
    java.nio.file.Path text = java.nio.file.Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
    assertThatThrownBy(() -> Pem.certificate(text)).isInstanceOfSatisfying(UsageFailure.class,
        e -> assertThat(e.getMessage()).startsWith("cannot read a certificate from " + text));
  }

  /**
   * A certificate file cut short in transit (review BE: told as Java's "Incomplete data") is said to be cut short,
   * with a hint to copy it again; a file that is no certificate at all is not.
   */
  @Test
  void aCertificateFileCutShortIsSaidToBeCutShort(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    byte[] der = cert("CN=alice").getEncoded();
    String pem = "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64,
        "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(der) + "\n-----END CERTIFICATE-----\n";
    java.nio.file.Path whole = java.nio.file.Files.writeString(dir.resolve("whole.crt"), pem);
    assertThat(Pem.identity(Pem.certificate(whole))).isEqualTo("alice");
    java.util.Map<String, byte[]> cut = new java.util.LinkedHashMap<>();
    for (int at : new int[] {30, 200, pem.length() - 30, pem.length() - 5}) {
      cut.put("pem cut at " + at, pem.substring(0, at).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    cut.put("pem missing its middle", (pem.substring(0, 200) + pem.substring(pem.indexOf("-----END")))
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    cut.put("der cut", java.util.Arrays.copyOf(der, der.length - 20));
    for (var c : cut.entrySet()) {
      java.nio.file.Path file = java.nio.file.Files.write(dir.resolve("cut.crt"), c.getValue());
      assertThatThrownBy(() -> Pem.certificate(file)).as(c.getKey()).isInstanceOfSatisfying(UsageFailure.class, e -> {
        assertThat(e.reason()).isEqualTo("BAD_CERTIFICATE");
        assertThat(e.getMessage()).isEqualTo("cannot read a certificate from " + file + ": it is cut short or damaged"
            + " (its certificate data ends before the certificate does)");
        assertThat(e.hint()).hasValueSatisfying(h -> assertThat(h).contains("copy the certificate file again"));
      });
    }
    java.nio.file.Path text = java.nio.file.Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
    assertThatThrownBy(() -> Pem.certificate(text)).isInstanceOfSatisfying(UsageFailure.class,
        e -> assertThat(e.getMessage()).doesNotContain("cut short"));
  }

  static X509Certificate cert(String subject) throws Exception {
    X500Name name = new X500Name(subject);
    Instant now = Instant.now();
    return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, KEY.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(KEY.getPrivate())));
  }

  static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(256);
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.sealdrop.server.door.grpc.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.server.testing.CustomCerts;
import dev.sealdrop.server.testing.TestPki;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * Review DN: the handshake's chain check verified each certificate with the key of the next one the client sent, from
 * its own certificate up, so that anyone who reached the port could make the server check dozens of signatures with
 * keys of its choosing (3072-bit RSA keys with huge exponents: about a CPU second per handshake). It checks from the CA
 * down, so every signature is checked with the CA's key or with the key of a certificate already proven, and refuses a
 * long chain before checking anything.
 */
class ChainCheckOrderTest {
  private static final DevPki PKI = TestPki.get();
  private static final X509Certificate CA = PKI.caCertificate();

  /** Each signature check: the certificate and the key it was checked with, and whether it held. */
  private record Checked(X509Certificate certificate, PublicKey key, boolean held) {}

  private static String check(List<Checked> log, X509Certificate... chain) {
    return ClientCertificateTrustManager.chainProblem(chain, CA, (c, key) -> {
      try {
        c.verify(key);
        log.add(new Checked(c, key, true));
      } catch (java.security.GeneralSecurityException e) {
        log.add(new Checked(c, key, false));
        throw e;
      }
    });
  }

  /** Every check used the CA's key or the key of a certificate whose own check held before it. */
  private static void onlyVouchedForKeys(List<Checked> log) {
    List<PublicKey> vouched = new ArrayList<>(List.of(CA.getPublicKey()));
    for (Checked c : log) {
      assertThat(vouched).as("a key the CA vouched for").contains(c.key());
      if (c.held()) {
        vouched.add(c.certificate().getPublicKey());
      }
    }
  }

  @Test
  void aChainOfMadeUpCaCertificatesIsRefusedWithOneCheckWithTheCasKey() throws Exception {
    KeyPair rogue = ecKeys();
    // a CA certificate that names the real CA as its issuer, signed with its own key: made up
    X509Certificate madeUp = caCertificate(CA.getSubjectX500Principal(),
        new javax.security.auth.x500.X500Principal("CN=made-up issuing CA"), rogue);
    X509Certificate leaf = CustomCerts.issuedBy(madeUp, rogue.getPrivate(), new X500Name("CN=alice"),
        BigInteger.TEN).certificate();
    List<Checked> log = new ArrayList<>();
    assertThat(check(log, leaf, madeUp)).isEqualTo("does not chain to the configured CA");
    assertThat(log).singleElement().satisfies(c -> {
      assertThat(c.key()).isEqualTo(CA.getPublicKey());
      assertThat(c.held()).isFalse();
    });
    onlyVouchedForKeys(log);
  }

  @Test
  void aChainLongerThanAllowedIsRefusedBeforeAnySignatureIsChecked() {
    X509Certificate leaf = CustomCerts.clientWithSubject(PKI, new X500Name("CN=alice")).certificate();
    X509Certificate[] chain = new X509Certificate[ClientCertificateTrustManager.MAX_CHAIN + 1];
    Arrays.fill(chain, CustomCerts.intermediate(PKI, "issuing CA").certificate());
    chain[0] = leaf;
    List<Checked> log = new ArrayList<>();
    assertThat(check(log, chain)).contains("more than the " + ClientCertificateTrustManager.MAX_CHAIN + " allowed");
    assertThat(log).isEmpty();
  }

  @Test
  void aChainThroughAnIntermediateOfTheCaIsCheckedFromTheCaDown() throws Exception {
    CustomCerts.Issued intermediate = CustomCerts.intermediate(PKI, "client issuing CA");
    X509Certificate leaf = CustomCerts.issuedBy(intermediate.certificate(), intermediate.privateKey(),
        new X500Name("CN=alice"), BigInteger.TWO).certificate();
    for (X509Certificate[] chain : List.of(new X509Certificate[] {leaf, intermediate.certificate()},
        new X509Certificate[] {leaf, intermediate.certificate(), CA})) {
      List<Checked> log = new ArrayList<>();
      assertThat(check(log, chain)).isNull();
      assertThat(log).extracting(Checked::certificate).containsExactly(intermediate.certificate(), leaf);
      onlyVouchedForKeys(log);
    }
    // a leaf made up under a real intermediate's name, signed with another key: refused after the intermediate's check
    KeyPair other = ecKeys();
    X509Certificate forged = CustomCerts.issuedBy(intermediate.certificate(), other.getPrivate(),
        new X500Name("CN=alice"), BigInteger.TEN).certificate();
    List<Checked> log = new ArrayList<>();
    assertThat(check(log, forged, intermediate.certificate())).isEqualTo("does not chain to the configured CA");
    onlyVouchedForKeys(log);
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
    kpg.initialize(256);
    return kpg.generateKeyPair();
  }

  private static X509Certificate caCertificate(javax.security.auth.x500.X500Principal issuer,
      javax.security.auth.x500.X500Principal subject, KeyPair keys) throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(77),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
  }
}

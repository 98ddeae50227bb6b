package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.certsdev.Eku;
import dev.sealdrop.certsdev.IssuedCert;
import dev.sealdrop.keys.BundleException.Reason;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 3, "Key bundles": each way a bundle can be wrong is refused with its own reason. */
class BundleVerifierTest {
  @TempDir static Path pkiDir;
  static DevPki pki;
  static BundleVerifier verifier;
  static final PrivateKeys KEYS = PrivateKeys.generate();
  static final Instant IN_30_DAYS = Instant.now().plus(30, ChronoUnit.DAYS);

  @BeforeAll
  static void pki() {
    pki = DevPki.create(pkiDir, false);
    verifier = new BundleVerifier(pki.caCertificate(), Clock.systemUTC());
  }

  static byte[] bundleFor(String user) {
    return KeyBundle.create(user, KEYS.publicKeys(), IN_30_DAYS, pki.privateKey(user),
        List.of(pki.certificate(user))).encoded();
  }

  static byte[] bundleFor(IssuedCert c) {
    return KeyBundle.create(c.name(), KEYS.publicKeys(), IN_30_DAYS, c.privateKey(), List.of(c.certificate()))
        .encoded();
  }

  static void refused(Reason reason, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(BundleException.class,
        e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
  }

  @Test
  void aBundleSignedWithTheIdentitysClientCertificateIsAccepted() throws Exception {
    KeyBundle b = verifier.verify(bundleFor("alice"), "alice");
    assertThat(b.identity()).isEqualTo("alice");
    assertThat(b.publicKeys()).isEqualTo(KEYS.publicKeys());
    assertThat(b.certificate()).isEqualTo(pki.certificate("alice"));
  }

  @Test
  void aForgedSignatureIsRefused() {
    // An attacker swaps in its own encryption key but cannot re-sign with alice's certificate key.
    byte[] b = bundleFor("alice");
    byte[] attackerKey = PrivateKeys.generate().publicKeys().encryption().encoded();
    int at = 8 + 1 + 1 + "alice".length();
    System.arraycopy(attackerKey, 0, b, at, attackerKey.length);
    refused(Reason.BAD_SIGNATURE, () -> verifier.verify(b, "alice"));
    byte[] flipped = bundleFor("alice");
    flipped[flipped.length - 3] ^= 1;
    refused(Reason.BAD_SIGNATURE, () -> verifier.verify(flipped, "alice"));
  }

  @Test
  void aCertificateFromAnotherCaIsRefused() {
    refused(Reason.UNTRUSTED_CERTIFICATE, () -> verifier.verify(bundleFor("mallory"), "mallory"));
    IssuedCert foreignAlice = pki.issue(CertSpec.client("alice-foreign").fromForeignCa());
    refused(Reason.UNTRUSTED_CERTIFICATE, () -> verifier.verify(bundleFor(foreignAlice), "alice-foreign"));
  }

  @Test
  void anIdentityMismatchIsRefused() {
    refused(Reason.IDENTITY_MISMATCH, () -> verifier.verify(bundleFor("alice"), "bob"));
    assertThatThrownBy(() -> KeyBundle.create("bob", KEYS.publicKeys(), IN_30_DAYS, pki.privateKey("alice"),
        List.of(pki.certificate("alice")))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("subject CN");
  }

  @Test
  void anExpiredOrNotYetValidCertificateIsRefused() {
    Instant now = Instant.now();
    IssuedCert expired = pki.issue(CertSpec.client("erin").withValidity(now.minus(Duration.ofDays(10)),
        now.minus(Duration.ofDays(1))));
    byte[] b = KeyBundle.create("erin", KEYS.publicKeys(), IN_30_DAYS, expired.privateKey(),
        List.of(expired.certificate())).encoded();
    refused(Reason.CERTIFICATE_EXPIRED, () -> verifier.verify(b, "erin"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> verifier.verify(b, "erin"))
        .hasMessageContaining("renew it");
    IssuedCert future = pki.issue(CertSpec.client("frank").withValidity(now.plus(Duration.ofDays(1)),
        now.plus(Duration.ofDays(10))));
    refused(Reason.CERTIFICATE_EXPIRED, () -> verifier.verify(bundleFor(future), "frank"));
    // round AV: not "renew it": a clock is wrong
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> verifier.verify(bundleFor(future), "frank"))
        .hasMessageContaining("not valid yet").hasMessageContaining("clock").hasMessageNotContaining("renew");
  }

  @Test
  void aCertificateWithoutClientAuthIsRefused() {
    for (Eku eku : new Eku[] {Eku.SERVER_AUTH, Eku.NO_EXTENSION, Eku.ANY_EXTENDED_KEY_USAGE}) {
      IssuedCert c = pki.issue(CertSpec.client("gina-" + eku.name().toLowerCase(java.util.Locale.ROOT)).withEku(eku));
      refused(Reason.NOT_CLIENT_AUTH, () -> verifier.verify(bundleFor(c), c.name()));
    }
  }

  /**
   * The server refuses anyExtendedKeyUsage beside clientAuth, and a key usage without
   * digitalSignature, at the handshake and on every call: a bundle signed with such a certificate is
   * refused by the same rule ({@link ClientCertificates}), not accepted because it names clientAuth.
   */
  @Test
  void aCertificateTheServerRefusesCannotVouchForABundleEither() {
    IssuedCert any = pki.issue(CertSpec.client("hana").withEku(Eku.CLIENT_AUTH_AND_ANY));
    assertThatThrownBy(() -> verifier.verify(bundleFor(any), "hana")).isInstanceOfSatisfying(BundleException.class,
        e -> {
          assertThat(e.reason()).isEqualTo(Reason.NOT_CLIENT_AUTH);
          assertThat(e.getMessage()).contains("the certificate allows anyExtendedKeyUsage");
        });
    IssuedCert cannotSign = pki.issue(CertSpec.client("hugo").withoutDigitalSignature());
    assertThatThrownBy(() -> verifier.verify(bundleFor(cannotSign), "hugo"))
        .isInstanceOfSatisfying(BundleException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.NOT_CLIENT_AUTH);
          assertThat(e.getMessage()).contains("key usage that lacks digitalSignature");
        });
  }

  @Test
  void aBundleSignedWithACaCertificateIsRefusedAsNotAClientCertificate() throws Exception {
    // from the deployment CA, CN and EKU clientAuth right: still a CA's certificate, no identity's
    IssuedCert ca = pki.issue(CertSpec.client("ivan").asCa());
    assertThatThrownBy(() -> verifier.verify(bundleFor(ca), "ivan")).isInstanceOfSatisfying(BundleException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.NOT_CLIENT_AUTH);
      assertThat(e.getMessage()).contains("is a CA certificate (basicConstraints CA:true), not a client certificate");
    });
    IssuedCert endEntity = pki.issue(CertSpec.client("ivan"));
    assertThat(verifier.verify(bundleFor(endEntity), "ivan").identity()).isEqualTo("ivan");
  }

  @Test
  void anExpiredBundleIsRefused() {
    byte[] b = bundleFor("alice");
    BundleVerifier later = new BundleVerifier(pki.caCertificate(),
        Clock.fixed(IN_30_DAYS.plus(Duration.ofDays(1)), ZoneOffset.UTC));
    refused(Reason.BUNDLE_EXPIRED, () -> later.verify(b, "alice"));
  }

  @Test
  void aFreshBundleIsAcceptedByAVerifierWhoseClockIsBehindTheSigners() throws Exception {
    // alice's laptop runs two minutes fast: the server (or bob) must still accept the bundle she just
    // made, not refuse it as "expired" while she is publishing it.
    byte[] b = bundleFor("alice");
    BundleVerifier behind = new BundleVerifier(pki.caCertificate(),
        Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-2)));
    assertThat(behind.verify(b, "alice").identity()).isEqualTo("alice");
  }

  @Test
  void aBundleNotYetValidIsRefusedWithAClockHintNotAsExpired() {
    Instant now = Instant.now();
    IssuedCert longLived = pki.issue(CertSpec.client("hank").withValidity(now.minus(Duration.ofDays(10)),
        now.plus(Duration.ofDays(10))));
    byte[] b = bundleFor(longLived);
    BundleVerifier wayBehind = new BundleVerifier(pki.caCertificate(),
        Clock.offset(Clock.systemUTC(), Duration.ofDays(-1)));
    assertThatThrownBy(() -> wayBehind.verify(b, "hank")).isInstanceOfSatisfying(BundleException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.BUNDLE_EXPIRED);
      assertThat(e.getMessage()).contains("not valid before").contains("clock").doesNotContain("publish a fresh");
    });
  }

  @Test
  void malformedBundlesAreRefusedBeforeAnyCryptography() {
    byte[] b = bundleFor("alice");
    refused(Reason.MALFORMED, () -> verifier.verify(Arrays.copyOf(b, b.length - 1), "alice"));
    refused(Reason.MALFORMED, () -> verifier.verify(Arrays.copyOf(b, b.length + 1), "alice"));
    refused(Reason.MALFORMED, () -> verifier.verify(new byte[0], "alice"));
    refused(Reason.MALFORMED, () -> verifier.verify(new byte[50_000], "alice"));
    byte[] badMagic = b.clone();
    badMagic[0] = 'X';
    refused(Reason.MALFORMED, () -> verifier.verify(badMagic, "alice"));
  }

  @Test
  void aCertificateFieldThatIsNotExactlyOneDerCertificateIsMalformedEvenWhenSigned() throws Exception {
    // The spec says cert_der is DER and parsing consumes every byte; the JDK's CertificateFactory
    // also reads PEM and ignores bytes after the first certificate. alice can sign either shape.
    byte[] der = pki.certificate("alice").getEncoded();
    String pem = "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder().encodeToString(der)
        + "\n-----END CERTIFICATE-----\n";
    byte[][] shapes = {pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII), Arrays.copyOf(der, der.length + 1)};
    for (byte[] certField : shapes) {
      byte[] b = signedWithCertificateField("alice", certField);
      refused(Reason.MALFORMED, () -> KeyBundle.decode(b));
      refused(Reason.MALFORMED, () -> verifier.verify(b, "alice"));
    }
    // the same construction with the certificate's exact DER is a valid bundle
    assertThat(verifier.verify(signedWithCertificateField("alice", der), "alice").identity()).isEqualTo("alice");
  }

  /** A bundle for {@code user} whose one certificate field holds {@code certField}, signed with the user's key. */
  static byte[] signedWithCertificateField(String user, byte[] certField) throws Exception {
    byte[] valid = bundleFor(user);
    int certCountAt = 8 + 1 + 1 + user.length() + 1216 + 32 + 8 + 8;
    java.io.ByteArrayOutputStream tbs = new java.io.ByteArrayOutputStream();
    tbs.write(valid, 0, certCountAt);
    tbs.write(1);
    tbs.write(certField.length >>> 8);
    tbs.write(certField.length & 0xff);
    tbs.write(certField);
    java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
    s.initSign(pki.privateKey(user));
    s.update("sealdrop/v1/key-bundle".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    s.update(tbs.toByteArray());
    byte[] sig = s.sign();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(tbs.toByteArray());
    out.write(sig.length >>> 8);
    out.write(sig.length & 0xff);
    out.write(sig);
    return out.toByteArray();
  }

  @Test
  void aValidityTimeOutsideTheRepresentableRangeIsMalformedNotARuntimeError() {
    // not_before and not_after are i64 seconds: a bundle from a hostile server or file may carry any
    // value, and a verifier must refuse it as MALFORMED, not fail with a DateTimeException.
    int notBeforeAt = 8 + 1 + 1 + "alice".length() + 1216 + 32;
    for (long[] times : new long[][] {{0, Long.MAX_VALUE}, {Long.MIN_VALUE, 0}, {Long.MIN_VALUE, Long.MAX_VALUE}}) {
      byte[] b = bundleFor("alice");
      java.nio.ByteBuffer.wrap(b, notBeforeAt, 16).putLong(times[0]).putLong(times[1]);
      refused(Reason.MALFORMED, () -> verifier.verify(b, "alice"));
      refused(Reason.MALFORMED, () -> KeyBundle.decode(b));
    }
  }

  @Test
  void aRecipientKeyWithALowOrderX25519PartIsMalformed() {
    // alice could sign such a bundle with her own certificate key: before, it was pinned, and sealing
    // to it failed with an IllegalStateException ("X25519 agreement failed"). The parser refuses it.
    int x25519At = 8 + 1 + 1 + "alice".length() + 1184;
    for (byte u : new byte[] {0, 1}) {
      byte[] b = bundleFor("alice");
      Arrays.fill(b, x25519At, x25519At + 32, (byte) 0);
      b[x25519At] = u;
      refused(Reason.MALFORMED, () -> KeyBundle.decode(b));
      refused(Reason.MALFORMED, () -> verifier.verify(b, "alice"));
    }
  }

  @Test
  void theFingerprintIsStableAcrossRenewalAndChangesWithTheKeys() {
    KeyBundle a = KeyBundle.create("alice", KEYS.publicKeys(), IN_30_DAYS, pki.privateKey("alice"),
        List.of(pki.certificate("alice")));
    KeyBundle renewed = KeyBundle.create("alice", KEYS.publicKeys(), IN_30_DAYS.plus(Duration.ofDays(60)),
        pki.privateKey("alice"), List.of(pki.certificate("alice"), pki.caCertificate()));
    KeyBundle rekeyed = KeyBundle.create("alice", PrivateKeys.generate().publicKeys(), IN_30_DAYS,
        pki.privateKey("alice"), List.of(pki.certificate("alice")));
    assertThat(renewed.fingerprint()).isEqualTo(a.fingerprint());
    assertThat(rekeyed.fingerprint()).isNotEqualTo(a.fingerprint());
  }
}

package dev.sealdrop.keys;

import dev.sealdrop.keys.internal.ByteReader;
import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.Certificates;
import dev.sealdrop.keys.internal.Fingerprints;
import dev.sealdrop.keys.internal.FormatException;
import dev.sealdrop.keys.internal.Labels;
import dev.sealdrop.keys.internal.XWing;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An identity's public keys and their validity, signed with the private key of the identity's
 * X.509 client certificate and carrying that certificate (spec §"Key bundles"). Decoding only
 * parses; {@link BundleVerifier} decides whether to trust it. The signature covers the exact
 * bytes received, which are kept and returned by {@link #encoded()}.
 */
public final class KeyBundle {
  static final int VERSION = 1;
  /** The largest encoded bundle a reader accepts (docs/envelope-format.md, "Key bundles"). */
  public static final int MAX_ENCODED = 40 * 1024;
  static final int MAX_CERTS = 4;
  static final int MAX_CERT_BYTES = 8192;
  static final int MAX_SIGNATURE_BYTES = 1024;
  /**
   * How far before its signing time a bundle's validity starts, so that a verifier whose clock is
   * behind the signer's (the server, a recipient's laptop) does not refuse a fresh bundle as not yet
   * valid. The same margin as the development PKI's certificates.
   */
  static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofHours(1);

  private final byte[] encoded;
  private final int tbsLength;
  private final String identity;
  private final RecipientKey recipientKey;
  private final VerifyingKey verifyingKey;
  private final Instant notBefore;
  private final Instant notAfter;
  private final List<X509Certificate> chain;
  private final byte[] signature;

  private KeyBundle(byte[] encoded, int tbsLength, String identity, RecipientKey recipientKey,
      VerifyingKey verifyingKey, Instant notBefore, Instant notAfter, List<X509Certificate> chain, byte[] signature) {
    this.encoded = encoded;
    this.tbsLength = tbsLength;
    this.identity = identity;
    this.recipientKey = recipientKey;
    this.verifyingKey = verifyingKey;
    this.notBefore = notBefore;
    this.notAfter = notAfter;
    this.chain = List.copyOf(chain);
    this.signature = signature;
  }

  /**
   * Signs a bundle valid from an hour before now (whole seconds; see {@link #CLOCK_SKEW_ALLOWANCE}) until
   * {@code notAfter}. {@code identity} must be
   * the subject CN of {@code certificateChain.get(0)}, whose key {@code certificateKey} must be.
   */
  public static KeyBundle create(String identity, PublicKeys keys, Instant notAfter,
      PrivateKey certificateKey, List<X509Certificate> certificateChain) {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(notAfter, "notAfter");
    Objects.requireNonNull(certificateKey, "certificateKey");
    if (certificateChain == null || certificateChain.isEmpty() || certificateChain.size() > MAX_CERTS) {
      throw new IllegalArgumentException("certificateChain must hold 1.." + MAX_CERTS + " certificates, leaf first");
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant notBefore = now.minus(CLOCK_SKEW_ALLOWANCE);
    Instant until = notAfter.truncatedTo(ChronoUnit.SECONDS);
    if (until.isBefore(now)) { // inclusive, as BundleVerifier and RFC 5280 take a notAfter
      throw new IllegalArgumentException("notAfter must not be in the past");
    }
    try {
      X509Certificate leaf = certificateChain.get(0);
      if (!identity.equals(Certificates.identity(leaf))) {
        throw new IllegalArgumentException("identity \"" + identity + "\" is not the certificate's subject CN");
      }
      ByteWriter w = new ByteWriter().bytes(Labels.ascii(Labels.BUNDLE_MAGIC)).u8(VERSION).str8(identity)
          .bytes(keys.encryption().encoded()).bytes(keys.signing().encoded())
          .i64(notBefore.getEpochSecond()).i64(until.getEpochSecond()).u8(certificateChain.size());
      for (X509Certificate c : certificateChain) {
        byte[] der = c.getEncoded();
        if (der.length > MAX_CERT_BYTES) {
          throw new IllegalArgumentException("certificate larger than " + MAX_CERT_BYTES + " bytes");
        }
        w.u16(der.length).bytes(der);
      }
      byte[] tbs = w.toByteArray();
      String alg = Certificates.signatureAlgorithm(leaf.getPublicKey());
      Signature s = Signature.getInstance(alg);
      s.initSign(certificateKey);
      s.update(Labels.ascii(Labels.BUNDLE_SIGNATURE));
      s.update(tbs);
      byte[] sig = s.sign();
      byte[] encoded = new ByteWriter().bytes(tbs).u16(sig.length).bytes(sig).toByteArray();
      KeyBundle b = decode(encoded);
      if (!b.signatureValid()) {
        throw new IllegalArgumentException("certificateKey is not the key of the leaf certificate");
      }
      return b;
    } catch (GeneralSecurityException | FormatException | BundleException e) {
      throw new IllegalArgumentException("cannot create key bundle: " + e.getMessage(), e);
    }
  }

  /** An i64 of seconds since the epoch, refused (not thrown as a runtime error) outside the range of {@link Instant}. */
  private static Instant instant(long seconds, String field) throws FormatException {
    if (seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond()) {
      throw new FormatException(field + " " + seconds + " is outside the representable time range");
    }
    return Instant.ofEpochSecond(seconds);
  }

  /** Parses a bundle. Does NOT verify it: use {@link BundleVerifier#verify}. */
  public static KeyBundle decode(byte[] encoded) throws BundleException {
    Objects.requireNonNull(encoded, "encoded");
    if (encoded.length > MAX_ENCODED) {
      throw new BundleException(BundleException.Reason.MALFORMED, "larger than " + MAX_ENCODED + " bytes");
    }
    byte[] copy = encoded.clone();
    try {
      ByteReader r = new ByteReader(copy);
      if (!Arrays.equals(r.bytes(8, "magic"), Labels.ascii(Labels.BUNDLE_MAGIC))) {
        throw new FormatException("not a sealdrop key bundle (bad magic)");
      }
      int version = r.u8("version");
      if (version != VERSION) {
        throw new FormatException("unsupported bundle version " + version);
      }
      String identity = r.str8("identity", 1, 255);
      RecipientKey rk = RecipientKey.decode(r.bytes(XWing.PUBLIC_KEY_BYTES, "X-Wing key"));
      VerifyingKey vk = VerifyingKey.decode(r.bytes(VerifyingKey.ENCODED_BYTES, "Ed25519 key"));
      Instant nb = instant(r.i64("not_before"), "not_before");
      Instant na = instant(r.i64("not_after"), "not_after");
      if (!na.isAfter(nb)) {
        throw new FormatException("not_after is not after not_before");
      }
      int n = r.u8("certificate count");
      if (n < 1 || n > MAX_CERTS) {
        throw new FormatException("certificate count " + n + " is outside 1.." + MAX_CERTS);
      }
      List<X509Certificate> chain = new ArrayList<>(n);
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (int i = 0; i < n; i++) {
        int len = r.u16("certificate length");
        if (len < 1 || len > MAX_CERT_BYTES) {
          throw new FormatException("certificate length " + len + " is outside 1.." + MAX_CERT_BYTES);
        }
        byte[] der = r.bytes(len, "certificate");
        X509Certificate cert = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
        // The JDK's factory also reads PEM and stops after the first certificate: the spec wants
        // exactly one DER certificate in exactly these bytes.
        if (!Arrays.equals(cert.getEncoded(), der)) {
          throw new FormatException("certificate " + (i + 1) + " is not exactly one DER-encoded certificate");
        }
        chain.add(cert);
      }
      int tbsLength = r.position();
      int sigLen = r.u16("signature length");
      if (sigLen < 1 || sigLen > MAX_SIGNATURE_BYTES) {
        throw new FormatException("signature length " + sigLen + " is outside 1.." + MAX_SIGNATURE_BYTES);
      }
      byte[] sig = r.bytes(sigLen, "signature");
      r.expectEnd("key bundle");
      return new KeyBundle(copy, tbsLength, identity, rk, vk, nb, na, chain, sig);
    } catch (FormatException | KeyFormatException | CertificateException | ClassCastException e) {
      throw new BundleException(BundleException.Reason.MALFORMED, e.getMessage());
    }
  }

  /** Whether the leaf certificate's key signed exactly these bytes. */
  boolean signatureValid() {
    try {
      Signature s = Signature.getInstance(Certificates.signatureAlgorithm(certificate().getPublicKey()));
      s.initVerify(certificate().getPublicKey());
      s.update(Labels.ascii(Labels.BUNDLE_SIGNATURE));
      s.update(encoded, 0, tbsLength);
      return s.verify(signature);
    } catch (GeneralSecurityException | FormatException e) {
      return false;
    }
  }

  List<X509Certificate> chain() {
    return chain;
  }

  public byte[] encoded() {
    return encoded.clone();
  }

  public String identity() {
    return identity;
  }

  /** Short, stable fingerprint of (identity, X-Wing key, Ed25519 key); unchanged by renewal. */
  public String fingerprint() {
    byte[] id = new ByteWriter().str8(identity).toByteArray();
    return Fingerprints.display(Fingerprints.hash(Labels.BUNDLE_FP, id, recipientKey.encoded(), verifyingKey.encoded()));
  }

  public RecipientKey recipientKey() {
    return recipientKey;
  }

  public VerifyingKey verifyingKey() {
    return verifyingKey;
  }

  public PublicKeys publicKeys() {
    return new PublicKeys(recipientKey, verifyingKey);
  }

  /** The leaf (identity) certificate. */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  public Instant notBefore() {
    return notBefore;
  }

  public Instant notAfter() {
    return notAfter;
  }

  @Override
  public String toString() {
    return "KeyBundle[" + identity + ", " + fingerprint() + ", until " + notAfter + "]";
  }
}

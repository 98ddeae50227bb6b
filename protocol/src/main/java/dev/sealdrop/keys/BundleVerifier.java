package dev.sealdrop.keys;

import dev.sealdrop.keys.BundleException.Reason;
import dev.sealdrop.keys.internal.Certificates;
import dev.sealdrop.keys.internal.FormatException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a key bundle speaks for an identity (spec §"Key bundles", verification order):
 * parse; chain to the one trust anchor at the clock's time; a client certificate by the rule the
 * server applies too ({@link ClientCertificates}); a supported key;
 * signature; identity;
 * bundle validity. Each failure has its own {@link Reason}.
 */
public final class BundleVerifier {
  private final X509Certificate trustAnchor;
  private final Clock clock;

  public BundleVerifier(X509Certificate trustAnchor, Clock clock) {
    this.trustAnchor = Objects.requireNonNull(trustAnchor, "trustAnchor");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public KeyBundle verify(byte[] encoded, String expectedIdentity) throws BundleException {
    Objects.requireNonNull(expectedIdentity, "expectedIdentity");
    KeyBundle b = KeyBundle.decode(encoded);
    Instant now = clock.instant();
    if (b.certificate().hasUnsupportedCriticalExtension()) {
      // said as what it is: path validation refuses such a certificate too, but as "does not chain to the CA"
      // (outside test: init blamed the CA for a certificate with an unknown critical extension)
      checkClientAuth(b.certificate());
    }
    checkChain(b.chain(), now);
    checkClientAuth(b.certificate());
    java.util.Optional<String> unsupported = Certificates.unsupported(b.certificate().getPublicKey());
    if (unsupported.isPresent()) {
      throw new BundleException(Reason.UNSUPPORTED_KEY, unsupported.get());
    }
    if (!b.signatureValid()) {
      throw new BundleException(Reason.BAD_SIGNATURE,
          "the certificate's key did not sign this bundle; it was forged or modified");
    }
    String cn;
    try {
      cn = Certificates.identity(b.certificate());
    } catch (FormatException e) {
      throw new BundleException(Reason.IDENTITY_MISMATCH, e.getMessage());
    }
    if (!cn.equals(b.identity()) || !cn.equals(expectedIdentity)) {
      throw new BundleException(Reason.IDENTITY_MISMATCH, "expected \"" + expectedIdentity
          + "\" but the bundle names \"" + b.identity() + "\" and its certificate \"" + cn + "\"");
    }
    if (now.isBefore(b.notBefore())) {
      throw new BundleException(Reason.BUNDLE_EXPIRED, "not valid before " + b.notBefore() + " (it is "
          + shown(now) + " here): this computer's clock or the clock of " + b.identity() + " is wrong; correct it and retry");
    }
    if (now.isAfter(b.notAfter())) {
      throw new BundleException(Reason.BUNDLE_EXPIRED, "valid only from " + b.notBefore() + " to "
          + b.notAfter() + "; ask " + b.identity() + " to publish a fresh bundle");
    }
    return b;
  }

  /** A moment as messages show it: to the second (round BJ: nine fractional digits). */
  private static String shown(Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  private void checkChain(List<X509Certificate> chain, Instant now) throws BundleException {
    try {
      List<X509Certificate> path = new ArrayList<>(chain);
      // The anchor is given separately; a chain that also carries it validates the same.
      path.removeIf(c -> c.equals(trustAnchor));
      if (path.isEmpty()) {
        throw new BundleException(Reason.UNTRUSTED_CERTIFICATE, "the bundle carries only the CA certificate");
      }
      CertPath cp = CertificateFactory.getInstance("X.509").generateCertPath(path);
      PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(trustAnchor, null)));
      params.setRevocationEnabled(false);
      params.setDate(Date.from(now));
      CertPathValidator.getInstance("PKIX").validate(cp, params);
      for (X509Certificate intermediate : path.subList(1, path.size())) {
        java.util.Optional<String> problem = ClientCertificates.intermediateProblem(intermediate);
        if (problem.isPresent()) {
          // the rule the server's TLS port applies (review EB: a server holding such an intermediate's key could make
          // a bundle for anyone that the CLI pinned, though the port refuses its certificate)
          throw new BundleException(Reason.UNTRUSTED_CERTIFICATE, "the certificate was issued by the intermediate CA '"
              + intermediate.getSubjectX500Principal().getName() + "', which " + problem.get() + ", so it may not"
              + " issue identities");
        }
      }
    } catch (CertPathValidatorException e) {
      if (e.getReason() == BasicReason.NOT_YET_VALID) {
        // round AV: "renew it" is no cure for a certificate whose validity starts later: a clock is wrong, or it was
        // issued with a future start
        throw new BundleException(Reason.CERTIFICATE_EXPIRED, "a certificate of the bundle is not valid yet at "
            + shown(now)
            + " (its validity starts later): this computer's clock, or the clock of the machine that issued it, is"
            + " wrong; check the clocks, or publish a bundle with a certificate that is valid now");
      }
      if (e.getReason() == BasicReason.EXPIRED) {
        throw new BundleException(Reason.CERTIFICATE_EXPIRED,
            "the certificate is not valid at " + shown(now) + "; renew it and publish a new bundle");
      }
      throw new BundleException(Reason.UNTRUSTED_CERTIFICATE,
          "the certificate does not chain to this deployment's CA");
    } catch (GeneralSecurityException e) {
      throw new BundleException(Reason.UNTRUSTED_CERTIFICATE, "the certificate chain cannot be validated");
    }
  }

  /** The client-certificate rule the server applies at every handshake and call, {@link ClientCertificates}. */
  private static void checkClientAuth(X509Certificate leaf) throws BundleException {
    java.util.Optional<String> problem = ClientCertificates.problem(leaf);
    if (problem.isPresent()) {
      throw new BundleException(Reason.NOT_CLIENT_AUTH, "the certificate " + problem.get());
    }
  }
}

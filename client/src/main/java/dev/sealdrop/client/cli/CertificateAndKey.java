package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.ShellWords;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.Pem;
import dev.sealdrop.client.trust.KeyTrust;
import dev.sealdrop.keys.CertificateKeys;
import dev.sealdrop.keys.ClientCertificates;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PublicKeys;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * A client certificate (with any intermediates after it) and its private key, as the user names them with
 * {@code --cert} and {@code --key} ({@code init}, {@code keys renew}): read, checked that they belong
 * together and are usable now, and able to sign a key bundle that peers will accept.
 */
final class CertificateAndKey {
  /** What to do about a certificate key sealdrop or its server's TLS cannot use. */
  static final String TLS_KEY_HINT = "ask your CA for a client certificate with an ECDSA P-256 (or P-384) or RSA key,"
      + " which every sealdrop server accepts, and pass it as --cert (`openssl x509 -noout -text -in FILE` shows a"
      + " certificate's key type)";
  private final Path certFile;
  private final Path keyFile;
  private final List<X509Certificate> chain;
  private final PrivateKey key;
  private final String identity;
  /** The files' bytes as they were checked: what a profile stores, whatever is written to the files since. */
  private final byte[] certBytes;
  private final byte[] keyBytes;

  private CertificateAndKey(Path certFile, Path keyFile, List<X509Certificate> chain, PrivateKey key, String identity,
      byte[] certBytes, byte[] keyBytes) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.chain = chain;
    this.key = key;
    this.identity = identity;
    this.certBytes = certBytes;
    this.keyBytes = keyBytes;
  }

  /** The {@code --cert} file's bytes as checked. */
  byte[] certificateBytes() {
    return certBytes.clone();
  }

  /** The {@code --key} file's bytes as checked. */
  byte[] keyBytes() {
    return keyBytes.clone();
  }

  /**
   * {@code file}'s bytes, read again after it was checked (review RH: {@code init} and {@code keys renew} checked the
   * files, asked for the passphrase, then copied them from disk again: a renewal job that rewrote them meanwhile left a
   * profile whose key was not its certificate's). Refused if they differ from {@code before}.
   */
  static byte[] unchangedSince(String option, Path file, byte[] before) throws UsageFailure {
    byte[] now = snapshot(option, file);
    if (!java.security.MessageDigest.isEqual(before, now)) {
      throw new UsageFailure("FILE_CHANGED", option + " " + file + " changed while it was read; nothing was written",
          "run the command again once whatever writes it has finished");
    }
    return now;
  }

  /** {@code file}'s bytes (a PEM file is a few KiB; one of over 1 MiB is no certificate or key). */
  static byte[] snapshot(String option, Path file) throws UsageFailure {
    try {
      if (java.nio.file.Files.size(file) > 1 << 20) {
        throw new UsageFailure("BAD_" + (option.equals("--key") ? "KEY" : "CERTIFICATE"), option + " " + file
            + " is larger than any certificate or key (over 1 MiB)", "check " + option);
      }
      return java.nio.file.Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      throw new UsageFailure("BAD_" + (option.equals("--key") ? "KEY" : "CERTIFICATE"), "cannot read " + file + ": "
          + dev.sealdrop.client.failure.IoReason.of(e), "check " + option);
    }
  }

  /**
   * A warning when the {@code --key} file the profile copied can be read by other local users (round R: a 0644 key was
   * taken silently). The profile's own copy is owner-only; the original stays where it is, readable by them, and
   * whoever reads it can act as this identity until the certificate is revoked. Empty on a file system without POSIX
   * permissions, where there is nothing to say.
   */
  static Optional<String> othersCanRead(Path key) {
    try {
      java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = java.nio.file.Files.getPosixFilePermissions(key);
      if (mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
          || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
        return Optional.of("--key " + key + " can be read by other users of this machine ("
            + java.nio.file.attribute.PosixFilePermissions.toString(mode) + "); the profile keeps its own owner-only"
            + " copy, so delete the original, or `chmod 600 " + ShellWords.of(key.toString()) + "` it: whoever reads it"
            + " can connect as you until the certificate is revoked");
      }
      return Optional.empty();
    } catch (UnsupportedOperationException | java.io.IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Reads {@code cert} (the certificate, then any intermediate CA certificates between it and the CA: the usual
   * shape of an organisation's PKI) and {@code key}. Refused with a reason naming the files: an algorithm key
   * bundles cannot use (before the key is read, where it would be "cannot parse"), or one the server's TLS does not
   * take (Ed25519, P-521), a certificate outside its dates, a key that is not the certificate's.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the files")
  static CertificateAndKey read(Path cert, Path key, Instant now) throws SealdropFailure {
    requirePemFile("--cert", cert);
    requirePemFile("--key", key);
    byte[] certBytes = snapshot("--cert", cert);
    byte[] keyBytes = snapshot("--key", key);
    List<X509Certificate> chain = List.of(Pem.certificates(cert));
    X509Certificate certificate = chain.get(0);
    Optional<String> unsupported = CertificateKeys.unsupportedAlgorithm(certificate);
    if (unsupported.isPresent()) {
      throw new UsageFailure("CERT_KEY_UNSUPPORTED", "cannot use " + cert + ": " + unsupported.get(),
          TLS_KEY_HINT);
    }
    Optional<String> notForTls = CertificateKeys.unusableForTls(certificate);
    if (notForTls.isPresent()) {
      // refused here, not at the first transfer: a profile on this certificate could never connect
      throw new UsageFailure("CERT_KEY_NOT_FOR_TLS", "cannot use " + cert + ": " + notForTls.get(), TLS_KEY_HINT);
    }
    refuseOutsideValidity(cert, certificate, now);
    PrivateKey privateKey = Pem.privateKey(key);
    refuseOutOfOrder(cert, key, chain, privateKey);
    String identity = Pem.identity(certificate);
    // (a CA certificate given as --cert is told as what it is, later, by signBundle)
    if (certificate.getBasicConstraints() < 0 && !OpenCommand.IDENTITY.matcher(identity).matches()) {
      // the server refuses such a subject at every handshake (outside test: init made a profile that never connected)
      throw new UsageFailure("CERT_NOT_USABLE", "--cert " + cert + " names \"" + TerminalText.clean(identity) + "\" (its"
          + " subject CN), which is not an identity name the server accepts: 1 to 64 letters, digits, '.', '_', '@' or"
          + " '-', starting with a letter or digit", "ask your CA for a certificate whose CN is your identity name");
    }
    if (!CertificateKeys.isKeyOf(certificate, privateKey)) {
      // said with the files named, as the user gave them (KeyBundle.create's own check speaks of its parameters)
      throw new UsageFailure("KEY_CERT_MISMATCH", "--key " + key + " is not the private key of --cert " + cert
          + " (" + identity + "'s certificate)", "pass the key file that was issued together with that certificate");
    }
    // what was parsed is what was read before: the bytes a profile stores are the ones checked here
    unchangedSince("--cert", cert, certBytes);
    unchangedSince("--key", key, keyBytes);
    return new CertificateAndKey(cert, key, chain, privateKey, identity, certBytes, keyBytes);
  }

  /**
   * Refuses (2) an {@code option} ({@code --cert}, {@code --key}, {@code --ca}) whose {@code file} is a folder
   * ({@code IS_A_FOLDER}), does not exist ({@code FILE_NOT_FOUND}) or is no regular file, naming the option.
   */
  static void requirePemFile(String option, Path file) throws UsageFailure {
    InputFile.requireRegularFile(file, option + " names one PEM file", "name the file itself, not the folder that"
        + " holds it", missingHint(option, file));
  }

  /**
   * What to check about a PEM file that is not there: a relative path is read from the working folder, named (review
   * DV: after a `cd`, "check --cert" said nothing of it); the development PKI's folder is made by the development
   * server's first start.
   */
  static String missingHint(String option, Path file) {
    String hint = "check " + option;
    if (!file.isAbsolute()) {
      hint += " (a relative path is read from the working folder, " + Path.of("").toAbsolutePath() + ")";
    }
    Path folder = file.toAbsolutePath().normalize().getParent();
    if (folder != null && folder.endsWith(Path.of("certs-dev", "out"))) {
      // review DW: said of any missing file there, it sent a typo (alcie.crt) to start a server that never makes it
      hint += java.nio.file.Files.isDirectory(folder)
          ? "; the development PKI there holds alice, bob, carol and dave (NAME.crt, NAME.key, ca.crt)"
          : "; the development certificates are made by the first start of the development server (`java -jar"
              + " server/target/sealdrop-server.jar --dev`, from the repository's folder), in its certs-dev/out";
    }
    return hint;
  }

  /**
   * The key belongs to a later certificate of the file than the first: the chain was written the other way round
   * (an intermediate's certificate, then the user's). Said as such, naming both, not as a key that does not fit the
   * intermediate's certificate, or as that certificate's missing CN.
   */
  private static void refuseOutOfOrder(Path cert, Path key, List<X509Certificate> chain, PrivateKey privateKey)
      throws UsageFailure {
    if (CertificateKeys.isKeyOf(chain.get(0), privateKey)) {
      return;
    }
    for (int i = 1; i < chain.size(); i++) {
      if (CertificateKeys.isKeyOf(chain.get(i), privateKey)) {
        throw new UsageFailure("CERT_CHAIN_ORDER", "--cert " + cert + " lists its certificates out of order: the one"
            + " --key " + key + " belongs to (" + chain.get(i).getSubjectX500Principal().getName() + ") is number "
            + (i + 1) + ", after " + chain.get(0).getSubjectX500Principal().getName(), "put your own certificate"
            + " first in the file, then the intermediate CA's (PEM), e.g. `cat mine.crt intermediate.crt > chain.crt`,"
            + " and pass that as --cert");
      }
    }
  }

  /**
   * A certificate past its notAfter (or before its notBefore) can neither sign a key bundle that others accept
   * nor pass the server's handshake: said with its dates, before anything is read or written. Both dates are
   * inclusive (RFC 5280 §4.1.2.5), as the JDK's PKIX validation of bundles and the server's check take them: a
   * certificate is still valid at its notAfter.
   */
  private static void refuseOutsideValidity(Path file, X509Certificate certificate, Instant now) throws UsageFailure {
    Instant notAfter = certificate.getNotAfter().toInstant();
    Instant notBefore = certificate.getNotBefore().toInstant();
    if (now.isAfter(notAfter)) {
      throw new UsageFailure("CERTIFICATE_EXPIRED", "--cert " + file + " expired at " + notAfter + " (now: "
          + now.truncatedTo(ChronoUnit.SECONDS) + ")", "ask your CA for a renewed client certificate and pass it as"
          + " --cert; if its dates look right, check this machine's clock");
    }
    if (now.isBefore(notBefore)) {
      throw new UsageFailure("CERTIFICATE_NOT_YET_VALID", "--cert " + file + " is valid only from " + notBefore
          + " (now: " + now.truncatedTo(ChronoUnit.SECONDS) + ")", "wait until then, or check this machine's clock");
    }
  }

  /** The identity the certificate names (its subject CN). */
  String identity() {
    return identity;
  }

  /** The client certificate itself (the chain's first). */
  X509Certificate certificate() {
    return chain.get(0);
  }

  Path certFile() {
    return certFile;
  }

  Path keyFile() {
    return keyFile;
  }

  /**
   * Signs a bundle of {@code keys} with the certificate's key, valid until the chain's earliest expiry (it cannot
   * be verified after any of its certificates expires), carrying the chain without the trust anchor (a --cert file
   * may end with the root; peers have it as their CA), and checks that peers trusting {@code ca} (named to the user
   * as {@code caName}) will accept it.
   */
  KeyBundle signBundle(PublicKeys keys, X509Certificate ca, String caName, KeyTrust trust) throws SealdropFailure {
    if (chain.get(0).equals(ca)) {
      // the trust anchor is left out of the chain below, which would leave no certificate: said as what it is
      throw new UsageFailure("CERT_NOT_USABLE", "your certificate cannot vouch for your keys: --cert " + certFile + " "
          + ClientCertificates.problem(ca).orElse("is not a client certificate issued by the CA") + " (it is "
          + caName + " itself)", "pass your own client certificate (issued to your name by that CA) as --cert and its"
          + " key as --key; the CA certificate belongs in " + caName + " only");
    }
    KeyBundle bundle;
    try {
      bundle = KeyBundle.create(identity, keys, validUntil(), key, chain.stream().filter(c -> !c.equals(ca)).toList());
    } catch (IllegalArgumentException e) {
      // not the key: read() checked it against the certificate; what is left is the --cert file's chain (too many
      // certificates, one too large or past its end)
      throw new UsageFailure("CERT_NOT_USABLE", "cannot sign your key bundle with --cert " + certFile + ": "
          + e.getMessage(), "--cert must hold your certificate, then any intermediate CA certificates (PEM), at most"
          + " 4 in all, each valid now");
    }
    try {
      trust.verify(bundle.encoded(), identity);
    } catch (IntegrityFailure e) {
      // not a client certificate by the rule the server applies at every handshake (dev.sealdrop.keys.
      // ClientCertificates): no intermediate mends that, the CA must
      String hint = e.reason().equals("BUNDLE_NOT_CLIENT_AUTH")
          ? "ask your CA for a client certificate for " + TerminalText.clean(identity) + " (EKU clientAuth without"
              + " anyExtendedKeyUsage, keyUsage digitalSignature; not a CA certificate) and pass it as --cert"
          : e.getMessage().contains("intermediate CA")
              // the intermediate was given and refused (review EG: told to put it in the file)
              ? "the intermediate CA in --cert may not issue identities (the server refuses it too): ask your CA to"
                  + " issue it again (allowing clientAuth, signed with SHA-256 or stronger), and your certificate"
                  + " under it"
          : "--cert must be a valid client certificate (EKU clientAuth) issued by " + caName + "; if an"
              + " intermediate CA issued it, put the intermediate's certificate (PEM) after yours in the --cert file";
      throw new UsageFailure("CERT_NOT_USABLE", "your certificate cannot vouch for your keys: " + e.getMessage(), hint);
    }
    return bundle;
  }

  private Instant validUntil() {
    return chain.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo).orElseThrow();
  }
}

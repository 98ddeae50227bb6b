package dev.sealdrop.client.keystore;

import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.keys.CertificateSubject;
import dev.sealdrop.keys.Pkcs8Pem;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/** Reads the TLS material a user hands to {@code init}: X.509 certificates and PKCS#8 PEM keys. */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names their own certificate files")
public final class Pem {
  private Pem() {}

  /** The first X.509 certificate in {@code file}. */
  public static X509Certificate certificate(Path file) throws UsageFailure {
    return certificates(file)[0];
  }

  /**
   * Every X.509 certificate in {@code file}, in order (a leaf followed by its chain, or CA
   * certificates), read with the JDK alone.
   */
  public static X509Certificate[] certificates(Path file) throws UsageFailure {
    return certificates(file, "pass the certificate (the .crt file) here, and its private key with --key");
  }

  /** As {@link #certificates(Path)}; {@code ifKey} is the hint for a file that holds a private key instead. */
  public static X509Certificate[] certificates(Path file, String ifKey) throws UsageFailure {
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate[] certs = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
          .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
      if (certs.length == 0) {
        throw new CertificateException("no certificate found");
      }
      return certs;
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      if (holdsPrivateKey(file)) {
        // a key where the certificate goes (the .key for the .crt): said so, not the parser's "signed fields invalid"
        throw new UsageFailure("BAD_CERTIFICATE", file + " holds a private key, not a certificate", ifKey);
      }
      if (e instanceof GeneralSecurityException && cutShort(file, e)) {
        // the parser's "Incomplete data" / "Illegal footer" said as what it is: a copy that lost its end
        throw new UsageFailure("BAD_CERTIFICATE", "cannot read a certificate from " + file + ": it is cut short or"
            + " damaged (its certificate data ends before the certificate does)", "copy the certificate file again"
            + " from where it was issued; a PEM certificate runs from -----BEGIN CERTIFICATE----- to"
            + " -----END CERTIFICATE-----, both lines included");
      }
      throw new UsageFailure("BAD_CERTIFICATE", "cannot read a certificate from " + file + ": " + IoReason.of(e),
          "pass a PEM or DER X.509 certificate");
    }
  }

  /**
   * Whether the parser failed because the data ends early: a PEM block without its END line, or a certificate
   * whose encoding runs past the end of the file (the JDK's "Incomplete data", "Incomplete BER/DER data", "not
   * enough content", "Illegal footer" for a cut END line).
   */
  private static boolean cutShort(Path file, Exception e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (c instanceof java.io.EOFException || m != null && (m.contains("Incomplete") || m.contains("not enough content")
          || m.contains("Illegal footer"))) {
        return true;
      }
    }
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > 1 << 20) {
        return false;
      }
      String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      int begin = text.lastIndexOf("-----BEGIN CERTIFICATE-----");
      return begin >= 0 && !text.substring(begin).contains("-----END CERTIFICATE-----");
    } catch (IOException io) {
      return false;
    }
  }

  /** Whether {@code file} is PEM text with a private key block ("BEGIN PRIVATE KEY", "BEGIN EC PRIVATE KEY", ...). */
  private static boolean holdsPrivateKey(Path file) {
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > 1 << 20) {
        return false;
      }
      String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      return text.matches("(?s).*-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*");
    } catch (IOException e) {
      return false;
    }
  }

  /** An unencrypted PKCS#8 PEM private key (EC, RSA or Ed25519). */
  public static PrivateKey privateKey(Path file) throws UsageFailure {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UsageFailure("BAD_KEY", "cannot read " + file + ": " + IoReason.of(e), "check --key");
    }
    try {
      return Pkcs8Pem.decode(text, "EC", "RSA", "Ed25519").orElseThrow(() -> new UsageFailure("BAD_KEY",
          "cannot parse the private key in " + file, "pass an EC, RSA or Ed25519 key"));
    } catch (Pkcs8Pem.NotPkcs8Exception e) {
      String quoted = shellQuoted(file.toString());
      String converted = shellQuoted(file + ".pk8");
      if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
        // PKCS#8 all the same, but locked: said as that (outside test: "is not a PKCS#8 PEM private key")
        throw new UsageFailure("BAD_KEY", file + " is an encrypted PKCS#8 private key (BEGIN ENCRYPTED PRIVATE KEY);"
            + " sealdrop reads it unencrypted: the profile keeps it owner-only, and your sealing keys are protected by"
            + " your passphrase", "decrypt a copy with `openssl pkcs8 -in " + quoted + " -out " + converted + "` (it"
            + " asks for its password) and pass that");
      }
      throw new UsageFailure("BAD_KEY", file + " is not a PKCS#8 PEM private key (BEGIN PRIVATE KEY)",
          "convert it with `openssl pkcs8 -topk8 -nocrypt -in " + quoted + " -out " + converted + "`");
    }
  }

  /** {@code s} as one shell word: as it is if it holds only safe characters, else in single quotes. */
  private static String shellQuoted(String s) {
    return s.matches("[A-Za-z0-9_./@%+=:,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
  }

  /** The identity a certificate names: its subject's one CN, by the server's rule ({@link CertificateSubject}). */
  public static String identity(X509Certificate cert) throws UsageFailure {
    try {
      return CertificateSubject.cn(cert);
    } catch (IllegalArgumentException e) {
      throw new UsageFailure("BAD_CERTIFICATE", "the certificate's " + e.getMessage(), "use a sealdrop client certificate");
    }
  }
}

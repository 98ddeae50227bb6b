package dev.sealdrop.server.door.grpc.tls;

import dev.sealdrop.keys.CertificateKeys;
import dev.sealdrop.keys.Pkcs8Pem;
import dev.sealdrop.server.config.ServerConfig;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.Set;

/**
 * Start-up checks of the server's TLS files that would otherwise pass unnoticed until every
 * client's handshake fails (a CA setting naming a leaf, a key that is not the certificate's) or
 * that would leave the server's private key readable by other local users. Each refusal names the
 * file, the setting and what to do; the server stops before it writes anything.
 */
public final class ServerTlsFiles {
  private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
  /** A root-owned key may be shared with the server's group for reading (0640), not for writing. */
  private static final Set<PosixFilePermission> OTHERS_AND_GROUP_WRITE = EnumSet.of(PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_EXECUTE);

  private ServerTlsFiles() {}

  /** Checks {@code tls} against the CA certificate already read from it ({@link ServerTls#readCertificate}). */
  public static void check(ServerConfig.Tls tls, X509Certificate ca) throws IOException {
    if (ca.getBasicConstraints() < 0) {
      throw new IOException("the CA certificate " + tls.caCertificate() + " (" + ca.getSubjectX500Principal().getName()
          + ") is not a CA certificate (no basicConstraints CA:true), so no client certificate could chain to it: the"
          + " ca setting (--ca) must name the CA that issues your clients' certificates");
    }
    requireCaValidNow(tls, ca);
    requireNotWritableByOthers(tls.caCertificate());
    requireOwnerOnly(tls.privateKey());
    X509Certificate leaf = ServerTls.readFirstCertificate(tls.certificateChain(), "server certificate", "cert");
    requireUsableForServing(leaf, tls.certificateChain());
    PrivateKey key = privateKey(tls.privateKey(), leaf.getPublicKey().getAlgorithm());
    if (key == null || !CertificateKeys.isKeyOf(leaf, key)) {
      if (key != null && laterCertificateOf(tls.certificateChain(), key)) {
        // the chain's order reversed (issuer first), as the CLI's init says CERT_CHAIN_ORDER
        throw new IOException("the server certificate file " + tls.certificateChain() + " starts with "
            + leaf.getSubjectX500Principal().getName() + ", an issuer: the key " + tls.privateKey() + " belongs to a"
            + " later certificate in it; put the server's own certificate first, then its issuers (cert, --cert)");
      }
      throw new IOException("the server key " + tls.privateKey() + " is not the key of the server certificate "
          + tls.certificateChain() + " (" + leaf.getSubjectX500Principal().getName() + "): every client handshake"
          + " would fail; set key (--key) to the private key the certificate was issued for, or cert (--cert) to"
          + " its certificate");
    }
    requireAcceptedByClients(leaf, tls.certificateChain());
    requireChainToCa(tls, ca);
  }

  /**
   * A CA certificate outside its validity stops the start (round R: an expired CA served on). TLS libraries do not
   * check a trust anchor's own dates, so nothing else would: the deal's certificates would keep being accepted under a
   * CA its operators meant to retire, or, not yet valid, this machine's clock is wrong.
   */
  private static void requireCaValidNow(ServerConfig.Tls tls, X509Certificate ca) throws IOException {
    String which = "the CA certificate " + tls.caCertificate() + " (" + ca.getSubjectX500Principal().getName() + ")";
    try {
      ca.checkValidity();
    } catch (java.security.cert.CertificateExpiredException e) {
      throw new IOException(which + " expired at " + ca.getNotAfter().toInstant() + ": the certificates it issued must"
          + " not be trusted past it; renew the CA certificate (re-signed with the same key, the certificates it"
          + " issued stay valid), give it to every client (their profile's tls/ca.crt) and set ca (--ca) to it", e);
    } catch (java.security.cert.CertificateNotYetValidException e) {
      throw new IOException(which + " is valid only from " + ca.getNotBefore().toInstant() + ": check this machine's"
          + " clock, or set ca (--ca) to a CA certificate valid now", e);
    }
  }

  /**
   * The server certificate must chain to the deployment CA: sealdrop clients trust that CA alone, for the server as
   * for each other (a profile's tls/ca.crt), so one from another CA, or whose intermediate is missing from the cert
   * file, fails every handshake (outside test: the server started, and each client said "PKIX path building failed").
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the path comes from server configuration")
  private static void requireChainToCa(ServerConfig.Tls tls, X509Certificate ca) throws IOException {
    try (java.io.InputStream in = Files.newInputStream(tls.certificateChain())) {
      java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
      java.util.List<java.security.cert.Certificate> chain = new java.util.ArrayList<>(cf.generateCertificates(in));
      // the CA itself, if the file ends with it, is the anchor, not part of the path
      chain.removeIf(c -> c.equals(ca));
      java.security.cert.PKIXParameters params = new java.security.cert.PKIXParameters(
          Set.of(new java.security.cert.TrustAnchor(ca, null)));
      params.setRevocationEnabled(false);
      java.security.cert.CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(chain), params);
    } catch (java.security.cert.CertPathValidatorException e) {
      throw new IOException("the server certificate " + tls.certificateChain() + " does not chain to the CA "
          + tls.caCertificate() + " (" + ca.getSubjectX500Principal().getName() + "): " + e.getMessage() + ". sealdrop"
          + " clients trust that CA alone, for the server too, so every handshake would fail: issue the server's"
          + " certificate from it, or, if an intermediate CA issued it, put the intermediate's certificate after the"
          + " server's in the cert file (cert, --cert)", e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("the server certificate " + tls.certificateChain() + " cannot be checked against the CA "
          + tls.caCertificate() + ": " + e.getMessage(), e);
    }
  }

  /** Whether a certificate after the first in {@code chain} is the one {@code key} belongs to. */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the path comes from server configuration")
  private static boolean laterCertificateOf(Path chain, PrivateKey key) {
    try (java.io.InputStream in = Files.newInputStream(chain)) {
      java.util.List<? extends java.security.cert.Certificate> all =
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in).stream().toList();
      return all.stream().skip(1).anyMatch(c -> c instanceof X509Certificate x && CertificateKeys.isKeyOf(x, key));
    } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** serverAuth, as TLS clients require of a server certificate (or anyExtendedKeyUsage, which includes it). */
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

  /**
   * A server certificate every client would refuse (expired, not yet valid, or for another purpose than serving TLS)
   * stops the start: otherwise the server runs and each client's handshake fails, which the server's log then
   * records as the client's refusal (found by an outside test).
   */
  private static void requireUsableForServing(X509Certificate leaf, Path file) throws IOException {
    String which = "the server certificate " + file + " (" + leaf.getSubjectX500Principal().getName() + ")";
    try {
      leaf.checkValidity();
    } catch (java.security.cert.CertificateExpiredException e) {
      throw new IOException(which + " expired at " + leaf.getNotAfter().toInstant() + ": every client would refuse"
          + " it; renew it, and set cert (--cert) and key (--key) to the new files", e);
    } catch (java.security.cert.CertificateNotYetValidException e) {
      throw new IOException(which + " is valid only from " + leaf.getNotBefore().toInstant() + ": every client would"
          + " refuse it until then; check this machine's clock, or use a certificate valid now", e);
    }
    java.util.List<String> usages;
    try {
      usages = leaf.getExtendedKeyUsage();
    } catch (java.security.cert.CertificateParsingException e) {
      throw new IOException(which + " has an extended key usage that cannot be read: " + e.getMessage(), e);
    }
    if (usages != null && !usages.contains(SERVER_AUTH) && !usages.contains(ANY_EXTENDED_KEY_USAGE)) {
      throw new IOException(which + " is not for TLS servers (its extended key usage lacks serverAuth): every client"
          + " would refuse it; ask your CA for a server certificate and set cert (--cert) and key (--key) to it");
    }
  }

  /** Whether {@code leaf} has a subjectAltName of type DNS (2) or IP address (7). */
  private static boolean namesAHost(X509Certificate leaf) throws IOException {
    try {
      java.util.Collection<java.util.List<?>> names = leaf.getSubjectAlternativeNames();
      return names != null && names.stream().anyMatch(n -> n.get(0) instanceof Integer t && (t == 2 || t == 7));
    } catch (java.security.cert.CertificateParsingException e) {
      throw new IOException("the server certificate has a subjectAltName that cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * What the clients' TLS refuses in a server certificate, or should not trust, stops the start too (outside test: the
   * server started, and every handshake failed as if the clients were at fault). Checked once the key is known to be
   * the certificate's, so that a chain in the wrong order is named as that.
   */
  private static void requireAcceptedByClients(X509Certificate leaf, Path file) throws IOException {
    String which = "the server certificate " + file + " (" + leaf.getSubjectX500Principal().getName() + ")";
    String renew = "; ask your CA for a server certificate with an ECDSA P-256/P-384 or RSA (2048 bits or more) key,"
        + " key usage digitalSignature, signed with SHA-256 or stronger, and set cert (--cert) and key (--key) to it";
    boolean[] keyUsage = leaf.getKeyUsage();
    if (keyUsage != null && !keyUsage[0]) {
      throw new IOException(which + " has a key usage without digitalSignature, which TLS 1.3 needs to sign the"
          + " handshake: every client would refuse it" + renew);
    }
    java.security.PublicKey key = leaf.getPublicKey();
    boolean ec = key instanceof java.security.interfaces.ECPublicKey e
        && e.getParams().getCurve().getField().getFieldSize() <= 384;
    if (!ec && !(key instanceof java.security.interfaces.RSAPublicKey)) {
      throw new IOException(which + " has a " + describe(key) + " key, which the clients' TLS library (BoringSSL) does"
          + " not accept from a server" + renew);
    }
    java.util.Optional<String> weak = dev.sealdrop.keys.ClientCertificates.weakness(leaf);
    if (weak.isPresent()) {
      throw new IOException(which + " " + weak.get() + renew);
    }
    if (!namesAHost(leaf)) {
      // the clients would fall back on the common name, which RFC 9525 retires and other TLS clients refuse (round R)
      throw new IOException(which + " names no host in a subjectAltName (DNS or IP): clients match the address they"
          + " connect to against those names, not against the common name; ask your CA for a server certificate with"
          + " subjectAltName DNS:your.host.name (and IP:address if clients connect by address, IP:127.0.0.1 for the"
          + " admin listener) and set cert (--cert) and key (--key) to it");
    }
  }

  private static String describe(java.security.PublicKey key) {
    if (key instanceof java.security.interfaces.ECPublicKey e) {
      return "P-" + e.getParams().getCurve().getField().getFieldSize() + " (ECDSA)";
    }
    if (key instanceof java.security.interfaces.EdECPublicKey e) {
      return e.getParams().getName(); // Ed25519, Ed448 (not "EdDSA")
    }
    return key.getAlgorithm();
  }

  /**
   * The CA file is the deployment's trust anchor: whoever may write it can put their own CA there and, at the next start,
   * speak as any identity, admins included (round CR: a world-writable {@code ca} file was used without a word, while a
   * key file others can read stops the start).
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the CA path comes from server configuration")
  static void requireNotWritableByOthers(Path caFile) throws IOException {
    PosixFileAttributes attributes;
    try {
      attributes = Files.readAttributes(caFile, PosixFileAttributes.class);
    } catch (UnsupportedOperationException e) {
      return; // no POSIX permissions here (e.g. Windows): nothing to check
    }
    Set<PosixFilePermission> permissions = attributes.permissions();
    if (permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException("the CA certificate " + caFile + " can be written by every user of this machine ("
          + PosixFilePermissions.toString(permissions) + "): whoever replaced it could make certificates for any"
          + " identity, admins included; check that it is your deployment's CA, then chmod o-w " + caFile
          + " (the ca setting, --ca)");
    }
    // the key file's rule, without its read restriction (review EB: a group-writable CA file, or one another account
    // owns, was used: any member of that group, or that account, could put its own CA there)
    if (permissions.contains(PosixFilePermission.GROUP_WRITE)) {
      throw new IOException("the CA certificate " + caFile + " can be written by its group ("
          + PosixFilePermissions.toString(permissions) + "): whoever of that group replaced it could make certificates"
          + " for any identity, admins included; check that it is your deployment's CA, then chmod g-w " + caFile
          + " (the ca setting, --ca)");
    }
    String owner = attributes.owner().getName();
    if (!owner.equals(System.getProperty("user.name")) && !owner.equals("root")) {
      throw new IOException("the CA certificate " + caFile + " is owned by " + owner + ", neither the server's user ("
          + System.getProperty("user.name") + ") nor root: that account could replace it and make certificates for"
          + " any identity, admins included; chown it to root or the server's user (the ca setting, --ca)");
    }
  }

  /**
   * The server key must be owner-only, as OpenSSH requires of its keys: a key file of the server's
   * user that anyone else may access, or any key file that all users may access, is refused with
   * the chmod that fixes it (a root-owned key shared with the server's group, 0640, is accepted).
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the key path comes from server configuration")
  static void requireOwnerOnly(Path keyFile) throws IOException {
    PosixFileAttributes attributes;
    try {
      attributes = Files.readAttributes(keyFile, PosixFileAttributes.class);
    } catch (UnsupportedOperationException e) {
      return; // no POSIX permissions here (e.g. Windows): nothing to check
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("the server key " + keyFile + " does not exist; check the key setting (--key)", e);
    }
    if (attributes.isDirectory()) {
      throw new IOException("the server key " + keyFile + " is a folder, not a key file; check the key setting (--key)");
    }
    if (!attributes.isRegularFile()) {
      throw new IOException("the server key " + keyFile + " is not a regular file (a device, pipe or socket); check the"
          + " key setting (--key)");
    }
    Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
    open.addAll(attributes.permissions());
    // a key owned by another user (root) may be shared with the server's group, as OpenSSH allows
    boolean ours = attributes.owner().getName().equals(System.getProperty("user.name"));
    if (!ours && !attributes.owner().getName().equals("root")) {
      // another account than root could replace the key under the server (outside test: owned by nobody, accepted)
      throw new IOException("the server key " + keyFile + " is owned by " + attributes.owner().getName() + ", neither"
          + " the server's user (" + System.getProperty("user.name") + ") nor root, who alone may hold it; chown it"
          + " to the server's user and chmod 600 " + keyFile);
    }
    open.retainAll(ours ? NOT_OWNER : OTHERS_AND_GROUP_WRITE);
    if (!open.isEmpty()) {
      throw new IOException("the server key " + keyFile + " can be accessed by other users ("
          + PosixFilePermissions.toString(attributes.permissions()) + "); make it readable by the server's user only:"
          + " chmod 600 " + keyFile);
    }
  }

  /** The PKCS#8 PEM key of {@code algorithm}, or null if the file holds one that is not of it. */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the key path comes from server configuration")
  private static PrivateKey privateKey(Path file, String algorithm) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("the server key " + file + " does not exist; check the key setting (--key)", e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new IOException("the server key " + file + " cannot be read (permission denied); check the key setting"
          + " (--key) and that the server's user may read the file", e);
    }
    try {
      return Pkcs8Pem.decode(text, algorithm).orElse(null);
    } catch (Pkcs8Pem.NotPkcs8Exception e) {
      // into a new file: openssl empties its -out before it reads -in, so the same name would destroy the key
      throw new IOException("the server key " + file + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----);"
          + " convert it into a new file with `umask 077; openssl pkcs8 -topk8 -nocrypt -in " + file + " -out " + file
          + ".pk8` (never -out the same file: openssl would empty it), then set key (--key) to " + file + ".pk8", e);
    }
  }
}

package dev.sealdrop.server.door.grpc.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A production server's TLS files are checked at start: a mistake that would otherwise show up only
 * as every client's handshake failing, or a server key other users can read, stops the server with
 * one sentence naming the file, the setting and the fix, before it writes anything.
 */
class ServerTlsFilesTest {
  @TempDir
  Path dir;

  /** The dev server's own files, copied (owner-only) where the test may change them. */
  private ServerConfig.Tls copiedTls() throws IOException {
    DevPki pki = TestPki.get();
    Path ca = Files.copy(pki.caCertFile(), dir.resolve("ca.crt"));
    Path cert = Files.copy(pki.certFile(DevPki.SERVER), dir.resolve("server.crt"));
    Path key = Files.copy(pki.keyFile(DevPki.SERVER), dir.resolve("server.key"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    return new ServerConfig.Tls(ca, cert, key);
  }

  private void refused(ServerConfig.Tls tls, String... expected) {
    Path data = dir.resolve("data");
    ServerConfig config = ServerConfig.development(data, TestPki.dir()).withPort(0).withAdminPort(0).withTls(tls);
    assertThatThrownBy(() -> SealdropServer.start(config).close()).isInstanceOfSatisfying(IOException.class,
        e -> assertThat(e.getMessage()).contains(expected));
    assertThat(data).as("nothing written before the refusal").doesNotExist();
  }

  @Test
  void theCopiedFilesStartAServer() throws Exception {
    ServerConfig config = ServerConfig.development(dir.resolve("data"), TestPki.dir()).withPort(0).withAdminPort(0)
        .withTls(copiedTls());
    try (SealdropServer server = SealdropServer.start(config)) {
      assertThat(server.port()).isPositive();
    }
  }

  @Test
  void aServerKeyThatIsNotTheCertificatesIsRefusedAtStart() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    Path alicesKey = dir.resolve("alice.key");
    Files.copy(TestPki.get().keyFile("alice"), alicesKey);
    Files.setPosixFilePermissions(alicesKey, PosixFilePermissions.fromString("rw-------"));
    refused(new ServerConfig.Tls(tls.caCertificate(), tls.certificateChain(), alicesKey),
        "the server key " + alicesKey + " is not the key of the server certificate " + tls.certificateChain(),
        "--key", "--cert");
  }

  @Test
  void aServerKeyOtherUsersCanReadIsRefusedWithTheChmodThatFixesIt() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    for (String mode : new String[] {"rw-r--r--", "rw-r-----", "rw----r--"}) {
      Files.setPosixFilePermissions(tls.privateKey(), PosixFilePermissions.fromString(mode));
      refused(tls, "the server key " + tls.privateKey() + " can be accessed by other users (" + mode + ")",
          "chmod 600 " + tls.privateKey());
    }
    // owned by an account that is neither the server's nor root, which could replace it (outside test: accepted);
    // only a server running as root can hand its key to another account here
    if ("root".equals(System.getProperty("user.name"))) {
      Files.setPosixFilePermissions(tls.privateKey(), PosixFilePermissions.fromString("rw-------"));
      java.nio.file.attribute.UserPrincipal nobody = tls.privateKey().getFileSystem().getUserPrincipalLookupService()
          .lookupPrincipalByName("nobody");
      Files.setOwner(tls.privateKey(), nobody);
      refused(tls, "the server key " + tls.privateKey() + " is owned by nobody, neither the server's user (root) nor"
          + " root");
    }
  }

  @Test
  void aMissingServerKeyIsNamedAsMissingWithItsSetting() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    Path missing = dir.resolve("no-such.key");
    refused(new ServerConfig.Tls(tls.caCertificate(), tls.certificateChain(), missing),
        "the server key " + missing + " does not exist; check the key setting (--key)");
  }

  /** A certificate and key from the dev CA, copied owner-only, as the server's (found by an outside operator test). */
  private ServerConfig.Tls withServerCertificate(dev.sealdrop.certsdev.CertSpec spec) throws IOException {
    Path ca = dir.resolve("ca.crt");
    ServerConfig.Tls tls = Files.exists(ca) ? new ServerConfig.Tls(ca, dir.resolve("server.crt"), dir.resolve("server.key"))
        : copiedTls();
    dev.sealdrop.certsdev.IssuedCert issued = TestPki.get().issue(spec);
    Path cert = Files.copy(issued.certFile(), dir.resolve(spec.name() + ".crt"));
    Path key = Files.copy(issued.keyFile(), dir.resolve(spec.name() + ".key"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    return new ServerConfig.Tls(tls.caCertificate(), cert, key);
  }

  @Test
  void aServerCertificateEveryClientWouldRefuseStopsTheStart() throws Exception {
    java.time.Instant now = java.time.Instant.now();
    dev.sealdrop.certsdev.CertSpec server = new dev.sealdrop.certsdev.CertSpec("srv-expired",
        dev.sealdrop.certsdev.Eku.SERVER_AUTH, now.minus(java.time.Duration.ofDays(30)),
        now.minus(java.time.Duration.ofDays(1)), false);
    ServerConfig.Tls expired = withServerCertificate(server);
    refused(expired, "the server certificate " + expired.certificateChain(), "expired at",
        "every client would refuse it; renew it, and set cert (--cert) and key (--key) to the new files");
    ServerConfig.Tls future = withServerCertificate(new dev.sealdrop.certsdev.CertSpec("srv-future",
        dev.sealdrop.certsdev.Eku.SERVER_AUTH, now.plus(java.time.Duration.ofDays(1)),
        now.plus(java.time.Duration.ofDays(30)), false));
    refused(future, "is valid only from", "check this machine's clock");
    ServerConfig.Tls clientOnly = withServerCertificate(dev.sealdrop.certsdev.CertSpec.client("srv-clientauth"));
    refused(clientOnly, "is not for TLS servers (its extended key usage lacks serverAuth)");
    // what the clients' TLS refuses (outside test: the server started, and every handshake failed as the client's fault)
    dev.sealdrop.certsdev.CertSpec valid = new dev.sealdrop.certsdev.CertSpec("srv-valid",
        dev.sealdrop.certsdev.Eku.SERVER_AUTH, now.minus(java.time.Duration.ofHours(1)),
        now.plus(java.time.Duration.ofDays(30)), false);
    refused(withServerCertificate(new dev.sealdrop.certsdev.CertSpec("srv-nodigsig", valid.eku(), valid.notBefore(),
        valid.notAfter(), false).withoutDigitalSignature()), "has a key usage without digitalSignature",
        "every client would refuse it");
    refused(withServerCertificate(new dev.sealdrop.certsdev.CertSpec("srv-ed25519", valid.eku(), valid.notBefore(),
        valid.notAfter(), false, "Ed25519")), "has a Ed25519 key, which the clients' TLS library (BoringSSL) does not"
        + " accept from a server");
    refused(withServerCertificate(new dev.sealdrop.certsdev.CertSpec("srv-p521", valid.eku(), valid.notBefore(),
        valid.notAfter(), false, "EC-P521")), "has a P-521 (ECDSA) key");
    // issued by another CA than the one the clients trust (outside test: every client said "PKIX path building failed")
    ServerConfig.Tls foreign = withServerCertificate(new dev.sealdrop.certsdev.CertSpec("srv-foreign", valid.eku(),
        valid.notBefore(), valid.notAfter(), true));
    refused(foreign, "the server certificate " + foreign.certificateChain() + " does not chain to the CA "
        + foreign.caCertificate(), "sealdrop clients trust that CA alone, for the server too");
  }

  @Test
  void aServerKeyThatIsAFolderOrNotPkcs8IsNamedWithASafeWayOut() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    Path folder = Files.createDirectory(dir.resolve("keys"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    refused(new ServerConfig.Tls(tls.caCertificate(), tls.certificateChain(), folder),
        "the server key " + folder + " is a folder, not a key file; check the key setting (--key)");
    // a SEC1 ("BEGIN EC PRIVATE KEY") key: the hint converts it into a new file, never over itself
    Path sec1 = dir.resolve("sec1.key");
    Files.writeString(sec1, "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n");
    Files.setPosixFilePermissions(sec1, PosixFilePermissions.fromString("rw-------"));
    refused(new ServerConfig.Tls(tls.caCertificate(), tls.certificateChain(), sec1),
        "-in " + sec1 + " -out " + sec1 + ".pk8", "then set key (--key) to " + sec1 + ".pk8");
  }

  @Test
  void aChainWithItsIssuerFirstIsNamedAsOutOfOrder() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    Path reversed = dir.resolve("reversed.crt");
    Files.writeString(reversed, Files.readString(tls.caCertificate()) + Files.readString(tls.certificateChain()));
    refused(new ServerConfig.Tls(tls.caCertificate(), reversed, tls.privateKey()),
        "the server certificate file " + reversed + " starts with", "an issuer: the key " + tls.privateKey()
            + " belongs to a later certificate in it; put the server's own certificate first");
  }

  @Test
  void aCaFileWithSeveralCertificatesIsWarnedAboutNamingTheOneTrusted() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    Path chain = dir.resolve("ca-chain.crt");
    Files.writeString(chain, Files.readString(tls.caCertificate()) + Files.readString(TestPki.get().foreignCaCertFile()));
    dev.sealdrop.server.testing.CapturedLog logs =
        new dev.sealdrop.server.testing.CapturedLog();
    logs.start();
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try {
      ServerTls.readCertificate(chain);
    } finally {
      root.detachAppender(logs);
      logs.stop();
    }
    assertThat(logs.events()).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
        .anySatisfy(m -> assertThat(m).startsWith("the ca file " + chain + " holds 2 certificates; only the first"));
  }

  /** Round R: a server certificate naming its host only in the common name started (the clients fell back on it). */
  @Test
  void aServerCertificateWithoutHostNamesInASubjectAltNameStopsTheStart() throws Exception {
    // the dev CA gives subjectAltNames to serverAuth certificates only: one for any purpose has none
    ServerConfig.Tls cnOnly = withServerCertificate(dev.sealdrop.certsdev.CertSpec.client("srv-cn-only")
        .withEku(dev.sealdrop.certsdev.Eku.ANY_EXTENDED_KEY_USAGE));
    refused(cnOnly, "the server certificate " + cnOnly.certificateChain(), "names no host in a subjectAltName",
        "subjectAltName DNS:your.host.name");
  }

  /** Round R: an expired CA certificate started the server, whose TLS then trusted it as before (anchors are not dated). */
  @Test
  void aCaCertificateOutsideItsValidityStopsTheStart() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    java.time.Instant now = java.time.Instant.now();
    dev.sealdrop.certsdev.CertSpec intermediate = dev.sealdrop.certsdev.CertSpec.client("old-ca").asCa();
    for (var validity : java.util.List.of(
        java.util.List.of(now.minus(java.time.Duration.ofDays(30)), now.minus(java.time.Duration.ofDays(1)), "expired at"),
        java.util.List.of(now.plus(java.time.Duration.ofDays(1)), now.plus(java.time.Duration.ofDays(30)),
            "is valid only from"))) {
      dev.sealdrop.certsdev.IssuedCert ca = TestPki.get().issue(intermediate.withValidity(
          (java.time.Instant) validity.get(0), (java.time.Instant) validity.get(1)));
      Path caFile = Files.copy(ca.certFile(), dir.resolve("old-ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      refused(new ServerConfig.Tls(caFile, tls.certificateChain(), tls.privateKey()),
          "the CA certificate " + caFile + " (CN=old-ca) " + validity.get(2), "--ca");
    }
  }

  @Test
  void aCaSettingThatNamesALeafCertificateIsRefusedAtStart() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    // the server's own certificate given as --ca: every client would get unknown_ca
    refused(new ServerConfig.Tls(tls.certificateChain(), tls.certificateChain(), tls.privateKey()),
        "the CA certificate " + tls.certificateChain() + " (CN=localhost) is not a CA certificate", "--ca");
  }
  /** Round CR: a CA file every local user may write (the trust anchor: any identity, admins included) started. */
  @Test
  void aCaFileEveryUserMayWriteStopsTheStart() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    Files.setPosixFilePermissions(tls.caCertificate(), PosixFilePermissions.fromString("rw-rw-rw-"));
    refused(tls, "the CA certificate " + tls.caCertificate() + " can be written by every user of this machine"
        + " (rw-rw-rw-)", "chmod o-w " + tls.caCertificate(), "--ca");
    // review EB: nor may its group (a umask of 002), as OpenSSH's StrictModes refuses group-writable files
    Files.setPosixFilePermissions(tls.caCertificate(), PosixFilePermissions.fromString("rw-rw-r--"));
    refused(tls, "the CA certificate " + tls.caCertificate() + " can be written by its group (rw-rw-r--)",
        "chmod g-w " + tls.caCertificate(), "--ca");
    // the usual modes are fine
    for (String mode : new String[] {"rw-r--r--", "r--r--r--", "r--------"}) {
      Files.setPosixFilePermissions(tls.caCertificate(), PosixFilePermissions.fromString(mode));
      ServerTlsFiles.requireNotWritableByOthers(tls.caCertificate());
    }
  }
}

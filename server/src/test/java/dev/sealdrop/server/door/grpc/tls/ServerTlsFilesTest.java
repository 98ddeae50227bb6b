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
  }

  @Test
  void aMissingServerKeyIsNamedAsMissingWithItsSetting() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    Path missing = dir.resolve("no-such.key");
    refused(new ServerConfig.Tls(tls.caCertificate(), tls.certificateChain(), missing),
        "the server key " + missing + " does not exist; check the key setting (--key)");
  }

  @Test
  void aCaSettingThatNamesALeafCertificateIsRefusedAtStart() throws Exception {
    ServerConfig.Tls tls = copiedTls();
    // the server's own certificate given as --ca: every client would get unknown_ca
    refused(new ServerConfig.Tls(tls.certificateChain(), tls.certificateChain(), tls.privateKey()),
        "the CA certificate " + tls.certificateChain() + " (CN=localhost) is not a CA certificate", "--ca");
  }
}

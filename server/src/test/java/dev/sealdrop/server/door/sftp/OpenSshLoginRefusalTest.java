package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.openSsh;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.protocol.v1.AddSshKeyRequest;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.door.sftp.OpenSshSftp.Run;
import dev.sealdrop.server.testing.CustomCerts;
import dev.sealdrop.server.testing.OneServerPerClass;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.keyboard.UserInteraction;
import org.apache.sshd.client.session.ClientSession;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSH's {@code sftp} (batch mode) is told why the door refused a key whose signature it
 * verified (identity disabled or revoked, registering certificate revoked or expired), in an
 * SSH_MSG_USERAUTH_BANNER it prints on stderr; a wrong key, an unknown user, or a registered public
 * key offered without its private half is told nothing beyond "Permission denied (publickey)".
 */
class OpenSshLoginRefusalTest extends OneServerPerClass {
  @TempDir
  static Path work;
  static OpenSshSftp openSshClient;

  @BeforeAll
  static void start() throws Exception {
    OpenSshSftp.assumeInstalled();
    openSshClient = new OpenSshSftp(work, server);
  }

  /** Writes the private key only (as a job's deploy key often is); {@code withPub}: also FILE.pub, as ssh-keygen does. */
  private static String writeIdentity(String name, KeyPair kp, boolean withPub) throws Exception {
    return openSshClient.writeIdentity(name, kp, withPub);
  }

  /** OpenSSH's sftp in batch mode, no -v: its stderr is what a job's operator sees. */
  private static Run sftp(String user, String keyFile) throws IOException, InterruptedException {
    return openSshClient.run(user, keyFile, "ls /\n");
  }

  private static void assertToldNothing(Run run) {
    assertThat(run.exit()).as(run.output()).isNotZero();
    assertThat(run.output()).contains("Permission denied (publickey)").doesNotContain("sealdrop")
        .doesNotContain("refused").doesNotContainPattern("\\[[A-Z_]+\\]");
  }

  @Test
  void aKeyNotRegisteredForTheUserIsToldNothing() throws Exception {
    registeredKey(clients, "alice");
    KeyPair stranger = SftpTestSupport.ed25519();
    assertToldNothing(sftp("alice", writeIdentity("stranger", stranger, true)));
    assertToldNothing(sftp("alice", writeIdentity("stranger-nopub", stranger, false)));
    // a key registered to another identity, offered for this user name: not told whose it is
    writeIdentity("bob_for_alice", registeredKey(clients, "bob"), true);
    assertToldNothing(sftp("alice", "bob_for_alice"));
    // a user name that names no identity
    assertToldNothing(sftp("nobody", "stranger"));
  }

  /**
   * Knowing a refused key's public half is not enough: the probe is answered as for any registered
   * key, but the reason comes only with a signature that verifies (here: made with another private key).
   */
  @Test
  void aDisabledIdentitysPublicKeyWithoutItsPrivateKeyIsToldNothing() throws Exception {
    KeyPair real = keyOfNewIdentity("holder").kp();
    server.server().identities().setEnabled("holder", false);
    KeyPair forged = new KeyPair(real.getPublic(), SftpTestSupport.ed25519().getPrivate());
    List<String> banners = new CopyOnWriteArrayList<>();
    try (SshClient client = SftpTestSupport.client(server)) {
      client.setUserInteraction(new UserInteraction() {
        @Override
        public void welcome(ClientSession session, String banner, String lang) {
          banners.add(banner);
        }

        @Override
        public String[] interactive(ClientSession session, String name, String instruction, String lang,
            String[] prompt, boolean[] echo) {
          return null;
        }

        @Override
        public String getUpdatedPassword(ClientSession session, String prompt, String lang) {
          return null;
        }
      });
      assertThatThrownBy(() -> SftpTestSupport.login(client, server, "holder", forged)).isInstanceOf(Exception.class);
      assertThat(banners).as("nothing told without the private key").isEmpty();
      // the holder of the private key is told, through the same client
      try (ClientSession s = client.connect("holder", "127.0.0.1", server.server().sftpPort())
          .verify(SftpTestSupport.TIMEOUT).getSession()) {
        s.addPublicKeyIdentity(real);
        assertThatThrownBy(() -> s.auth().verify(SftpTestSupport.TIMEOUT)).isInstanceOf(Exception.class);
        assertThat(banners).singleElement().asString().isEqualTo("sealdrop: login refused: identity 'holder' is"
            + " disabled on this server; ask an admin to re-enable it [IDENTITY_DISABLED]\n");
        // the key told why is not held against it: once enabled, the same key logs in on the same connection
        server.server().identities().setEnabled("holder", true);
        s.auth().verify(SftpTestSupport.TIMEOUT);
        assertThat(s.isAuthenticated()).isTrue();
      }
    } finally {
      server.server().identities().setEnabled("holder", true);
    }
  }

  @Test
  void aDisabledIdentityIsToldWhyAndLogsInOnceEnabled() throws Exception {
    String key = writeIdentity("dave_key", registeredKey(clients, "dave"), true);
    server.server().identities().setEnabled("dave", false);
    try {
      Run refused = sftp("dave", key);
      assertThat(refused.exit()).as(refused.output()).isNotZero();
      assertThat(refused.output()).contains("sealdrop: login refused: identity 'dave' is disabled on this server; ask"
          + " an admin to re-enable it [IDENTITY_DISABLED]").contains("Permission denied (publickey)");
      // the private key alone (no .pub beside it: OpenSSH signs without asking first) is told the same
      Run signedAtOnce = sftp("dave", writeIdentity("dave_nopub", keyPairOf("dave_key"), false));
      assertThat(signedAtOnce.output()).contains("[IDENTITY_DISABLED]");
    } finally {
      server.server().identities().setEnabled("dave", true);
    }
    Run again = sftp("dave", key);
    assertThat(again.exit()).as(again.output()).isZero();
    assertThat(again.output()).doesNotContain("sealdrop");
    // the refusal is audited as before, with the core's reason (written as the connection closes)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (refusals("dave").isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(refusals("dave")).contains("identity-disabled");
  }

  @Test
  void aRevokedIdentityIsToldWhy() throws Exception {
    KeyPair kp = keyOfNewIdentity("gone").kp();
    server.server().identities().revokeIdentity("gone");
    Run run = sftp("gone", writeIdentity("gone_key", kp, true));
    assertThat(run.exit()).as(run.output()).isNotZero();
    assertThat(run.output()).contains("sealdrop: login refused: identity 'gone' has been revoked on this server; its"
        + " certificates are no longer accepted [CERTIFICATE_REVOKED]");
  }

  @Test
  void aKeyWhoseRegisteringCertificateWasRevokedIsToldToRegisterItAgain() throws Exception {
    Registered r = keyOfNewIdentity("renewer");
    CustomCerts.Issued cert = r.cert();
    KeyPair kp = r.kp();
    server.server().identities().revokeCertificate(cert.certificate());
    Run run = sftp("renewer", writeIdentity("renewer_key", kp, true));
    assertThat(run.exit()).as(run.output()).isNotZero();
    assertThat(run.output()).contains("sealdrop: login refused: this SSH key was registered through a client"
        + " certificate (serial " + dev.sealdrop.server.core.identity.CertificatePolicy.shown(cert.certificate().getSerialNumber().toString(16)) + ") that has been revoked;")
        .contains("[CERTIFICATE_REVOKED]");
  }

  @Test
  void aKeyWhoseRegisteringCertificateExpiredIsToldSo() throws Exception {
    KeyPair kp = keyOfNewIdentity("expiring").kp(); // its certificate is valid for 1 day
    String key = writeIdentity("expiring_key", kp, true);
    server.clock.advance(Duration.ofDays(2));
    try {
      Run run = sftp("expiring", key);
      assertThat(run.exit()).as(run.output()).isNotZero();
      assertThat(run.output()).contains("sealdrop: login refused: this SSH key was registered through a client"
          + " certificate that is valid from").contains("[CERTIFICATE_EXPIRED]");
    } finally {
      server.clock.advance(Duration.ofDays(-2));
    }
  }

  private static List<String> refusals(String actor) throws IOException {
    return server.server().audit().tail(1000).stream().filter(e -> e.action().equals("connection.refuse"))
        .filter(e -> e.actor().equals(actor)).map(Audit.Entry::result).toList();
  }

  private static KeyPair keyPairOf(String name) throws Exception {
    try (InputStream in = Files.newInputStream(work.resolve(name))) {
      return org.apache.sshd.common.util.security.SecurityUtils.loadKeyPairIdentities(null,
          org.apache.sshd.common.NamedResource.ofName(name), in, null).iterator().next();
    }
  }

  record Registered(CustomCerts.Issued cert, KeyPair kp) {}

  /** A new transferor {@code name}, its certificate (valid for 1 day), and an SSH key registered through it. */
  private static Registered keyOfNewIdentity(String name) {
    server.server().identities().registerAll(Map.of(name, Role.TRANSFEROR));
    CustomCerts.Issued cert = CustomCerts.clientWithSubject(server.pki, new X500Name("CN=" + name));
    KeyPair kp = SftpTestSupport.ed25519();
    stub(cert).addSshKey(AddSshKeyRequest.newBuilder().setPublicKey(openSsh(kp.getPublic())).build());
    return new Registered(cert, kp);
  }

  private static SshKeysGrpc.SshKeysBlockingStub stub(CustomCerts.Issued cert) {
    return SshKeysGrpc.newBlockingStub(clients.channel(cert.privateKey(), cert.certificate()))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
  }
}

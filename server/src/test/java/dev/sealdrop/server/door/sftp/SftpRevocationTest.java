package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.disconnectMessage;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.names;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sshKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.protocol.v1.RemoveSshKeyRequest;
import dev.sealdrop.server.core.sshkey.SshPublicKey;
import dev.sealdrop.server.testing.OneServerPerClass;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 7: a revoked certificate, a disabled identity or a removed key is refused at the next
 * login, and its open SFTP sessions are closed (the door re-checks live sessions once a second).
 */
class SftpRevocationTest extends OneServerPerClass {
  static SshClient client;

  @BeforeAll
  static void start() {
    client = SftpTestSupport.client(server);
  }

  @AfterAll
  static void stop() throws Exception {
    client.stop();
  }

  private static void assertClosedSoon(ClientSession session) {
    Set<ClientSessionEvent> events = session.waitFor(EnumSet.of(ClientSessionEvent.CLOSED), Duration.ofSeconds(10));
    assertThat(events).contains(ClientSessionEvent.CLOSED);
  }

  @Test
  void disablingAnIdentityRefusesItsLoginAndClosesItsOpenSession() throws Exception {
    KeyPair key = registeredKey(clients, "dave");
    ClientSession open = login(client, server, "dave", key);
    SftpClient sftp = sftp(open);
    assertThat(names(sftp, "/")).contains("inbox", "redeem");

    server.server().identities().setEnabled("dave", false);

    assertClosedSoon(open);
    assertThatThrownBy(() -> login(client, server, "dave", key)).hasMessageContaining("authentication");
    server.server().identities().setEnabled("dave", true);
    login(client, server, "dave", key).close(true);
  }

  @Test
  void revokingTheCertificateThatRegisteredTheKeyRefusesTheKeyAndClosesItsSession() throws Exception {
    KeyPair key = registeredKey(clients, "alice");
    ClientSession open = login(client, server, "alice", key);
    sftp(open).stat("/outbox");
    CompletableFuture<String> said = disconnectMessage(open);

    server.server().identities().revokeCertificate(server.pki.certificate("alice"));

    assertClosedSoon(open);
    assertThat(said.get(10, TimeUnit.SECONDS)).as("told that a new certificate needs the key registered again")
        .isEqualTo(SshConstants.SSH2_DISCONNECT_BY_APPLICATION + " session closed: this SSH key was registered"
            + " through a client certificate (serial " + dev.sealdrop.server.core.identity.CertificatePolicy.shown(server.pki.certificate("alice").getSerialNumber().toString(16))
            + ") that has been revoked; ask an admin for a new certificate, then register the key again with"
            + " 'sealdrop keys add-ssh FILE.pub' from a profile that uses it (keys renew does not move keys registered"
            + " through a revoked certificate: whoever held it may have added them) [CERTIFICATE_REVOKED]");
    assertThatThrownBy(() -> login(client, server, "alice", key)).hasMessageContaining("authentication");
  }

  @Test
  void removingAKeyRefusesItAndClosesSessionsLoggedInWithIt() throws Exception {
    KeyPair key = registeredKey(clients, "bob");
    ClientSession open = login(client, server, "bob", key);
    sftp(open).stat("/inbox");
    CompletableFuture<String> said = disconnectMessage(open);
    ByteArrayBuffer blob = new ByteArrayBuffer();
    blob.putRawPublicKey(key.getPublic());
    sshKeys(clients, "bob").removeSshKey(RemoveSshKeyRequest.newBuilder()
        .setFingerprint(SshPublicKey.fingerprintOf(blob.getCompactData())).build());

    assertClosedSoon(open);
    assertThat(said.get(10, TimeUnit.SECONDS)).as("the client is told why (OpenSSH prints it)")
        .isEqualTo(SshConstants.SSH2_DISCONNECT_BY_APPLICATION + " session closed: this SSH key is not registered"
            + " for that user; register it with 'sealdrop keys add-ssh FILE.pub' and log in with your identity as the"
            + " user name [SSH_KEY_NOT_REGISTERED]");
    assertThatThrownBy(() -> login(client, server, "bob", key)).hasMessageContaining("authentication");
  }

  /**
   * The session past the limit is told which setting refused it and what to do, as the door's other
   * disconnects are (MINA's own text named neither: "Too many concurrent connections (8) - max. allowed: 8").
   */
  @Test
  void tooManySessionsForOneIdentityAreRefused() throws Exception {
    KeyPair key = registeredKey(clients, "carol");
    int max = server.server().config().sftp().maxSessionsPerIdentity();
    java.util.List<ClientSession> sessions = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < max; i++) {
        sessions.add(login(client, server, "carol", key));
      }
      ClientSession extra = client.connect("carol", "127.0.0.1", server.server().sftpPort())
          .verify(SftpTestSupport.TIMEOUT).getSession();
      try (extra) {
        CompletableFuture<String> said = disconnectMessage(extra);
        extra.addPublicKeyIdentity(key);
        assertThatThrownBy(() -> extra.auth().verify(SftpTestSupport.TIMEOUT)).isInstanceOf(Exception.class);
        assertThat(said.get(10, TimeUnit.SECONDS)).isEqualTo(SshConstants.SSH2_DISCONNECT_TOO_MANY_CONNECTIONS
            + " too many SFTP sessions for 'carol': " + max + " are open, the most one identity may hold"
            + " (sftp-max-sessions-per-identity); close one of them, then connect again");
      }
    } finally {
      for (ClientSession s : sessions) {
        s.close(true);
      }
    }
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.client;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.protocol.v1.AddSshKeyRequest;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.CustomCerts;
import dev.sealdrop.server.testing.TestServer;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review DH: an operator who replaces the server's CA (its key leaked; a folder first run with --dev) cuts off every
 * certificate the old CA issued: their TLS handshakes are refused. An SSH key registered through such a certificate
 * must stop logging in over SFTP too (it went on: the login re-checked the registration certificate's validity, key
 * usage and revocations, never who issued it).
 */
class SftpCaReplacedTest {
  @TempDir
  Path data;
  @TempDir
  Path otherCa;

  @Test
  void aKeyRegisteredUnderACaTheServerNoLongerTrustsDoesNotLogIn() throws Exception {
    KeyPair key = registerAndLogIn(false);
    try (TestServer replaced = underAnotherCa()) {
      assertRefused(replaced, key);
    }
  }

  /** A key registered before the server recorded its CA with it: its certificate must be signed by the current CA. */
  @Test
  void aKeyRegisteredBeforeTheCaWasRecordedLogsInOnlyUnderTheCaThatSignedItsCertificate() throws Exception {
    KeyPair key = registerAndLogIn(true);
    try (TestServer replaced = underAnotherCa()) {
      assertRefused(replaced, key);
    }
  }

  /**
   * Review DP: a key registered before V52 through a certificate of an intermediate CA is refused at login, and the
   * refusal says to register it again; doing so with the same certificate binds it under the server's CA (it changed
   * nothing: "already registered").
   */
  @Test
  void aKeyFromBeforeTheCaWasRecordedRegisteredThroughAnIntermediateLogsInOnceAddedAgain() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      CustomCerts.Issued intermediate = CustomCerts.intermediate(server.pki, "alice's issuing CA");
      CustomCerts.Issued alice = CustomCerts.issuedBy(intermediate.certificate(), intermediate.privateKey(),
          new X500Name("CN=alice"), BigInteger.valueOf(4242));
      KeyPair key = SftpTestSupport.ed25519();
      AddSshKeyRequest add = AddSshKeyRequest.newBuilder().setPublicKey(SftpTestSupport.openSsh(key.getPublic()))
          .build();
      SshKeysGrpc.SshKeysBlockingStub viaIntermediate = SshKeysGrpc.newBlockingStub(clients.channel(
          alice.privateKey(), alice.certificate(), intermediate.certificate())).withDeadlineAfter(20, TimeUnit.SECONDS);
      viaIntermediate.addSshKey(add);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
          Statement st = c.createStatement()) {
        assertThat(st.executeUpdate("UPDATE ssh_keys SET ca_key = NULL WHERE identity = 'alice'")).isOne();
      }
      assertRefused(server, key);
      viaIntermediate.addSshKey(add); // as the refusal says
      SshClient client = client(server);
      try (ClientSession s = login(client, server, "alice", key)) {
        assertThat(s.isAuthenticated()).isTrue();
      } finally {
        client.stop();
      }
    }
  }

  /**
   * Registers an SSH key for alice on a server of the development CA, optionally forgets the CA it was registered under
   * (as a key registered before migration V52), and logs in with it, on a server started again on the same folder.
   */
  private KeyPair registerAndLogIn(boolean forgetTheCa) throws Exception {
    KeyPair key;
    try (TestServer first = new TestServer(data); Clients clients = first.clients()) {
      key = registeredKey(clients, "alice");
    }
    if (forgetTheCa) {
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
          Statement st = c.createStatement()) {
        assertThat(st.executeUpdate("UPDATE ssh_keys SET ca_key = NULL WHERE identity = 'alice'")).isOne();
      }
    }
    try (TestServer again = new TestServer(data)) {
      SshClient client = client(again);
      try (ClientSession s = login(client, again, "alice", key)) {
        assertThat(s.isAuthenticated()).as("the same CA: the key logs in").isTrue();
      } finally {
        client.stop();
      }
    }
    return key;
  }

  private TestServer underAnotherCa() {
    DevPki other = DevPki.loadOrCreate(otherCa);
    return new TestServer(data, c -> c.withTls(ServerConfig.development(data, other.dir()).tls()));
  }

  private static void assertRefused(TestServer server, KeyPair key) throws Exception {
    SshClient client = client(server);
    try {
      assertThatThrownBy(() -> login(client, server, "alice", key)).hasMessageContaining("authentication");
    } finally {
      client.stop();
    }
    // recorded as the refusal is sent, which the client may see first
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (server.server().audit().tail(20).stream().noneMatch(r -> r.action().equals("connection.refuse"))
        && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertThat(server.server().audit().tail(20)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("connection.refuse");
      assertThat(r.actor()).isEqualTo("alice");
      assertThat(r.result()).isEqualTo("certificate-invalid");
    });
  }
}

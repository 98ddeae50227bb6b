package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.testing.OneServerPerClass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.client.ClientBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 7: algorithms (hybrid PQ KEX, AES-GCM only, no Terrapin-vulnerable mode), host key persistence. */
class SftpHardeningTest extends OneServerPerClass {
  static KeyPair aliceKey;

  @BeforeAll
  static void start() {
    aliceKey = registeredKey(clients, "alice");
  }

  @Test
  void aClientOfferingOnlyChaCha20OrCtrEtmOrSha1KexIsRefused() {
    // chacha20-poly1305 and EtM MACs with CTR are the modes Terrapin breaks; none is offered
    assertRefused(c -> c.setCipherFactories(List.of(BuiltinCiphers.cc20p1305_openssh)));
    assertRefused(c -> {
      c.setCipherFactories(List.of(BuiltinCiphers.aes256ctr));
      c.setMacFactories(List.of(BuiltinMacs.hmacsha256etm));
    });
    assertRefused(c -> c.setCipherFactories(List.of(BuiltinCiphers.aes256cbc)));
    assertRefused(c -> c.setKeyExchangeFactories(List.of(ClientBuilder.DH2KEX.apply(BuiltinDHFactories.dhg14))));
    assertRefused(c -> c.setKeyExchangeFactories(List.of(ClientBuilder.DH2KEX.apply(BuiltinDHFactories.ecdhp256))));
  }

  /** Review EA: user keys are the policy's host-key types (SECURITY.md §3.4), SHA-2 signatures only, no ECDSA. */
  @Test
  void userKeySignaturesAreThePolicysList() {
    assertThat(SftpDoor.SIGNATURES.stream().map(BuiltinSignatures::getName).toList())
        .containsExactly("ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256");
  }

  private static void assertRefused(java.util.function.Consumer<SshClient> restrict) {
    java.security.PublicKey expected = SftpTestSupport.hostKey(server);
    SshClient client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier((session, address, key) -> KeyUtils.compareKeys(expected, key));
    try {
      restrict.accept(client);
      client.start();
      assertThatThrownBy(() -> login(client, server, "alice", aliceKey).close(true)).isInstanceOf(Exception.class);
    } finally {
      client.stop();
    }
  }

  @Test
  void aModernClientNegotiatesHybridPostQuantumKexAndAesGcm() throws Exception {
    SshClient client = SftpTestSupport.client(server);
    try (ClientSession s = login(client, server, "alice", aliceKey)) {
      // the client's preference decides; MINA's client prefers sntrup761
      assertThat(s.getNegotiatedKexParameter(KexProposalOption.ALGORITHMS)).isIn("mlkem768x25519-sha256",
          "sntrup761x25519-sha512@openssh.com", "sntrup761x25519-sha512");
      assertThat(s.getNegotiatedKexParameter(KexProposalOption.S2CENC)).isIn("aes256-gcm@openssh.com",
          "aes128-gcm@openssh.com");
      assertThat(s.getNegotiatedKexParameter(KexProposalOption.C2SENC)).isIn("aes256-gcm@openssh.com",
          "aes128-gcm@openssh.com");
      assertThat(s.getNegotiatedKexParameter(KexProposalOption.SERVERKEYS)).isEqualTo("ssh-ed25519");
      assertThat(s.getNegotiatedKexParameter(KexProposalOption.S2CCOMP)).isEqualTo("none");
    } finally {
      client.stop();
    }
    // every hybrid PQ exchange the door offers works on its own
    for (BuiltinDHFactories kex : List.of(BuiltinDHFactories.mlkem768x25519, BuiltinDHFactories.sntrup761x25519_openssh,
        BuiltinDHFactories.sntrup761x25519)) {
      assertThat(kex.isSupported()).as(kex.getName() + " available (Bouncy Castle)").isTrue();
      java.security.PublicKey expected = SftpTestSupport.hostKey(server);
      SshClient only = SshClient.setUpDefaultClient();
      only.setServerKeyVerifier((session, address, key) -> KeyUtils.compareKeys(expected, key));
      only.setKeyExchangeFactories(List.of(ClientBuilder.DH2KEX.apply(kex)));
      only.start();
      try (ClientSession s = login(only, server, "alice", aliceKey)) {
        assertThat(s.getNegotiatedKexParameter(KexProposalOption.ALGORITHMS)).isEqualTo(kex.getName());
      } finally {
        only.stop();
      }
    }
  }

  /** The banner names no library and version (docs/security.md), and neither does the SFTP version reply. */
  @Test
  void theSftpVersionReplyNamesNoLibraryOrVersion() throws Exception {
    SshClient client = SftpTestSupport.client(server);
    try (ClientSession s = login(client, server, "alice", aliceKey);
        org.apache.sshd.sftp.client.SftpClient sftp = SftpTestSupport.sftp(s)) {
      assertThat(sftp.getServerExtensions()).isNotEmpty().doesNotContainKey("vendor-id");
      assertThat(sftp.getServerExtensions().values()).noneSatisfy(v -> assertThat(new String(v,
          java.nio.charset.StandardCharsets.ISO_8859_1)).containsIgnoringCase("sshd"));
    } finally {
      client.stop();
    }
  }

  /**
   * Version 3 (what docs/sftp.md describes), whatever the client asks for, and only the extensions the door implements
   * (found by an outside test: MINA agreed to version 6 and listed copy-file, md5-hash, hardlink, posix-rename, ...,
   * which the door then refused).
   */
  @Test
  void theVersionReplyIsVersion3AndListsOnlyTheExtensionsTheDoorImplements() throws Exception {
    SshClient client = SftpTestSupport.client(server);
    try (ClientSession s = login(client, server, "alice", aliceKey);
        org.apache.sshd.sftp.client.SftpClient sftp = SftpTestSupport.sftp(s)) { // MINA's client asks for version 6
      assertThat(sftp.getVersion()).isEqualTo(3);
      java.util.Map<String, byte[]> ext = sftp.getServerExtensions();
      // exactly what docs/sftp.md says: the two requests, and MINA's descriptive entries
      assertThat(ext.keySet()).containsExactlyInAnyOrder("limits@openssh.com", "fsync@openssh.com", "versions",
          "newline", "supported", "supported2");
      assertThat(new String(ext.get("versions"), java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("3");
      // the handle limit it names is the one it enforces per session (it said 33 for 32)
      assertThat(sftp.getExtension(org.apache.sshd.sftp.client.extensions.openssh.OpenSSHLimitsExtension.class)
          .limits().maxOpenHandles).isEqualTo(server.server().config().sftp().maxOpenHandles());
      for (String list : new String[] {"supported", "supported2"}) {
        if (ext.containsKey(list)) {
          assertThat(new String(ext.get(list), java.nio.charset.StandardCharsets.ISO_8859_1)).as(list)
              .doesNotContain("copy-file", "md5-hash", "check-file", "copy-data", "space-available", "version-select");
        }
      }
    }
    try (ClientSession s = login(client, server, "alice", aliceKey)) { // a client that insists on version 6
      assertThatThrownBy(() -> org.apache.sshd.sftp.client.SftpClientFactory.instance().createSftpClient(s, 6))
          .hasMessageContaining("not part of available: [3]");
    } finally {
      client.stop();
    }
  }

  @Test
  void theHostKeyIsEd25519OwnerOnlyAndSurvivesARestart() throws Exception {
    Path file = data.resolve(HostKey.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    String before = KeyUtils.getFingerPrint(SftpTestSupport.hostKey(server));
    assertThat(Files.readString(file)).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
    server.close();
    server.start();
    assertThat(KeyUtils.getFingerPrint(SftpTestSupport.hostKey(server))).isEqualTo(before);
    // and the restarted server presents it (SftpTestSupport.client pins it)
    SshClient client = SftpTestSupport.client(server);
    try {
      login(client, server, "alice", aliceKey).close(true);
    } finally {
      client.stop();
    }
  }
}

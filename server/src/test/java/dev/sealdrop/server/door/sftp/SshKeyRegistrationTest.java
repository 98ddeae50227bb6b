package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.openSsh;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sshKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.protocol.v1.AddSshKeyRequest;
import dev.sealdrop.protocol.v1.ListSshKeysRequest;
import dev.sealdrop.protocol.v1.RemoveSshKeyRequest;
import dev.sealdrop.protocol.v1.SshKey;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.testing.CustomCerts;
import dev.sealdrop.server.testing.OneServerPerClass;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.sftp.client.SftpClient;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 7: SshKeys over mutual TLS: only the policy's key types; own keys only, admins any. */
class SshKeyRegistrationTest extends OneServerPerClass {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  private static SshKey add(String user, String line) {
    return sshKeys(clients, user).addSshKey(AddSshKeyRequest.newBuilder().setPublicKey(line).build()).getKey();
  }

  private static Status.Code code(Throwable t) {
    return ((StatusRuntimeException) t).getStatus().getCode();
  }

  private static KeyPair generate(String alg, int bitsOrZero, String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
    if (curve != null) {
      g.initialize(new ECGenParameterSpec(curve));
    } else {
      g.initialize(bitsOrZero);
    }
    return g.generateKeyPair();
  }

  @Test
  void weakOrForeignKeyTypesAndGarbageAreRefused() throws Exception {
    String rsa2048 = openSsh(generate("RSA", 2048, null).getPublic());
    assertThatThrownBy(() -> add("alice", rsa2048)).satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("2048 bits");
    String p521 = openSsh(generate("EC", 0, "secp521r1").getPublic());
    assertThatThrownBy(() -> add("alice", p521)).hasMessageContaining("not accepted");
    String dss = "ssh-dss AAAAB3NzaC1kc3MAAACBAP1/U4EddRIpUt9KnC7s5Of2EbdSPO9EAMMeP4C2USZpRV1AIlH7WT2NWPq/xfW6MPbLm1Vs14E7";
    assertThatThrownBy(() -> add("alice", dss)).hasMessageContaining("not accepted");
    assertThatThrownBy(() -> add("alice", "")).hasMessageContaining("empty");
    assertThatThrownBy(() -> add("alice", "ssh-ed25519 !!!notbase64")).hasMessageContaining("base64");
    // the line's type must match the key inside
    String ed = openSsh(SftpTestSupport.ed25519().getPublic());
    assertThatThrownBy(() -> add("alice", ed.replace("ssh-ed25519", "ssh-rsa"))).hasMessageContaining("inside");
    // authorized_keys options are not accepted
    assertThatThrownBy(() -> add("alice", "command=\"/bin/sh\" " + ed)).hasMessageContaining("not accepted");
    // a truncated ed25519 key
    String truncated = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAA";
    assertThatThrownBy(() -> add("alice", truncated)).satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    // control characters in the comment
    // (round BI: "at most 256 printable characters" of a short comment; the cause is named, and how to keep the key)
    assertThatThrownBy(() -> add("alice", ed + " evil\u001b[2J")).hasMessageContaining("a control character (U+001B)")
        .hasMessageContaining("ssh-keygen -c -C");
    assertThatThrownBy(() -> add("alice", ed + " tab\there")).hasMessageContaining("a control character (a tab)");
    assertThatThrownBy(() -> add("alice", ed + " " + "x".repeat(300)))
        .hasMessageContaining(" characters long, more than the 256 taken");
    assertThat(sshKeys(clients, "alice").listSshKeys(ListSshKeysRequest.getDefaultInstance()).getKeysList()).isEmpty();
  }

  @Test
  void acceptedTypesGetOpenSshFingerprints() throws Exception {
    KeyPair ed = SftpTestSupport.ed25519();
    KeyPair p256 = generate("EC", 0, "secp256r1");
    KeyPair p384 = generate("EC", 0, "secp384r1");
    KeyPair rsa = generate("RSA", 3072, null);
    // review EA: ECDSA is not among the SSH policy's user keys (SECURITY.md §3.4: the host-key types)
    for (KeyPair kp : new KeyPair[] {p256, p384}) {
      assertThatThrownBy(() -> add("dave", openSsh(kp.getPublic())))
          .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT))
          .hasMessageContaining("is not accepted; use ssh-ed25519 (recommended) or ssh-rsa")
          .hasMessageContaining("ECDSA keys are not");
    }
    for (KeyPair kp : new KeyPair[] {ed, rsa}) {
      SshKey k = add("dave", openSsh(kp.getPublic()));
      assertThat(k.getFingerprint()).isEqualTo(KeyUtils.getFingerPrint(kp.getPublic()));
      assertThat(k.getIdentity()).isEqualTo("dave");
      assertThat(k.getComment()).isEqualTo("test@sealdrop");
    }
    assertThat(sshKeys(clients, "dave").listSshKeys(ListSshKeysRequest.getDefaultInstance()).getKeysList())
        .extracting(SshKey::getAlgorithm, SshKey::getBits)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("ssh-ed25519", 256),
            org.assertj.core.groups.Tuple.tuple("ssh-rsa", 3072));
  }

  /**
   * Review EG: an ECDSA key registered before ECDSA was refused (session 58) failed every read of it: its owner's key
   * listing, its removal, a new registration, and every admin's revocation of a certificate by serial (which looks at
   * every identity's keys). It is read, listed and removable; it no longer logs in.
   */
  @Test
  void anEcdsaKeyStoredEarlierIsListedAndRemovableButLogsInNoMore() throws Exception {
    server.server().identities().registerAll(Map.of("erin-legacy", Role.TRANSFEROR));
    CustomCerts.Issued erin = CustomCerts.clientWithSubject(server.pki, new X500Name("CN=erin-legacy"));
    KeyPair ed = SftpTestSupport.ed25519();
    stub(erin).addSshKey(AddSshKeyRequest.newBuilder().setPublicKey(openSsh(ed.getPublic())).build());
    KeyPair legacy = generate("EC", 0, "secp256r1");
    byte[] blob = java.util.Base64.getDecoder().decode(openSsh(legacy.getPublic()).split(" ")[1]);
    String fingerprint = dev.sealdrop.server.core.sshkey.SshPublicKey.fingerprintOf(blob);
    dev.sealdrop.server.testing.DatabaseFile.execute(data, "INSERT INTO ssh_keys (fingerprint, identity, algorithm,"
        + " public_key, comment, certificate, added_at, ca_key) SELECT '" + fingerprint + "', identity,"
        + " 'ecdsa-sha2-nistp256', X'" + java.util.HexFormat.of().formatHex(blob) + "', 'legacy', certificate,"
        + " added_at, ca_key FROM ssh_keys WHERE identity = 'erin-legacy'");

    assertThat(stub(erin).listSshKeys(ListSshKeysRequest.getDefaultInstance()).getKeysList())
        .extracting(SshKey::getAlgorithm).containsExactlyInAnyOrder("ssh-ed25519", "ecdsa-sha2-nistp256");
    stub(erin).addSshKey(AddSshKeyRequest.newBuilder().setPublicKey(openSsh(SftpTestSupport.ed25519().getPublic()))
        .build());
    // an admin's revocation of a certificate by serial reads every identity's keys
    admins.admin("carol").revokeIdentity(dev.sealdrop.protocol.v1.RevokeIdentityRequest.newBuilder()
        .setIdentity("dave").setCertificateSerial("1f3a9d").build());
    SshClient client = SftpTestSupport.client(server);
    try {
      assertThatThrownBy(() -> SftpTestSupport.login(client, server, "erin-legacy", legacy).close(true))
          .hasMessageContaining("authentication");
      SftpTestSupport.login(client, server, "erin-legacy", ed).close(true);
    } finally {
      client.stop();
    }
    stub(erin).removeSshKey(RemoveSshKeyRequest.newBuilder().setFingerprint(fingerprint).build());
    assertThat(stub(erin).listSshKeys(ListSshKeysRequest.getDefaultInstance()).getKeysList())
        .extracting(SshKey::getAlgorithm).containsOnly("ssh-ed25519");
  }

  @Test
  void aKeyBelongsToOneIdentityAndOnlyAdminsSeeOrRemoveOthersKeys() throws Exception {
    KeyPair kp = SftpTestSupport.ed25519();
    SshKey k = add("bob", openSsh(kp.getPublic()));
    // bob re-running the registration: his key already, nothing to do and nothing refused
    assertThat(add("bob", openSsh(kp.getPublic()))).isEqualTo(k);
    assertThat(sshKeys(clients, "bob").listSshKeys(ListSshKeysRequest.getDefaultInstance()).getKeysList())
        .extracting(SshKey::getFingerprint).containsOnlyOnce(k.getFingerprint());
    // alice is refused without being told whose key it is
    assertThatThrownBy(() -> add("alice", openSsh(kp.getPublic())))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.FAILED_PRECONDITION))
        .satisfies(e -> assertThat(Status.trailersFromThrowable(e).get(dev.sealdrop.server.testing.Statuses.REASON))
            .isEqualTo("SSH_KEY_REGISTERED"))
        .hasMessageContaining("already in use").hasMessageNotContaining("bob");
    // audited with the reason and the key refused (admin.md: sshkey.add, detail fingerprint)
    assertThat(server.server().audit().tail(5)).filteredOn(r -> r.action().equals("sshkey.add")
        && r.actor().equals("alice")).last().satisfies(r -> {
          assertThat(r.result()).isEqualTo("ssh-key-registered");
          assertThat(r.details()).containsEntry("fingerprint", k.getFingerprint());
        });
    assertThatThrownBy(() -> sshKeys(clients, "alice").listSshKeys(ListSshKeysRequest.newBuilder().setIdentity("bob")
        .build())).satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(() -> sshKeys(clients, "alice").removeSshKey(RemoveSshKeyRequest.newBuilder()
        .setIdentity("bob").setFingerprint(k.getFingerprint()).build()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
    // alice naming bob's key as her own finds nothing
    assertThatThrownBy(() -> sshKeys(clients, "alice").removeSshKey(RemoveSshKeyRequest.newBuilder()
        .setFingerprint(k.getFingerprint()).build()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    // carol (admin) lists and removes it
    assertThat(sshKeys(clients, "carol").listSshKeys(ListSshKeysRequest.newBuilder().setIdentity("bob").build())
        .getKeysList()).extracting(SshKey::getFingerprint).contains(k.getFingerprint());
    sshKeys(clients, "carol").removeSshKey(RemoveSshKeyRequest.newBuilder().setIdentity("bob")
        .setFingerprint(k.getFingerprint()).build());
    assertThat(sshKeys(clients, "bob").listSshKeys(ListSshKeysRequest.getDefaultInstance()).getKeysList())
        .extracting(SshKey::getFingerprint).doesNotContain(k.getFingerprint());
    // an identity that does not exist is told as such, not listed as one without keys (an admin's typo)
    assertThatThrownBy(() -> sshKeys(clients, "carol").listSshKeys(ListSshKeysRequest.newBuilder().setIdentity("bbo")
        .build())).satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessageContaining("no identity 'bbo' on this server");
    // and so is removing a key of it: not "'bbo' has no SSH key ...", which reads as an identity without that key
    assertThatThrownBy(() -> sshKeys(clients, "carol").removeSshKey(RemoveSshKeyRequest.newBuilder().setIdentity("bbo")
        .setFingerprint(k.getFingerprint()).build())).satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessageContaining("no identity 'bbo' on this server; `sealdrop admin identities list` lists them")
        .hasMessageNotContaining("has no SSH key");
    // an identity that exists without that key is told so
    assertThatThrownBy(() -> sshKeys(clients, "carol").removeSshKey(RemoveSshKeyRequest.newBuilder().setIdentity("bob")
        .setFingerprint(k.getFingerprint()).build())).satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessageContaining("'bob' has no SSH key " + k.getFingerprint());
    // one that exists and has no key is an empty list
    server.server().identities().registerAll(Map.of("keyless", Role.ACQUIRER));
    assertThat(sshKeys(clients, "carol").listSshKeys(ListSshKeysRequest.newBuilder().setIdentity("keyless")
        .build()).getKeysList()).isEmpty();
  }

  /**
   * A renewal: the same identity with a new certificate (new key pair and serial). Adding the key
   * again through the new certificate binds it to that one, so that the key keeps logging in once the
   * old certificate is revoked (or expires), and stops with the new one's revocation.
   */
  @Test
  void addingTheSameKeyAfterARenewalBindsItToTheNewCertificate() throws Exception {
    server.server().identities().registerAll(Map.of("renewer", Role.TRANSFEROR));
    CustomCerts.Issued old = CustomCerts.clientWithSubject(server.pki, new X500Name("CN=renewer"));
    CustomCerts.Issued renewed = CustomCerts.clientWithSubject(server.pki, new X500Name("CN=renewer"));
    KeyPair kp = SftpTestSupport.ed25519();
    AddSshKeyRequest line = AddSshKeyRequest.newBuilder().setPublicKey(openSsh(kp.getPublic())).build();
    SshKey first = stub(old).addSshKey(line).getKey();
    SshKey again = stub(renewed).addSshKey(line).getKey();
    assertThat(again.getFingerprint()).isEqualTo(first.getFingerprint());
    assertThat(stub(renewed).listSshKeys(ListSshKeysRequest.getDefaultInstance()).getKeysList())
        .extracting(SshKey::getFingerprint).containsExactly(first.getFingerprint());
    try (SshClient client = SftpTestSupport.client(server)) {
      server.server().identities().revokeCertificate(old.certificate());
      // bound to the renewed certificate: the old one's revocation does not concern it
      SftpTestSupport.login(client, server, "renewer", kp).close();
      server.server().identities().revokeCertificate(renewed.certificate());
      assertThatThrownBy(() -> SftpTestSupport.login(client, server, "renewer", kp))
          .isInstanceOf(java.io.IOException.class);
    }
  }

  /**
   * Review DH: a session logged in before its key was bound to a renewed certificate was registered under the old one,
   * so revoking the old certificate (as cli.md advises after a renewal) closed it and counted it, telling the client to
   * register its key again, which it had. It goes on, under the certificate its key is bound to now, whose revocation
   * closes it.
   */
  @Test
  void anOpenSessionWhoseKeyWasBoundToARenewedCertificateOutlivesTheOldOnesRevocation() throws Exception {
    server.server().identities().registerAll(Map.of("follower", Role.TRANSFEROR));
    CustomCerts.Issued old = CustomCerts.clientWithSubject(server.pki, new X500Name("CN=follower"));
    CustomCerts.Issued renewed = CustomCerts.clientWithSubject(server.pki, new X500Name("CN=follower"));
    KeyPair kp = SftpTestSupport.ed25519();
    AddSshKeyRequest line = AddSshKeyRequest.newBuilder().setPublicKey(openSsh(kp.getPublic())).build();
    stub(old).addSshKey(line);
    try (SshClient client = SftpTestSupport.client(server);
        ClientSession session = SftpTestSupport.login(client, server, "follower", kp);
        SftpClient sftp = SftpTestSupport.sftp(session)) {
      stub(renewed).addSshKey(line); // keys renew: the key is bound to the renewed certificate
      Thread.sleep(1_100); // past the session's cached check
      dev.sealdrop.protocol.v1.RevokeIdentityResponse first = admins.admin("carol").revokeIdentity(
          dev.sealdrop.protocol.v1.RevokeIdentityRequest.newBuilder().setIdentity("follower")
              .setCertificateSerial(old.certificate().getSerialNumber().toString(16)).build());
      assertThat(first.getSessionsClosed()).as("the old certificate's revocation closes nothing").isZero();
      assertThat(SftpTestSupport.names(sftp, "/")).as("the session goes on").isNotEmpty();
      assertThat(session.isOpen()).isTrue();

      dev.sealdrop.protocol.v1.RevokeIdentityResponse second = admins.admin("carol").revokeIdentity(
          dev.sealdrop.protocol.v1.RevokeIdentityRequest.newBuilder().setIdentity("follower")
              .setCertificateSerial(renewed.certificate().getSerialNumber().toString(16)).build());
      assertThat(second.getSessionsClosed()).as("the renewed one's revocation closes it").isOne();
    }
  }

  /**
   * Binding a key to a renewed certificate replaces its binding in one step: a login (or the re-check
   * of an open session) at that moment finds the key registered, never missing in between.
   */
  @Test
  void aKeyBeingBoundToARenewedCertificateKeepsLoggingInMeanwhile() throws Exception {
    server.server().identities().registerAll(Map.of("rebinder", Role.TRANSFEROR));
    CustomCerts.Issued[] certs = {CustomCerts.clientWithSubject(server.pki, new X500Name("CN=rebinder")),
        CustomCerts.clientWithSubject(server.pki, new X500Name("CN=rebinder"))};
    KeyPair kp = SftpTestSupport.ed25519();
    AddSshKeyRequest line = AddSshKeyRequest.newBuilder().setPublicKey(openSsh(kp.getPublic())).build();
    stub(certs[0]).addSshKey(line);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger rebinds = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CompletableFuture<Void> rebinding = java.util.concurrent.CompletableFuture.runAsync(() -> {
      SshKeysGrpc.SshKeysBlockingStub[] stubs = {stub(certs[0]), stub(certs[1])};
      while (!stop.get()) {
        stubs[(rebinds.get() + 1) % 2].withDeadlineAfter(20, java.util.concurrent.TimeUnit.SECONDS).addSshKey(line);
        rebinds.incrementAndGet();
      }
    }, threads);
    try (SshClient client = SftpTestSupport.client(server)) {
      for (int i = 0; i < 20; i++) {
        SftpTestSupport.login(client, server, "rebinder", kp).close();
      }
    } finally {
      stop.set(true);
      rebinding.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(rebinds.get()).isGreaterThan(5);
  }

  /**
   * A key moved to a renewed certificate keeps the time it was first added, and its audit record names the
   * certificate it came from: whoever held an exposed certificate may have added keys through it, which a renewal
   * moves with the owner's own (outside test: the key looked as new as the renewal, and the record as a plain add).
   */
  @Test
  void aKeyMovedToARenewedCertificateKeepsItsAddedTimeAndTheRecordNamesTheCertificateItCameFrom() throws Exception {
    server.server().identities().registerAll(Map.of("mover", Role.TRANSFEROR));
    CustomCerts.Issued old = CustomCerts.clientWithSubject(server.pki, new X500Name("CN=mover"));
    CustomCerts.Issued renewed = CustomCerts.clientWithSubject(server.pki, new X500Name("CN=mover"));
    KeyPair kp = SftpTestSupport.ed25519();
    AddSshKeyRequest line = AddSshKeyRequest.newBuilder().setPublicKey(openSsh(kp.getPublic())).build();
    SshKey first = stub(old).addSshKey(line).getKey();
    long addedAt = first.getAddedAtMillis();
    server.clock.advance(java.time.Duration.ofHours(5));
    try {
      SshKey moved = stub(renewed).addSshKey(line).getKey();
      assertThat(moved.getCertificateSerial())
          .isEqualTo(renewed.certificate().getSerialNumber().toString(16));
      assertThat(moved.getAddedAtMillis()).as("first added, not moved").isEqualTo(addedAt);
      assertThat(stub(renewed).listSshKeys(ListSshKeysRequest.getDefaultInstance()).getKeysList())
          .singleElement().satisfies(k -> assertThat(k.getAddedAtMillis()).isEqualTo(addedAt));
    } finally {
      server.clock.advance(java.time.Duration.ofHours(-5));
    }
    assertThat(server.server().audit().tail(5)).filteredOn(r -> r.action().equals("sshkey.add")
        && r.actor().equals("mover")).last().satisfies(r -> {
          assertThat(r.result()).isEqualTo("ok");
          assertThat(r.details()).containsEntry("fingerprint", first.getFingerprint())
              .containsEntry("rebound-from-serial", old.certificate().getSerialNumber().toString(16));
        });
  }

  /**
   * The certificate that registered a key expires: its open session is closed, and told that renewing
   * the certificate is not all: the key must be registered again through the renewed one.
   */
  @Test
  void aSessionWhoseKeysCertificateExpiredIsToldToRegisterTheKeyAgain() throws Exception {
    server.server().identities().registerAll(Map.of("expiring", Role.TRANSFEROR));
    CustomCerts.Issued cert = CustomCerts.clientWithSubject(server.pki, new X500Name("CN=expiring")); // 1 day
    KeyPair kp = SftpTestSupport.ed25519();
    stub(cert).addSshKey(AddSshKeyRequest.newBuilder().setPublicKey(openSsh(kp.getPublic())).build());
    try (SshClient client = SftpTestSupport.client(server);
        org.apache.sshd.client.session.ClientSession s = SftpTestSupport.login(client, server, "expiring", kp)) {
      java.util.concurrent.CompletableFuture<String> said = SftpTestSupport.disconnectMessage(s);
      server.clock.advance(java.time.Duration.ofDays(2));
      try {
        assertThat(said.get(15, java.util.concurrent.TimeUnit.SECONDS)).contains("session closed: this SSH key was"
            + " registered through a client certificate that is valid from").contains("renew it with your CA, then"
            + " run 'sealdrop keys renew --cert NEW.crt --key NEW.key' with the renewed one (it binds your SSH keys to"
            + " it) or register the key again with 'sealdrop keys add-ssh FILE.pub'")
            .endsWith("[CERTIFICATE_EXPIRED]");
      } finally {
        server.clock.advance(java.time.Duration.ofDays(-2));
      }
    }
    // audited: no admin act announced this close (outside test: nothing recorded it)
    assertThat(server.server().audit().tail(20)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("connection.close");
      assertThat(r.actor()).isEqualTo("expiring");
      assertThat(r.object()).isEqualTo("listener:sftp");
      assertThat(r.result()).isEqualTo("certificate-expired");
      assertThat(r.details()).containsKey("key").containsEntry("door", "sftp");
    });
  }

  private static SshKeysGrpc.SshKeysBlockingStub stub(CustomCerts.Issued cert) {
    return SshKeysGrpc.newBlockingStub(clients.channel(cert.privateKey(), cert.certificate()))
        .withDeadlineAfter(20, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Test
  void anIdentityMayRegisterAtMostSixteenKeys() throws Exception {
    for (int i = 0; i < 16; i++) {
      add("carol", openSsh(SftpTestSupport.ed25519().getPublic()));
    }
    assertThatThrownBy(() -> add("carol", openSsh(SftpTestSupport.ed25519().getPublic())))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED))
        .satisfies(e -> assertThat(Status.trailersFromThrowable(e).get(dev.sealdrop.server.testing.Statuses.REASON))
            .as("a limit of its own, not the storage quota").isEqualTo("TOO_MANY_SSH_KEYS"))
        .hasMessageContaining("'carol' has 16 SSH keys, the most allowed; remove one with 'sealdrop keys remove-ssh'");
    assertThat(server.server().audit().tail(3)).filteredOn(r -> r.action().equals("sshkey.add")).last()
        .satisfies(r -> assertThat(r.result()).isEqualTo("too-many-ssh-keys"));
  }
}

package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.get;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.names;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.put;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.util.List;
import java.util.function.Predicate;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 7: every SFTP action reaches the audit log with the same records as its gRPC twin, marked
 * with the door it came through; SFTP logins are audited as connections, refused ones included.
 */
class SftpAuditTest extends OneServerPerMethod {
  private static final List<String> TRANSFER = List.of("upload.", "grant.", "download.");

  SshClient client;

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    Users.publish(clients, server.pki, "bob");
    client = SftpTestSupport.client(server);
  }

  @AfterEach
  void stop() throws IOException {
    client.stop();
  }

  /** One record reduced to what must match between the doors. */
  record Act(String actor, String action, String result, String door) {
    static Act of(Audit.Entry e) {
      return new Act(e.actor(), e.action(), e.result(), e.details().getOrDefault("door", ""));
    }
  }

  List<Audit.Entry> records() {
    try {
      return server.server().audit().tail(10_000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long lastSequence() {
    List<Audit.Entry> all = records();
    return all.get(all.size() - 1).sequence();
  }

  List<Act> transferActsAfter(long sequence) {
    return records().stream().filter(e -> e.sequence() > sequence)
        .filter(e -> TRANSFER.stream().anyMatch(p -> e.action().startsWith(p))).map(Act::of).toList();
  }

  /** Waits (generously) for a record the server writes asynchronously, e.g. when a session closes. */
  Audit.Entry awaitRecord(Predicate<Audit.Entry> match) throws InterruptedException {
    long deadline = System.nanoTime() + SftpTestSupport.TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (Audit.Entry e : records()) {
        if (match.test(e)) {
          return e;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no such audit record in " + records());
  }

  @Test
  void anSftpUploadAndRedeemAuditTheSameSequenceAsTheGrpcTwinMarkedSftp() throws Exception {
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(100_000, 11), "bob");

    // the gRPC twin
    long before = lastSequence();
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    Transfers.download(clients.transfer("bob"), claim, 0);
    Transfers.confirm(clients, "bob", claim, sealed.fingerprint());
    List<Act> grpc = transferActsAfter(before);

    // the same through the SFTP door (the grant is made with the CLI's gRPC call, as in production)
    KeyPair aliceKey = registeredKey(clients, "alice");
    KeyPair bobKey = registeredKey(clients, "bob");
    long middle = lastSequence();
    String fileId;
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      List<String> known = names(sftp, "/outbox");
      put(sftp, "/outbox/deal.sealed", sealed.bytes());
      fileId = names(sftp, "/outbox").stream().filter(n -> !known.contains(n)).findFirst().orElseThrow();
    }
    CreateGrantResponse g2 = Transfers.grant(clients, "alice", fileId, "bob");
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      assertThat(get(sftp, "/redeem/" + g2.getToken())).isEqualTo(sealed.bytes());
    }
    List<Act> viaSftp = transferActsAfter(middle);

    assertThat(grpc).extracting(Act::action).containsExactly("upload.start", "upload.commit", "grant.create",
        "grant.redeem", "download.complete", "grant.consume");
    assertThat(grpc).extracting(Act::door).containsOnly("grpc");
    assertThat(viaSftp).extracting(a -> List.of(a.actor(), a.action(), a.result()))
        .as("the same records, actor by actor, in the same order")
        .containsExactlyElementsOf(grpc.stream().map(a -> List.of(a.actor(), a.action(), a.result())).toList());
    assertThat(viaSftp).filteredOn(a -> !a.action().equals("grant.create")).extracting(Act::door)
        .containsOnly("sftp");
    // the records name the objects by id, the SFTP ones like the gRPC ones
    List<Audit.Entry> sftpRecords = records().stream().filter(e -> e.sequence() > middle)
        .filter(e -> "sftp".equals(e.details().get("door"))).toList();
    assertThat(sftpRecords).filteredOn(e -> e.action().equals("upload.commit")).singleElement()
        .satisfies(e -> assertThat(e.object()).isEqualTo("file:" + fileId))
        .satisfies(e -> assertThat(e.peer()).startsWith("127.0.0.1:"));
    assertThat(sftpRecords).filteredOn(e -> e.action().startsWith("download.") || e.action().equals("grant.redeem")
        || e.action().equals("grant.consume")).extracting(Audit.Entry::object)
        .containsOnly("grant:" + g2.getGrant().getGrantId());
    // the logins, as connections of the sftp listener
    assertThat(sftpRecords).filteredOn(e -> e.action().equals("connection.accept"))
        .extracting(Audit.Entry::actor).containsExactly("alice", "bob");
    // no token or claim secret anywhere
    assertThat(records()).allSatisfy(e -> assertThat(e.toString()).doesNotContain(g2.getToken().substring(4))
        .doesNotContain(g.getToken().substring(4)).doesNotContain(claim.substring(4)));
  }

  @Test
  void sftpRefusalsAreAuditedWithTheCoreReasonAndTheDoor() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    KeyPair bobKey = registeredKey(clients, "bob");
    long before = lastSequence();
    // a key nobody registered: refused login, one record when the connection ends
    assertThatThrownBy(() -> login(client, server, "alice", SftpTestSupport.ed25519()))
        .hasMessageContaining("authentication");
    Audit.Entry refused = awaitRecord(e -> e.sequence() > before && e.action().equals("connection.refuse")
        && "sftp".equals(e.details().get("door")));
    assertThat(refused.actor()).isEqualTo("alice");
    assertThat(refused.result()).as("alice is an identity: the key is what is not hers (round Y)")
        .isEqualTo("ssh-key-not-registered");
    assertThat(refused.object()).isEqualTo("listener:sftp");
    long afterAlice = lastSequence();
    assertThatThrownBy(() -> login(client, server, "zed", SftpTestSupport.ed25519()))
        .hasMessageContaining("authentication");
    Audit.Entry noIdentity = awaitRecord(e -> e.sequence() > afterAlice && e.action().equals("connection.refuse")
        && "sftp".equals(e.details().get("door")));
    assertThat(noIdentity.actor()).isEqualTo("zed");
    assertThat(noIdentity.result()).as("a name that is no identity").isEqualTo("identity-unknown");

    // bob may not upload, alice may not redeem: the core's refusals, as over gRPC
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      assertThatThrownBy(() -> put(sftp, "/outbox/x.sealed", new byte[] {1, 2, 3}));
    }
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      assertThatThrownBy(() -> get(sftp, "/redeem/sdg_" + "A".repeat(43)));
    }
    assertThat(transferActsAfter(before)).containsExactly(
        new Act("bob", "upload.start", "role-forbidden", "sftp"),
        new Act("alice", "grant.redeem", "role-forbidden", "sftp"));
  }

  /**
   * Round DC: an SFTP login of a revoked identity was recorded {@code certificate-revoked}, the reason its client is
   * told, where the core records that refusal as {@code identity-revoked} (its refused gRPC call, the door's own
   * re-check's {@code connection.close}; docs/admin.md, "Results"); one certificate's revocation stays
   * {@code certificate-revoked}.
   */
  @Test
  void aRevokedIdentitysLoginIsRecordedAsTheIdentitysRevocationAndOneCertificatesAsThatCertificates()
      throws Exception {
    KeyPair daveKey = registeredKey(clients, "dave");
    KeyPair aliceKey = registeredKey(clients, "alice");
    server.server().identities().revokeIdentity("dave");
    server.server().identities().revokeCertificate(server.pki.certificate("alice"));
    long before = lastSequence();
    assertThatThrownBy(() -> login(client, server, "dave", daveKey)).hasMessageContaining("authentication");
    Audit.Entry dave = awaitRecord(e -> e.sequence() > before && e.action().equals("connection.refuse")
        && e.actor().equals("dave"));
    assertThat(dave.result()).isEqualTo("identity-revoked");
    assertThat(dave.details()).containsEntry("door", "sftp");
    long afterDave = lastSequence();
    assertThatThrownBy(() -> login(client, server, "alice", aliceKey)).hasMessageContaining("authentication");
    Audit.Entry alice = awaitRecord(e -> e.sequence() > afterDave && e.action().equals("connection.refuse")
        && e.actor().equals("alice"));
    assertThat(alice.result()).isEqualTo("certificate-revoked");
  }

  /** A user name that is no identity name cannot make a refusal's row read as another actor's act. */
  @Test
  void aRefusedLoginsActorShowsOnlyWhatAnIdentityNameCanHold() throws Exception {
    long before = lastSequence();
    assertThatThrownBy(() -> login(client, server, "carol   admin.identity.disable  identity:bob",
        SftpTestSupport.ed25519())).hasMessageContaining("authentication");
    Audit.Entry refused = awaitRecord(e -> e.sequence() > before && e.action().equals("connection.refuse")
        && "sftp".equals(e.details().get("door")));
    assertThat(refused.actor()).isEqualTo("carol???admin.identity.disable??identity?bob").doesNotContain(" ");
    // nor the actor of the server's own acts, or of none (round AI)
    for (String[] tried : new String[][] {{"server", "?server"}, {"Server", "?Server"}, {"-", "?-"}}) {
      long at = lastSequence();
      assertThatThrownBy(() -> login(client, server, tried[0], SftpTestSupport.ed25519()))
          .hasMessageContaining("authentication");
      assertThat(awaitRecord(e -> e.sequence() > at && e.action().equals("connection.refuse")
          && "sftp".equals(e.details().get("door"))).actor()).isEqualTo(tried[1]);
    }
  }

  /** MINA refuses the 9th session after the signature verified: not a missing or bad signature. */
  @Test
  void aLoginPastTheSessionLimitIsAuditedAsSuchNotAsUnauthenticated() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    List<ClientSession> open = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        open.add(login(client, server, "alice", aliceKey));
      }
      long before = lastSequence();
      assertThatThrownBy(() -> login(client, server, "alice", aliceKey));
      Audit.Entry refused = awaitRecord(e -> e.sequence() > before && e.action().equals("connection.refuse")
          && "sftp".equals(e.details().get("door")));
      assertThat(refused.actor()).isEqualTo("alice");
      assertThat(refused.result()).isEqualTo("too-many-sessions");
      assertThat(refused.details()).containsKey("key");
      // refused, not logged in: no login record for it (the refusal's text is the door's, but the login
      // must not go on as a session the door's handler took over)
      assertThat(records()).filteredOn(e -> e.sequence() > before && e.action().equals("connection.accept"))
          .isEmpty();
    } finally {
      for (ClientSession s : open) {
        s.close(true);
      }
    }
  }

  @Test
  void aRegisteredPublicKeyWithoutItsPrivateHalfIsNeitherLoggedNorAuditedAsALogin() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    // alice's public key is no secret; the private half here is someone else's, so the signature fails
    KeyPair forged = new KeyPair(aliceKey.getPublic(), SftpTestSupport.ed25519().getPrivate());
    long before = lastSequence();
    ch.qos.logback.classic.Logger security = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("sealdrop.security");
    CapturedLog logs = new CapturedLog();
    logs.start();
    security.addAppender(logs);
    try {
      assertThatThrownBy(() -> login(client, server, "alice", forged)).hasMessageContaining("authentication");
      Audit.Entry refused = awaitRecord(e -> e.sequence() > before && e.action().equals("connection.refuse")
          && "sftp".equals(e.details().get("door")));
      assertThat(refused.actor()).as("the user name tried").isEqualTo("alice");
      assertThat(refused.result()).isEqualTo("not-authenticated");
      assertThat(refused.details()).containsKey("key");
      assertThat(records()).filteredOn(e -> e.sequence() > before && e.action().equals("connection.accept"))
          .isEmpty();
      assertThat(logs.events()).extracting(ILoggingEvent::getFormattedMessage)
          .noneMatch(m -> m.contains("login accepted"));

      // a real login: logged once (not once per probe), after the signature was verified
      login(client, server, "alice", aliceKey).close(true);
      awaitRecord(e -> e.sequence() > before && e.action().equals("connection.accept"));
      assertThat(logs.events()).extracting(ILoggingEvent::getFormattedMessage)
          .filteredOn(m -> m.contains("SFTP login accepted for 'alice'")).hasSize(1);
    } finally {
      security.detachAppender(logs);
      logs.stop();
    }
  }

  /**
   * Review ED: a key that is not registered, then alice's registered public key without its private half: the record
   * names the last key tried, alice's, as not authenticated; it named the junk key's refusal, which hid the probe of
   * a registered key behind it.
   */
  @Test
  void aRefusedLoginIsRecordedWithTheLastKeyTried() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    KeyPair junk = SftpTestSupport.ed25519();
    KeyPair forged = new KeyPair(aliceKey.getPublic(), SftpTestSupport.ed25519().getPrivate());
    long before = lastSequence();
    ClientSession session = client.connect("alice", "127.0.0.1", server.server().sftpPort())
        .verify(SftpTestSupport.TIMEOUT).getSession();
    try (session) {
      session.addPublicKeyIdentity(junk);
      session.addPublicKeyIdentity(forged);
      assertThatThrownBy(() -> session.auth().verify(SftpTestSupport.TIMEOUT)).hasMessageContaining("authentication");
    }
    Audit.Entry refused = awaitRecord(e -> e.sequence() > before && e.action().equals("connection.refuse")
        && "sftp".equals(e.details().get("door")));
    assertThat(refused.actor()).isEqualTo("alice");
    assertThat(refused.result()).isEqualTo("not-authenticated");
    assertThat(refused.details()).containsEntry("key", fingerprint(aliceKey))
        .doesNotContainEntry("key", fingerprint(junk));
  }

  private static String fingerprint(KeyPair key) {
    org.apache.sshd.common.util.buffer.ByteArrayBuffer buf = new org.apache.sshd.common.util.buffer.ByteArrayBuffer();
    buf.putRawPublicKey(key.getPublic());
    return dev.sealdrop.server.core.sshkey.SshPublicKey.fingerprintOf(buf.getCompactData());
  }

  /** A client that tries only a password (never offered here) is audited with the user name it tried, not "-". */
  @Test
  void aPasswordOnlyAttemptIsAuditedWithTheUserNameItTried() throws Exception {
    long before = lastSequence();
    ClientSession session = client.connect("alice", "127.0.0.1", server.server().sftpPort())
        .verify(SftpTestSupport.TIMEOUT).getSession();
    try (session) {
      session.addPasswordIdentity("alices-password");
      assertThatThrownBy(() -> session.auth().verify(SftpTestSupport.TIMEOUT)).hasMessageContaining("authentication");
    }
    Audit.Entry refused = awaitRecord(e -> e.sequence() > before && e.action().equals("connection.refuse")
        && "sftp".equals(e.details().get("door")));
    assertThat(refused.actor()).isEqualTo("alice");
    assertThat(refused.result()).isEqualTo("not-authenticated");
    assertThat(refused.details()).doesNotContainKey("key");
  }

  /**
   * A key the core refuses for a reason its holder is told (here: the identity is disabled) is asked
   * about and then signed: two requests, one attempt, so the core checks (and logs at DEBUG) once (it was checked
   * twice), and a second attempt on the same connection is checked afresh (it logs in once the identity is
   * enabled). The refused attempt is logged at WARN once, when the connection ends, with its record.
   */
  @Test
  void aToldRefusalIsCheckedOncePerAttemptAndLoggedWithItsRecord() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    ch.qos.logback.classic.Logger security = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("sealdrop.security");
    ch.qos.logback.classic.Level level = security.getLevel();
    CapturedLog logs = new CapturedLog();
    logs.start();
    security.addAppender(logs);
    security.setLevel(ch.qos.logback.classic.Level.DEBUG);
    server.server().identities().setEnabled("alice", false);
    try (ClientSession s = client.connect("alice", "127.0.0.1", server.server().sftpPort())
        .verify(SftpTestSupport.TIMEOUT).getSession()) {
      s.addPublicKeyIdentity(aliceKey);
      assertThatThrownBy(() -> s.auth().verify(SftpTestSupport.TIMEOUT)).hasMessageContaining("authentication");
      assertThat(logs.events()).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.DEBUG)
          .extracting(ILoggingEvent::getFormattedMessage)
          .filteredOn(m -> m.startsWith("SSH login as 'alice'")).singleElement().asString().contains("refused");
      assertThat(logs.events()).as("not at WARN before the connection ends")
          .noneMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN
              && e.getFormattedMessage().startsWith("SSH login as"));
      server.server().identities().setEnabled("alice", true);
      s.auth().verify(SftpTestSupport.TIMEOUT);
      assertThat(s.isAuthenticated()).isTrue();
    } finally {
      server.server().identities().setEnabled("alice", true);
      security.detachAppender(logs);
      security.setLevel(level);
      logs.stop();
    }
  }

  /**
   * Anyone can try logins with keys nobody registered, by the hundred: each refused connection is logged at WARN
   * only when its audit record is written one by one, so the log is bounded by the same budget as the audit (an
   * outside test saw 300 WARN lines for 300 such logins), and each line says who, from where, why, and which key.
   */
  @Test
  void refusedLoginsAreLoggedOnlyWithTheirRecordsWithinTheBudget() throws Exception {
    registeredKey(clients, "bob");
    ch.qos.logback.classic.Logger security = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("sealdrop.security");
    CapturedLog logs = new CapturedLog();
    logs.start();
    security.addAppender(logs);
    long before = lastSequence();
    int budget = dev.sealdrop.server.core.audit.RefusalThrottle.DEFAULT_PER_MINUTE;
    KeyPair stranger = SftpTestSupport.ed25519();
    long start = System.nanoTime();
    try {
      for (int i = 0; i < budget + 10; i++) {
        assertThatThrownBy(() -> login(client, server, "bob", stranger)).hasMessageContaining("authentication");
      }
      // the server ends each refused connection after the client saw it fail: wait for the records to settle
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
      List<Audit.Entry> one;
      List<String> lines;
      do {
        Thread.sleep(200);
        one = records().stream().filter(e -> e.sequence() > before && e.action().equals("connection.refuse")
            && e.object().equals("listener:sftp") && !e.result().equals("rate-limited")).toList();
        lines = logs.events().stream().map(ILoggingEvent::getFormattedMessage)
            .filter(m -> m.startsWith("SSH login as 'bob'")).toList();
      } while ((one.size() < budget || lines.size() != one.size()) && System.nanoTime() < deadline);
      boolean withinTheMinute = System.nanoTime() - start < java.time.Duration.ofSeconds(55).toNanos();
      if (withinTheMinute) { // (on a machine so loaded that the logins took a minute, a new budget began)
        assertThat(one).as("the budget's worth recorded one by one, the rest only counted").hasSize(budget);
      }
      assertThat(one).allSatisfy(e -> assertThat(e.result()).isEqualTo("ssh-key-not-registered"));
      assertThat(lines).as("one WARN line per record written, none for a refusal only counted").hasSameSizeAs(one)
          .allSatisfy(m -> assertThat(m).contains("from 127.0.0.1:", "refused (ssh-key-not-registered)",
              org.apache.sshd.common.config.keys.KeyUtils.getFingerPrint(stranger.getPublic()), "not registered"));
      assertThat(logs.events()).filteredOn(e -> e.getFormattedMessage().startsWith("SSH login as 'bob'"))
          .allMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN);
    } finally {
      security.detachAppender(logs);
      logs.stop();
    }
  }

  @Test
  void refusedListingsAreAuditedAsTheirGrpcTwinsAre() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    KeyPair bobKey = registeredKey(clients, "bob");
    long before = lastSequence();
    assertThatThrownBy(() -> clients.transfer("alice").listInbox(ListInboxRequest.getDefaultInstance()));
    assertThatThrownBy(() -> clients.transfer("bob").listFiles(ListFilesRequest.getDefaultInstance()));
    List<List<String>> grpc = refusalsAfter(before, "grpc");
    assertThat(grpc).containsExactly(List.of("alice", "rpc:ListInbox", "role-forbidden"),
        List.of("bob", "rpc:ListFiles", "role-forbidden"));

    long middle = lastSequence();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      assertThatThrownBy(() -> names(sftp, "/inbox")).hasMessageContaining("ROLE_FORBIDDEN");
    }
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      assertThatThrownBy(() -> names(sftp, "/outbox")).hasMessageContaining("ROLE_FORBIDDEN");
    }
    assertThat(refusalsAfter(middle, "sftp")).as("the same records, marked sftp").isEqualTo(grpc);
  }

  /**
   * A stat of a name in a folder the caller may not list is refused as that listing is, and audited
   * once: MINA used to look the path up for every attribute view it reads, writing three to seven
   * identical call.refuse records for one stat (and then answering an empty file).
   */
  @Test
  void aRefusedStatIsAuditedOnceAsItsListingTwin() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    KeyPair bobKey = registeredKey(clients, "bob");
    long before = lastSequence();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      assertThatThrownBy(() -> sftp.stat("/outbox/anything")).hasMessageContaining("ROLE_FORBIDDEN");
    }
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      assertThatThrownBy(() -> sftp.stat("/inbox/anything")).hasMessageContaining("ROLE_FORBIDDEN");
      // a listing of /redeem is refused as redeeming is (round BN: its record was untested)
      assertThatThrownBy(() -> sftp.readDir("/redeem").forEach(e -> { }))
          .hasMessageContaining("only an acquirer may redeem grants");
    }
    assertThat(refusalsAfter(before, "sftp")).containsExactly(List.of("bob", "rpc:ListFiles", "role-forbidden"),
        List.of("alice", "rpc:ListInbox", "role-forbidden"), List.of("alice", "rpc:Redeem", "role-forbidden"));
  }

  /**
   * Round BU: refused changes to the tree (rm, rename, mkdir, links) left no trace, so probing the door with an
   * identity's key could not be seen. Each is a call.refuse of its operation, without the path; attribute changes, which
   * OpenSSH's scp and put -p ask for after every upload, are not recorded.
   */
  @Test
  void refusedChangesToTheTreeAreAuditedWithoutThePath() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    long before = lastSequence();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      assertThatThrownBy(() -> sftp.remove("/outbox/probe-remove"));
      assertThatThrownBy(() -> sftp.rename("/outbox/probe-a", "/outbox/probe-b"));
      assertThatThrownBy(() -> sftp.mkdir("/outbox/probe-dir"));
      assertThatThrownBy(() -> sftp.symLink("/outbox/probe-link", "/etc/shadow"));
      assertThatThrownBy(() -> sftp.setStat("/outbox", new SftpClient.Attributes().perms(0777)));
    }
    assertThat(refusalsAfter(before, "sftp")).containsExactly(List.of("alice", "sftp:remove", "operation-refused"),
        List.of("alice", "sftp:rename", "operation-refused"), List.of("alice", "sftp:mkdir", "operation-refused"),
        List.of("alice", "sftp:symlink", "operation-refused"));
    assertThat(records()).filteredOn(e -> e.sequence() > before).allSatisfy(e -> assertThat(e.toString())
        .doesNotContain("probe").doesNotContain("shadow"));
  }

  /**
   * Review ED: the same changes through a path the door refuses before the operation (`..`, a control character), the
   * classic traversal probes, were answered "path refused" and left no trace. They are recorded as the others are;
   * a refused path of a read (stat) is not a change and records nothing.
   */
  @Test
  void changesToTheTreeRefusedForTheirPathAreAuditedToo() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    long before = lastSequence();
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      assertThatThrownBy(() -> sftp.remove("/outbox/../probe-etc")).hasMessageContaining("path refused");
      assertThatThrownBy(() -> sftp.rename("/../probe-a", "/outbox/probe-b")).hasMessageContaining("path refused");
      assertThatThrownBy(() -> sftp.rename("/outbox/probe-a", "/outbox/../probe-b"))
          .hasMessageContaining("path refused");
      assertThatThrownBy(() -> sftp.mkdir("/outbox/probe\u0001dir")).hasMessageContaining("path refused");
      assertThatThrownBy(() -> sftp.rmdir("/outbox/../probe")).hasMessageContaining("path refused");
      assertThatThrownBy(() -> sftp.stat("/outbox/../probe-stat")).hasMessageContaining("path refused");
      // OpenSSH's rename: the posix-rename@openssh.com extension, read from the request's own bytes
      assertThatThrownBy(() -> sftp.getExtension(
          org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension.class)
          .posixRename("/outbox/probe-a", "/outbox/../probe-c")).hasMessageContaining("path refused");
      assertThatThrownBy(() -> sftp.remove("/outbox/" + "p".repeat(300))).hasMessageContaining("path refused");
    }
    assertThat(refusalsAfter(before, "sftp")).containsExactly(List.of("alice", "sftp:remove", "operation-refused"),
        List.of("alice", "sftp:rename", "operation-refused"), List.of("alice", "sftp:rename", "operation-refused"),
        List.of("alice", "sftp:mkdir", "operation-refused"), List.of("alice", "sftp:rmdir", "operation-refused"),
        List.of("alice", "sftp:rename", "operation-refused"), List.of("alice", "sftp:remove", "operation-refused"));
    assertThat(records()).filteredOn(e -> e.sequence() > before).allSatisfy(e -> assertThat(e.toString())
        .doesNotContain("probe"));
  }

  /** call.refuse records after {@code sequence} through {@code door}: actor, object, result. */
  List<List<String>> refusalsAfter(long sequence, String door) {
    return records().stream().filter(e -> e.sequence() > sequence && e.action().equals("call.refuse"))
        .filter(e -> door.equals(e.details().get("door")))
        .map(e -> List.of(e.actor(), e.object(), e.result())).toList();
  }
}

package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.certsdev.IssuedCert;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sealdrop keys renew} against a real server: a renewed certificate of the same identity keeps the keys
 * (same fingerprint: pins hold, files sealed before still open), is what the profile connects with from then
 * on (the old certificate can be revoked), and re-binds the SSH keys; anything that does not fit changes
 * nothing in the profile.
 */
class KeysRenewTest extends DevServerPerClass {
  static Cli bob;
  static Cli carol;

  @BeforeAll
  static void start() throws Exception {
    startServer();
    bob = Users.init(pki, root, "bob", address);
    bob.run("keys", "publish").assertExit(0);
    carol = Users.initWithAdmin(pki, root, "carol", server);
  }

  /** A certificate for {@code name} in its own files (DevPki writes NAME.crt/.key: copied away at once). */
  private static IssuedCert issue(String name, CertSpec spec, String label) throws Exception {
    IssuedCert c = pki.issue(spec);
    Path dir = Files.createDirectories(root.resolve("issued-" + label));
    Path cert = Files.copy(c.certFile(), dir.resolve(name + ".crt"));
    Path key = Files.copy(c.keyFile(), dir.resolve(name + ".key"));
    return new IssuedCert(name, c.certificate(), c.privateKey(), cert, key);
  }

  private static Map<String, byte[]> snapshot(Cli c) throws Exception {
    Map<String, byte[]> m = new HashMap<>();
    for (String f : List.of("tls/client.crt", "tls/client.key", "tls/ca.crt", "keys/bundle.skb", "keys/identity.key",
        "profile.properties")) {
      m.put(f, Files.readAllBytes(c.home().resolve(f)));
    }
    return m;
  }

  private static void assertUnchanged(Cli c, Map<String, byte[]> before) throws Exception {
    for (Map.Entry<String, byte[]> e : before.entrySet()) {
      assertThat(Files.readAllBytes(c.home().resolve(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  private static String serial(IssuedCert c) {
    return KeysRenewCommand.serial(c.certificate());
  }

  @Test
  void aRenewedCertificateKeepsTheKeysAndIsWhatTheProfileConnectsWithFromThenOn() throws Exception {
    OpenSsh.assumeInstalled(OpenSsh.SSH_KEYGEN);
    Instant now = Instant.now();
    IssuedCert old = issue("dora", CertSpec.client("dora").withValidity(now.minus(Duration.ofDays(1)),
        now.plus(Duration.ofDays(2))), "dora-old");
    carol.run("admin", "identities", "add", "dora", "--role", "transferor").assertExit(0);
    Cli dora = Users.user(root, "dora");
    dora.run("init", "--server", address, "--cert", old.certFile().toString(), "--key", old.keyFile().toString(),
        "--ca", pki.caCertFile().toString()).assertExit(0);
    dora.run("keys", "publish").assertExit(0);
    Path sshKey = OpenSsh.keygen(Files.createDirectories(root.resolve("ssh")).resolve("dora"), "ed25519", 0, "dora");
    dora.run("keys", "add-ssh", sshKey.resolveSibling("dora.pub").toString()).assertExit(0);
    String fingerprint = (String) dora.run("--json", "keys", "show").assertExit(0).json().get("fingerprint");
    // bob pins dora's key, and seals a file for her before the renewal
    assertThat(bob.run("--json", "keys", "show", "dora").assertExit(0).json()).containsEntry("status", "first_use");
    Path secret = Files.writeString(root.resolve("for-dora.csv"), "customer_id,name\n7,Dora's ACME\n");
    Path sealed = root.resolve("for-dora.sealed");
    bob.run("seal", secret.toString(), "--to", "dora", "-o", sealed.toString()).assertExit(0);

    IssuedCert renewed = issue("dora", CertSpec.client("dora").withValidity(now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(400))), "dora-new");
    CliRun r = dora.run("--json", "keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0);
    assertThat(r.json()).containsEntry("status", "renewed").containsEntry("identity", "dora")
        .containsEntry("fingerprint", fingerprint).containsEntry("published_fingerprint", fingerprint)
        .containsEntry("certificate_serial", serial(renewed)).containsEntry("previous_certificate_serial", serial(old));
    assertThat(Instant.parse((String) r.json().get("not_after"))).isAfter(now.plus(Duration.ofDays(399)));
    assertThat(r.list("ssh_keys")).singleElement().satisfies(k -> assertThat(k).containsEntry("status", "rebound"));
    assertThat(r.err()).contains("the profile now uses the renewed certificate");
    assertThat(dora.home().resolve("tls/client.crt")).hasSameBinaryContentAs(renewed.certFile());
    assertThat(dora.home().resolve("tls/client.key")).hasSameBinaryContentAs(renewed.keyFile());

    // bob's pin holds (same fingerprint) and takes the renewed bundle's later end
    Map<String, Object> shown = bob.run("--json", "keys", "show", "dora").assertExit(0).json();
    assertThat(shown).containsEntry("status", "known").containsEntry("fingerprint", fingerprint);
    assertThat(Instant.parse((String) shown.get("not_after"))).isAfter(now.plus(Duration.ofDays(399)));
    // the keys are the same: the file bob sealed before the renewal opens
    dora.run("keys", "show", "bob").assertExit(0);
    Path opened = root.resolve("opened-by-dora.csv");
    dora.run("open", sealed.toString(), "-o", opened.toString()).assertExit(0);
    assertThat(opened).hasSameTextualContentAs(secret);

    // the old certificate revoked, the profile goes on: it connects with the renewed one (and sends with it)
    carol.run("admin", "identities", "revoke", "dora", "--certificate", serial(old)).assertExit(0);
    CliRun sent = dora.run("--json", "send", secret.toString(), "--to", "bob").assertExit(0);
    Path inbox = Files.createDirectories(root.resolve("bob-from-dora"));
    bob.run("receive", (String) sent.json().get("token"), "-o", inbox.toString()).assertExit(0);
    assertThat(inbox.resolve("for-dora.csv")).hasSameTextualContentAs(secret);
    // the SSH key is bound to the renewed certificate: the revocation of the old one did not take it away
    assertThat(dora.run("--json", "keys", "list-ssh").assertExit(0).list("ssh_keys")).hasSize(1);

    // running it again is harmless: the same keys, the key already bound
    CliRun again = dora.run("--json", "keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0);
    assertThat(again.json()).containsEntry("fingerprint", fingerprint);
    assertThat(again.list("ssh_keys")).singleElement()
        .satisfies(k -> assertThat(k).containsEntry("status", "already-registered"));
  }

  @Test
  void whatDoesNotFitIsRefusedBeforeAnythingChanges() throws Exception {
    Instant now = Instant.now();
    Cli alice = Users.init(pki, root, "alice", address);
    Map<String, byte[]> before = snapshot(alice);

    CliRun other = alice.run("--json", "keys", "renew", "--cert", pki.certFile("bob").toString(), "--key",
        pki.keyFile("bob").toString()).assertExit(2);
    assertThat(other.jsonError()).containsEntry("reason", "IDENTITY_MISMATCH");
    assertThat(other.err()).contains("is bob's certificate, but the profile").contains("is alice's");

    IssuedCert expired = issue("alice", CertSpec.client("alice").withValidity(now.minus(Duration.ofDays(30)),
        now.minus(Duration.ofDays(1))), "alice-expired");
    assertThat(alice.run("--json", "keys", "renew", "--cert", expired.certFile().toString(), "--key",
        expired.keyFile().toString()).assertExit(2).jsonError()).containsEntry("reason", "CERTIFICATE_EXPIRED");

    IssuedCert fresh = issue("alice", CertSpec.client("alice"), "alice-fresh");
    assertThat(alice.run("--json", "keys", "renew", "--cert", fresh.certFile().toString(), "--key",
        pki.keyFile("bob").toString()).assertExit(2).jsonError()).containsEntry("reason", "KEY_CERT_MISMATCH");

    IssuedCert foreign = issue("alice", CertSpec.client("alice").fromForeignCa(), "alice-foreign");
    CliRun untrusted = alice.run("--json", "keys", "renew", "--cert", foreign.certFile().toString(), "--key",
        foreign.keyFile().toString()).assertExit(2);
    assertThat(untrusted.jsonError()).containsEntry("reason", "CERT_NOT_USABLE");
    assertThat(untrusted.err()).contains("the profile's CA");

    // from the profile's CA, CN alice, EKU clientAuth, but a CA certificate (CA:true): no one's client certificate
    IssuedCert ca = issue("alice", CertSpec.client("alice").asCa(), "alice-ca");
    CliRun caRun = alice.run("--json", "keys", "renew", "--cert", ca.certFile().toString(), "--key",
        ca.keyFile().toString()).assertExit(2);
    assertThat(caRun.jsonError()).containsEntry("reason", "CERT_NOT_USABLE");
    assertThat((String) caRun.jsonError().get("message")).contains("is a CA certificate (basicConstraints CA:true)");
    assertThat((String) caRun.jsonError().get("hint")).contains("ask your CA for a client certificate for alice")
        .contains("not a CA certificate").doesNotContain("intermediate");

    // EKU clientAuth and anyExtendedKeyUsage: the server refuses it at every handshake, so renew does too
    IssuedCert anyEku = issue("alice", CertSpec.client("alice").withEku(dev.sealdrop.certsdev.Eku.CLIENT_AUTH_AND_ANY),
        "alice-any-eku");
    CliRun anyRun = alice.run("--json", "keys", "renew", "--cert", anyEku.certFile().toString(), "--key",
        anyEku.keyFile().toString()).assertExit(2);
    assertThat(anyRun.jsonError()).containsEntry("reason", "CERT_NOT_USABLE");
    assertThat((String) anyRun.jsonError().get("message")).contains("the certificate allows anyExtendedKeyUsage");
    assertThat((String) anyRun.jsonError().get("hint")).contains("EKU clientAuth without anyExtendedKeyUsage");

    CliRun wrong = alice.withPassphrase("not alice's passphrase", "--json", "keys", "renew", "--cert",
        fresh.certFile().toString(), "--key", fresh.keyFile().toString()).assertExit(7);
    assertThat(wrong.jsonError()).containsEntry("reason", "WRONG_PASSPHRASE");

    // a bundle that is not of the profile's keys (here bob's) would change the fingerprint: refused
    Files.copy(root.resolve("home-bob/keys/bundle.skb"), alice.home().resolve("keys/bundle.skb"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    CliRun mixed = alice.run("--json", "keys", "renew", "--cert", fresh.certFile().toString(), "--key",
        fresh.keyFile().toString()).assertExit(7);
    assertThat(mixed.jsonError()).containsEntry("reason", "BUNDLE_NOT_OF_KEYS");
    // an unreadable bundle: restore it (the general hint, init again, would end in new keys)
    Files.write(alice.home().resolve("keys/bundle.skb"), new byte[0]);
    CliRun unreadable = alice.run("--json", "keys", "renew", "--cert", fresh.certFile().toString(), "--key",
        fresh.keyFile().toString()).assertExit(7);
    assertThat(unreadable.jsonError()).containsEntry("reason", "NO_BUNDLE");
    assertThat((String) unreadable.jsonError().get("hint"))
        .contains("restore " + alice.home().resolve("keys/bundle.skb")).contains("`sealdrop keys export` wrote").doesNotContain("run `sealdrop init` again");
    Files.write(alice.home().resolve("keys/bundle.skb"), before.get("keys/bundle.skb"));

    assertUnchanged(alice, before);
    assertThat(alice.run("--json", "keys", "renew").assertExit(2).err()).contains("--cert");
  }

  /**
   * A profile whose own bundle is gone: the commands that read it say it is missing and to restore it, never to run
   * init again (without --force it refuses the profile; with it, it makes new keys: outside test).
   */
  @Test
  void aMissingOwnBundleIsToldToBeRestoredNotMadeAnew() throws Exception {
    Path bundle = bob.home().resolve("keys/bundle.skb");
    Path aside = Files.move(bundle, root.resolve("bob-bundle-aside.skb"));
    try {
      for (List<String> cmd : List.of(List.of("keys", "publish"), List.of("keys", "show"),
          List.of("keys", "export", "-o", root.resolve("bob-export.skb").toString()))) {
        List<String> args = new java.util.ArrayList<>(List.of("--json"));
        args.addAll(cmd);
        CliRun r = bob.run(args.toArray(String[]::new)).assertExit(7);
        assertThat(r.jsonError()).as(cmd.toString()).containsEntry("reason", "NO_BUNDLE")
            .containsEntry("message", "your key bundle " + bundle + " is missing");
        assertThat((String) r.jsonError().get("hint")).as(cmd.toString()).contains("restore it from a backup")
            .contains("`sealdrop keys export`").contains("Do not run `sealdrop init --force`")
            .doesNotContain("run `sealdrop init` again");
      }
    } finally {
      Files.move(aside, bundle);
    }
    bob.run("keys", "publish").assertExit(0);
  }

  @Test
  void aRenewalTheServerDidNotHearOfIsCompletedByRunningItAgain() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Cli erin = Users.user(root, "erin");
    carol.run("admin", "identities", "add", "erin", "--role", "acquirer").assertExit(0);
    IssuedCert first = issue("erin", CertSpec.client("erin"), "erin-first");
    erin.run("init", "--server", address, "--cert", first.certFile().toString(), "--key", first.keyFile().toString(),
        "--ca", pki.caCertFile().toString()).assertExit(0);
    erin.run("keys", "publish").assertExit(0);
    erin.run("keys", "add-ssh", sshPublicKey("erin").toString()).assertExit(0);
    String fingerprint = (String) erin.run("--json", "keys", "show").assertExit(0).json().get("fingerprint");

    Instant now = Instant.now();
    IssuedCert second = issue("erin", CertSpec.client("erin").withValidity(now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(500))), "erin-second");
    Map<String, byte[]> before = snapshot(erin);
    Path config = erin.home().resolve("profile.properties");
    String properties = Files.readString(config);
    Files.writeString(config, properties.replace(String.valueOf(server.port()), String.valueOf(closed)));
    assertThat(Files.readString(config)).as("the profile points at a closed port").isNotEqualTo(properties);
    CliRun offline = erin.run("--json", "keys", "renew", "--cert", second.certFile().toString(), "--key",
        second.keyFile().toString()).assertExit(8);
    // review RM: the server is asked before the profile is switched (a switch made offline, then refused, could not be
    // put back)
    assertThat(offline.err()).doesNotContain("the profile now uses the renewed certificate");
    assertThat((String) offline.jsonError().get("hint")).as("round BK: not about transfers").isEqualTo("nothing was"
        + " changed: the profile still uses its certificate (serial " + serial(first) + ") (the server is asked"
        + " whether it takes the renewed certificate before the profile is switched to it); run the same `keys renew`"
        + " again once the server can be reached");
    Files.writeString(config, properties);
    assertUnchanged(erin, before);
    assertThat(erin.home().resolve("tls/previous-client.crt")).doesNotExist();

    // a run stopped after it switched the profile and before the server heard of it leaves this (the bundle it had
    // re-signed aside: a completing run signs it again)
    Files.copy(erin.home().resolve("tls/client.crt"), erin.home().resolve("tls/previous-client.crt"));
    Files.copy(second.keyFile(), erin.home().resolve("tls/client.key"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(second.certFile(), erin.home().resolve("tls/client.crt"), StandardCopyOption.REPLACE_EXISTING);
    // a mistaken run in between, with a certificate the server refuses, changes nothing, tls/previous-client.crt
    // included: it still names the first certificate, whose SSH key the completed renewal below must move
    byte[] previousBefore = Files.readAllBytes(erin.home().resolve("tls/previous-client.crt"));
    IssuedCert revoked = issue("erin", CertSpec.client("erin"), "erin-revoked");
    carol.run("admin", "identities", "revoke", "erin", "--certificate", serial(revoked)).assertExit(0);
    CliRun mistaken = erin.run("--json", "keys", "renew", "--cert", revoked.certFile().toString(), "--key",
        revoked.keyFile().toString()).assertExit(3);
    assertThat((String) mistaken.jsonError().get("message")).contains("nothing was changed: the profile still uses its"
        + " certificate (serial " + serial(second) + ")");
    assertThat(erin.home().resolve("tls/previous-client.crt")).as("unchanged").hasBinaryContent(previousBefore);
    assertThat(erin.home().resolve("tls/client.crt")).hasSameBinaryContentAs(second.certFile());
    // the server still serves the bundle signed with the first certificate
    assertThat(Instant.parse((String) bob.run("--json", "keys", "show", "erin").assertExit(0).json().get("not_after")))
        .isBefore(now.plus(Duration.ofDays(450)));
    CliRun done = erin.run("--json", "keys", "renew", "--cert", second.certFile().toString(), "--key",
        second.keyFile().toString()).assertExit(0);
    // the run that switched the profile kept the certificate it renewed from: its SSH key moves on now
    assertThat(done.json()).containsEntry("fingerprint", fingerprint).containsEntry("certificate_serial",
        serial(second)).containsEntry("previous_certificate_serial", serial(first));
    assertThat(done.list("ssh_keys")).singleElement().satisfies(k -> assertThat(k).containsEntry("status", "rebound")
        .containsEntry("certificate_serial", serial(second)));
    // now it serves the one signed with the second: same fingerprint, the second certificate's end
    Map<String, Object> shown = bob.run("--json", "keys", "show", "erin").assertExit(0).json();
    assertThat(shown).containsEntry("status", "known").containsEntry("fingerprint", fingerprint);
    assertThat(Instant.parse((String) shown.get("not_after"))).isAfter(now.plus(Duration.ofDays(450)));
  }

  @Test
  void aCertificateTheServerRefusesPutsTheProfileBackAsItWas() throws Exception {
    carol.run("admin", "identities", "add", "fay", "--role", "transferor").assertExit(0);
    IssuedCert first = issue("fay", CertSpec.client("fay"), "fay-first");
    Cli fay = Users.user(root, "fay");
    fay.run("init", "--server", address, "--cert", first.certFile().toString(), "--key", first.keyFile().toString(),
        "--ca", pki.caCertFile().toString()).assertExit(0);
    fay.run("keys", "publish").assertExit(0);
    Map<String, byte[]> before = snapshot(fay);

    // a certificate an admin revoked (say, the old one passed by mistake): the client cannot know, the server can
    IssuedCert revoked = issue("fay", CertSpec.client("fay"), "fay-revoked");
    carol.run("admin", "identities", "revoke", "fay", "--certificate", serial(revoked)).assertExit(0);
    CliRun refused = fay.run("--json", "keys", "renew", "--cert", revoked.certFile().toString(), "--key",
        revoked.keyFile().toString()).assertExit(3);
    assertThat(refused.jsonError()).containsEntry("reason", "CERTIFICATE_REVOKED");
    assertThat((String) refused.jsonError().get("message")).contains("the server refused the renewed certificate")
        .contains(serial(revoked)).contains("nothing was changed: the profile still uses its certificate (serial "
        + serial(first) + ")");
    assertThat((String) refused.jsonError().get("hint")).contains("pass the newest certificate your CA issued you");
    assertUnchanged(fay, before);
    assertThat(fay.home().resolve("tls/previous-client.crt")).as("it had none before").doesNotExist();
    fay.run("keys", "publish").assertExit(0);

    // the identity disabled: put back too, and the same command completes once it is enabled again
    IssuedCert renewed = issue("fay", CertSpec.client("fay"), "fay-renewed");
    carol.run("admin", "identities", "disable", "fay", "--reason", "on leave").assertExit(0);
    CliRun disabled = fay.run("--json", "keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(3);
    assertThat(disabled.jsonError()).containsEntry("reason", "IDENTITY_DISABLED");
    // said once, as the identity's standing (review EQ: "refused the renewed certificate: the server refused your
    // identity: ... your certificate is fine")
    assertThat((String) disabled.jsonError().get("message")).contains("the server refused the renewed certificate")
        .contains("because your identity is disabled by an admin").doesNotContain("the server refused your identity")
        .doesNotContain("your certificate is fine").contains("the renewed certificate is not at fault");
    assertThat((String) disabled.jsonError().get("hint")).contains("then run the same command again");
    assertUnchanged(fay, before);
    carol.run("admin", "identities", "enable", "fay").assertExit(0);
    assertThat(fay.run("--json", "keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0).json()).containsEntry("certificate_serial", serial(renewed))
        .containsEntry("previous_certificate_serial", serial(first));
    assertThat(fay.home().resolve("tls/client.crt")).hasSameBinaryContentAs(renewed.certFile());

    // review RM: a profile an interrupted run had switched to a certificate the server then refuses is not said to be
    // put back (it stayed on the refused certificate, told "put back as it was")
    IssuedCert later = issue("fay", CertSpec.client("fay"), "fay-later");
    Files.copy(fay.home().resolve("tls/client.crt"), fay.home().resolve("tls/previous-client.crt"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.copy(later.keyFile(), fay.home().resolve("tls/client.key"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(later.certFile(), fay.home().resolve("tls/client.crt"), StandardCopyOption.REPLACE_EXISTING);
    carol.run("admin", "identities", "revoke", "fay", "--certificate", serial(later)).assertExit(0);
    CliRun stays = fay.run("--json", "keys", "renew", "--cert", later.certFile().toString(), "--key",
        later.keyFile().toString()).assertExit(3);
    assertThat((String) stays.jsonError().get("message")).contains("the profile stays on it")
        .doesNotContain("put back");
    assertThat((String) stays.jsonError().get("hint")).contains("with a certificate the server accepts");
  }

  @Test
  void aCertificateEndingSoonerIsWarnedOfAndTheOldOnesRevocationIsOffered() throws Exception {
    Instant now = Instant.now();
    carol.run("admin", "identities", "add", "gus", "--role", "transferor").assertExit(0);
    IssuedCert current = issue("gus", CertSpec.client("gus").withValidity(now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(300))), "gus-current");
    Cli gus = Users.user(root, "gus");
    gus.run("init", "--server", address, "--cert", current.certFile().toString(), "--key",
        current.keyFile().toString(), "--ca", pki.caCertFile().toString()).assertExit(0);

    // a renewal to a longer certificate: no warning, and the old certificate's revocation is offered
    IssuedCert longer = issue("gus", CertSpec.client("gus").withValidity(now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(400))), "gus-longer");
    CliRun renewed = gus.run("keys", "renew", "--cert", longer.certFile().toString(), "--key",
        longer.keyFile().toString()).assertExit(0);
    assertThat(renewed.err()).doesNotContain("warning")
        .contains("the profile now uses the renewed certificate (serial " + serial(longer) + ")");
    assertThat(renewed.out()).contains("Renewed gus's certificate: serial " + serial(longer))
        .contains("the previous certificate (serial " + serial(current) + ") stays valid until")
        // true whether or not an admin revoked it already: the CLI cannot know
        .contains(" unless an admin has revoked it or revokes it; if it may be exposed, ask one to (if not done yet):"
            + " `sealdrop admin identities revoke gus --certificate " + serial(current) + "`")
        .doesNotContain("still works");

    // one that ends before the profile's (an older certificate passed by mistake) is taken, with a warning
    CliRun back = gus.run("keys", "renew", "--cert", current.certFile().toString(), "--key",
        current.keyFile().toString()).assertExit(0);
    assertThat(back.err()).contains("warning: --cert " + current.certFile() + " (serial " + serial(current) + ") ends"
        + " at").contains("before the certificate the profile used until now (serial " + serial(longer));
    assertThat(gus.home().resolve("tls/client.crt")).hasSameBinaryContentAs(current.certFile());

    // the same certificate again says so instead of "Renewed"
    CliRun same = gus.run("keys", "renew", "--cert", current.certFile().toString(), "--key",
        current.keyFile().toString()).assertExit(0);
    assertThat(same.out()).startsWith("gus's profile already uses this certificate (serial " + serial(current) + ")")
        .doesNotContain("Renewed").contains("the previous certificate (serial " + serial(longer) + ")");
    assertThat(same.err()).doesNotContain("warning").doesNotContain("now uses")
        .contains("the profile already uses this certificate (serial " + serial(current) + "); its certificate and key"
            + " are unchanged. Publishing your key bundle signed with it again.");
    // and so does --json, for a script
    CliRun sameJson = gus.run("--json", "keys", "renew", "--cert", current.certFile().toString(), "--key",
        current.keyFile().toString()).assertExit(0);
    assertThat(sameJson.json()).containsEntry("status", "already-current");
    // the same certificate in another file (with the CA after it) replaces the file: not "unchanged" (round BJ)
    Path chain = Files.writeString(root.resolve("gus-chain.crt"), Files.readString(current.certFile())
        + Files.readString(pki.caCertFile()));
    CliRun withChain = gus.run("keys", "renew", "--cert", chain.toString(), "--key", current.keyFile().toString())
        .assertExit(0);
    assertThat(withChain.err()).contains("its certificate file now holds --cert " + chain + " as given")
        .doesNotContain("are unchanged");
    assertThat(gus.home().resolve("tls/client.crt")).hasSameBinaryContentAs(chain);
  }

  @Test
  void anEd25519OrP521CertificateIsRefusedBeforeAnythingChanges() throws Exception {
    IssuedCert first = issue("ines", CertSpec.client("ines"), "ines-first");
    Cli ines = Users.user(root, "ines");
    ines.run("init", "--server", address, "--cert", first.certFile().toString(), "--key",
        first.keyFile().toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    Map<String, byte[]> before = snapshot(ines);
    for (String algorithm : List.of("Ed25519", "EC-P521")) {
      IssuedCert other = issue("ines", CertSpec.client("ines").withKeyAlgorithm(algorithm), "ines-" + algorithm);
      CliRun r = ines.run("--json", "keys", "renew", "--cert", other.certFile().toString(), "--key",
          other.keyFile().toString()).assertExit(2);
      assertThat(r.jsonError()).as(algorithm).containsEntry("reason", "CERT_KEY_NOT_FOR_TLS")
          .satisfies(e -> assertThat((String) e.get("hint")).contains("ECDSA P-256"));
      assertUnchanged(ines, before);
    }
  }

  @Test
  void aCertificateIsTakenAtItsNotAfterSecondAndRefusedAfterIt() throws Exception {
    carol.run("admin", "identities", "add", "jon", "--role", "acquirer").assertExit(0);
    IssuedCert first = issue("jon", CertSpec.client("jon"), "jon-first");
    Cli jon = Users.user(root, "jon");
    jon.run("init", "--server", address, "--cert", first.certFile().toString(), "--key",
        first.keyFile().toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    IssuedCert renewed = issue("jon", CertSpec.client("jon").withValidity(now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(200))), "jon-renewed");
    Instant notAfter = renewed.certificate().getNotAfter().toInstant();
    String[] renew = {"--json", "keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()};

    Map<String, byte[]> before = snapshot(jon);
    CliRun late = jon.at(java.time.Clock.fixed(notAfter.plusSeconds(1), java.time.ZoneOffset.UTC), renew).assertExit(2);
    assertThat(late.jsonError()).containsEntry("reason", "CERTIFICATE_EXPIRED");
    assertUnchanged(jon, before);

    CliRun last = jon.at(java.time.Clock.fixed(notAfter, java.time.ZoneOffset.UTC), renew).assertExit(0);
    assertThat(last.json()).containsEntry("status", "renewed").containsEntry("certificate_serial", serial(renewed));
    assertThat(jon.home().resolve("tls/client.crt")).hasSameBinaryContentAs(renewed.certFile());
  }

  @Test
  void initOverAnExistingProfileSpellsOutTheRenewalWithTheFilesGiven() throws Exception {
    carol.run("admin", "identities", "add", "hal", "--role", "acquirer").assertExit(0);
    IssuedCert first = issue("hal", CertSpec.client("hal"), "hal-first");
    Cli hal = Users.user(root, "hal");
    hal.run("init", "--server", address, "--cert", first.certFile().toString(), "--key", first.keyFile().toString(),
        "--ca", pki.caCertFile().toString()).assertExit(0);
    Map<String, byte[]> before = snapshot(hal);

    // the renewed files in a folder whose name needs quoting in a shell
    IssuedCert renewed = issue("hal", CertSpec.client("hal"), "hal's renewal");
    CliRun exists = hal.run("--json", "init", "--server", address, "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString(), "--ca", pki.caCertFile().toString()).assertExit(2);
    assertThat(exists.jsonError()).containsEntry("reason", "PROFILE_EXISTS");
    String quotedCert = "'" + renewed.certFile().toString().replace("'", "'\\''") + "'";
    String quotedKey = "'" + renewed.keyFile().toString().replace("'", "'\\''") + "'";
    assertThat(quotedCert).contains("hal'\\''s renewal");
    assertThat((String) exists.jsonError().get("hint")).contains("`sealdrop --home "
        + dev.sealdrop.client.cli.output.ShellWords.of(hal.home().toString()) + " keys renew --cert " + quotedCert
        + " --key " + quotedKey
        + "`");
    assertUnchanged(hal, before);
    hal.run("keys", "renew", "--cert", renewed.certFile().toString(), "--key", renewed.keyFile().toString())
        .assertExit(0);
  }

  /**
   * One identity, two devices: each profile has its own certificate and registered its own SSH key. Renewing one
   * profile moves only its own key: the other device's stays bound to that device's certificate, so that revoking
   * it (a lost laptop) still cuts that key.
   */
  @Test
  void renewingOneDeviceLeavesTheSshKeysOfAnotherDevicesCertificateBoundToIt() throws Exception {
    carol.run("admin", "identities", "add", "hana", "--role", "transferor").assertExit(0);
    IssuedCert desktop = issue("hana", CertSpec.client("hana"), "hana-desktop");
    IssuedCert laptop = issue("hana", CertSpec.client("hana"), "hana-laptop");
    Cli atDesk = Users.user(root, "hana-desktop");
    Cli onLaptop = Users.user(root, "hana-laptop");
    for (Object[] d : new Object[][] {{atDesk, desktop}, {onLaptop, laptop}}) {
      IssuedCert c = (IssuedCert) d[1];
      ((Cli) d[0]).run("init", "--server", address, "--cert", c.certFile().toString(), "--key",
          c.keyFile().toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    }
    atDesk.run("keys", "publish").assertExit(0);
    String desktopKey = addSsh(atDesk, "hana-desktop");
    String laptopKey = addSsh(onLaptop, "hana-laptop");

    IssuedCert renewed = renewMovingOnly(atDesk, "hana", desktopKey, laptopKey, serial(laptop));
    // as the server holds them: the laptop's key is still vouched for by the laptop's certificate only
    assertThat(atDesk.run("--json", "keys", "list-ssh").assertExit(0).list("ssh_keys"))
        .anySatisfy(k -> assertThat(k).containsEntry("fingerprint", laptopKey)
            .containsEntry("certificate_serial", serial(laptop)))
        .anySatisfy(k -> assertThat(k).containsEntry("fingerprint", desktopKey)
            .containsEntry("certificate_serial", serial(renewed)));
    assertThat(atDesk.run("keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0).out()).contains("left bound to another certificate of yours (serial "
        + serial(laptop));
  }

  /**
   * Outside test: an attacker with a stolen certificate registered an SSH key through it; an admin revoked that
   * certificate; its owner renewed, and the renewal bound the attacker's key to the new certificate, so it logged in
   * again. A key registered through a revoked certificate is now left where it is (it does not log in), named, and
   * moved only when registered again knowingly with add-ssh.
   */
  @Test
  void renewingAfterARevokedCertificateDoesNotMoveTheSshKeysRegisteredThroughIt() throws Exception {
    carol.run("admin", "identities", "add", "ivo", "--role", "transferor").assertExit(0);
    IssuedCert stolen = issue("ivo", CertSpec.client("ivo"), "ivo-stolen");
    Cli ivo = Users.user(root, "ivo-own");
    Cli thief = Users.user(root, "ivo-thief");
    for (Cli c : List.of(ivo, thief)) {
      c.run("init", "--server", address, "--cert", stolen.certFile().toString(), "--key",
          stolen.keyFile().toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    }
    String own = addSsh(ivo, "ivo-own");
    String planted = addSsh(thief, "ivo-thief");
    carol.run("admin", "identities", "revoke", "ivo", "--certificate", serial(stolen)).assertExit(0);

    IssuedCert renewed = issue("ivo", CertSpec.client("ivo"), "ivo-renewed");
    CliRun r = ivo.run("--json", "keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0);
    assertThat(r.list("ssh_keys")).hasSize(2).allSatisfy(k -> assertThat(k)
        .containsEntry("status", "revoked-certificate").containsEntry("certificate_serial", serial(stolen)));
    assertThat(ivo.run("--json", "keys", "list-ssh").assertExit(0).list("ssh_keys"))
        .allSatisfy(k -> assertThat(k).containsEntry("certificate_serial", serial(stolen))
            .containsEntry("certificate_revoked", true));
    assertThat(ivo.run("keys", "list-ssh").assertExit(0).out()).contains(serial(stolen) + " REVOKED");
    CliRun again = ivo.run("keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0);
    assertThat(again.out()).contains("NOT moved: it was registered through certificate serial " + serial(stolen)
        + ", which is revoked").contains("`sealdrop keys remove-ssh " + planted + "`")
        .contains("the previous certificate (serial " + serial(stolen) + ") is revoked: it no longer connects")
        .doesNotContain("stays valid");

    // the owner registers their own key again, knowingly: it is bound to the renewed certificate; the planted one not
    ivo.run("keys", "add-ssh", root.resolve("ssh-jdk").resolve("ivo-own.pub").toString()).assertExit(0);
    assertThat(ivo.run("--json", "keys", "list-ssh").assertExit(0).list("ssh_keys"))
        .anySatisfy(k -> assertThat(k).containsEntry("fingerprint", own)
            .containsEntry("certificate_serial", serial(renewed)))
        .anySatisfy(k -> assertThat(k).containsEntry("fingerprint", planted)
            .containsEntry("certificate_serial", serial(stolen)));

    // review BD: a later renew, from a certificate that is not the revoked one, named the planted key "another
    // device's" and offered to bind it here
    IssuedCert later = issue("ivo", CertSpec.client("ivo"), "ivo-later");
    CliRun next = ivo.run("--json", "keys", "renew", "--cert", later.certFile().toString(), "--key",
        later.keyFile().toString()).assertExit(0);
    assertThat(next.list("ssh_keys"))
        .anySatisfy(k -> assertThat(k).containsEntry("fingerprint", planted)
            .containsEntry("status", "revoked-certificate"))
        .noneSatisfy(k -> assertThat(k).containsEntry("status", "other-certificate"));
    // and the certificate renewed from (valid) is not said to be revoked because a key of the stolen one is (review RJ)
    IssuedCert last = issue("ivo", CertSpec.client("ivo"), "ivo-last");
    assertThat(ivo.run("keys", "renew", "--cert", last.certFile().toString(), "--key", last.keyFile().toString())
        .assertExit(0).out()).contains("the previous certificate (serial " + serial(later) + ") stays valid until")
        .doesNotContain("is revoked: it no longer connects").contains("NOT moved: it was registered through"
            + " certificate serial " + serial(stolen));
  }

  /**
   * Outside test (round M): renewing first and revoking the old certificate after, as the output suggests, moves every
   * key registered through it, a thief's too, which then logs in through the renewed certificate. The renewal names
   * each key it moves with its comment and the time it was first added (not the renewal's), and asks the user to
   * check them.
   */
  @Test
  void aRenewalNamesEachKeyItMovesWithItsCommentAndFirstAddedTimeAndAsksToCheckThem() throws Exception {
    carol.run("admin", "identities", "add", "ines", "--role", "transferor").assertExit(0);
    IssuedCert exposed = issue("ines", CertSpec.client("ines"), "ines-exposed");
    Cli ines = Users.user(root, "ines-own");
    Cli thief = Users.user(root, "ines-thief");
    for (Cli c : List.of(ines, thief)) {
      c.run("init", "--server", address, "--cert", exposed.certFile().toString(), "--key",
          exposed.keyFile().toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    }
    String planted = addSsh(thief, "ines-thief");
    String addedAt = (String) thief.run("--json", "keys", "list-ssh").assertExit(0).list("ssh_keys").get(0)
        .get("added_at");
    Thread.sleep(1_100); // the renewal comes later than the key was added, by more than the times' precision

    IssuedCert renewed = issue("ines", CertSpec.client("ines"), "ines-renewed");
    CliRun r = ines.run("keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0);
    assertThat(r.out()).contains(planted + " (ssh-ed25519) now bound to the renewed certificate (comment 'ines-thief',"
        + " first added " + addedAt + ")")
        .contains("check that each SSH key moved is yours: if the previous certificate may have been exposed, one you"
            + " do not know was added by whoever held it: remove it (`sealdrop keys remove-ssh FINGERPRINT`)");
    assertThat(ines.run("--json", "keys", "list-ssh").assertExit(0).list("ssh_keys")).singleElement()
        .satisfies(k -> assertThat(k).containsEntry("added_at", addedAt));
    // --json says the same: each key with its comment and when it was first added
    CliRun again = ines.run("--json", "keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0);
    assertThat(again.list("ssh_keys")).singleElement().satisfies(k -> assertThat(k)
        .containsEntry("comment", "ines-thief").containsEntry("added_at", addedAt));
  }

  /**
   * Review EH: an ECDSA key registered before ECDSA was refused (session 58) is listed, but adding it anew is refused;
   * renew's move of it failed the whole renew, on every re-run, and the keys after it were not moved. It is named as
   * not moved, with what to do, and the others move.
   */
  @Test
  void aRenewalMovesTheOtherKeysAndNamesAnEcdsaKeyItCannotMove() throws Exception {
    carol.run("admin", "identities", "add", "jana", "--role", "transferor").assertExit(0);
    IssuedCert first = issue("jana", CertSpec.client("jana"), "jana-first");
    Cli jana = Users.user(root, "jana-own");
    jana.run("init", "--server", address, "--cert", first.certFile().toString(), "--key", first.keyFile().toString(),
        "--ca", pki.caCertFile().toString()).assertExit(0);
    String ed = addSsh(jana, "jana-ed");
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
    g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    java.security.interfaces.ECPublicKey ec = (java.security.interfaces.ECPublicKey) g.generateKeyPair().getPublic();
    java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(blob);
    for (String field : new String[] {"ecdsa-sha2-nistp256", "nistp256"}) {
      out.writeInt(field.length());
      out.write(field.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    byte[] point = new byte[65];
    point[0] = 4;
    byte[] x = ec.getW().getAffineX().toByteArray();
    byte[] y = ec.getW().getAffineY().toByteArray();
    System.arraycopy(x, Math.max(0, x.length - 32), point, 1 + Math.max(0, 32 - x.length), Math.min(32, x.length));
    System.arraycopy(y, Math.max(0, y.length - 32), point, 33 + Math.max(0, 32 - y.length), Math.min(32, y.length));
    out.writeInt(65);
    out.write(point);
    String legacy = "SHA256:" + java.util.Base64.getEncoder().withoutPadding().encodeToString(
        java.security.MessageDigest.getInstance("SHA-256").digest(blob.toByteArray()));
    // as a server before session 58 stored it, through the same certificate
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:"
        + root.resolve("data").resolve("sealdrop.db")); java.sql.Statement st = c.createStatement()) {
      st.execute("PRAGMA busy_timeout = 30000");
      st.execute("INSERT INTO ssh_keys (fingerprint, identity, algorithm, public_key, comment, certificate, added_at,"
          + " ca_key) SELECT '" + legacy + "', identity, 'ecdsa-sha2-nistp256', X'" + java.util.HexFormat.of()
          .formatHex(blob.toByteArray()) + "', 'jana-legacy', certificate, added_at - 1000, ca_key FROM ssh_keys"
          + " WHERE identity = 'jana'");
    }

    IssuedCert renewed = issue("jana", CertSpec.client("jana"), "jana-renewed");
    CliRun r = jana.run("keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0);
    assertThat(r.out()).contains(legacy + " (ecdsa-sha2-nistp256) NOT moved: keys of this type are no longer accepted")
        .contains("`sealdrop keys remove-ssh " + legacy + "`").contains(ed + " (ssh-ed25519) now bound to the renewed");
    jana.run("keys", "remove-ssh", legacy).assertExit(0);
  }

  /**
   * A serial names a certificate only within its issuing CA: a laptop certificate of the same identity from an
   * intermediate CA, with the very serial of the desktop's certificate, is another certificate. Renewing the
   * desktop moves only the desktop's SSH key (matched by the certificate's fingerprint), not the laptop's.
   */
  @Test
  void aCertificateOfAnotherCaWithAnEqualSerialIsNotTheOneBeingRenewed() throws Exception {
    carol.run("admin", "identities", "add", "ivy", "--role", "transferor").assertExit(0);
    IssuedCert desktop = issue("ivy", CertSpec.client("ivy"), "ivy-desktop");
    java.security.KeyPair issuingKeys = IntermediateCaTest.newKeyPair();
    java.security.cert.X509Certificate issuing = IntermediateCaTest.issuingCa(pki.caCertificate(),
        dev.sealdrop.client.keystore.Pem.privateKey(pki.dir().resolve("ca.key")), issuingKeys);
    java.security.KeyPair laptopKeys = IntermediateCaTest.newKeyPair();
    java.security.cert.X509Certificate laptop = IntermediateCaTest.clientCertificate("ivy", laptopKeys, issuing,
        issuingKeys.getPrivate(), desktop.certificate().getSerialNumber());
    Path laptopDir = Files.createDirectories(root.resolve("ivy-laptop-files"));
    Path laptopCert = Files.writeString(laptopDir.resolve("ivy-chain.crt"), IntermediateCaTest.pem(laptop)
        + IntermediateCaTest.pem(issuing));
    Path laptopKeyFile = Files.writeString(laptopDir.resolve("ivy.key"),
        IntermediateCaTest.pem(laptopKeys.getPrivate()));

    Cli atDesk = Users.user(root, "ivy-desktop");
    Cli onLaptop = Users.user(root, "ivy-laptop");
    atDesk.run("init", "--server", address, "--cert", desktop.certFile().toString(), "--key",
        desktop.keyFile().toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    onLaptop.run("init", "--server", address, "--cert", laptopCert.toString(), "--key", laptopKeyFile.toString(),
        "--ca", pki.caCertFile().toString()).assertExit(0);
    atDesk.run("keys", "publish").assertExit(0);
    String desktopKey = addSsh(atDesk, "ivy-desktop");
    String laptopKey = addSsh(onLaptop, "ivy-laptop");
    assertThat(atDesk.run("--json", "keys", "list-ssh").assertExit(0).list("ssh_keys")).hasSize(2)
        .allSatisfy(k -> assertThat(k).containsEntry("certificate_serial", serial(desktop)));

    renewMovingOnly(atDesk, "ivy", desktopKey, laptopKey, serial(desktop));
  }

  /** Registers a fresh SSH key named {@code name} through {@code cli}'s profile; its fingerprint. */
  private static String addSsh(Cli cli, String name) throws Exception {
    return (String) cli.run("--json", "keys", "add-ssh", sshPublicKey(name).toString()).assertExit(0)
        .object("ssh_key").get("fingerprint");
  }

  /**
   * Renews {@code desk}'s profile to a new certificate of {@code identity} and checks that it re-binds its own SSH
   * key {@code moved} and leaves {@code kept} bound to the other device's certificate (serial {@code keptSerial}).
   */
  private static IssuedCert renewMovingOnly(Cli desk, String identity, String moved, String kept, String keptSerial)
      throws Exception {
    IssuedCert renewed = issue(identity, CertSpec.client(identity), identity + "-desktop-renewed");
    CliRun r = desk.run("--json", "keys", "renew", "--cert", renewed.certFile().toString(), "--key",
        renewed.keyFile().toString()).assertExit(0);
    assertThat(r.list("ssh_keys")).hasSize(2)
        .anySatisfy(k -> assertThat(k).containsEntry("fingerprint", moved).containsEntry("status", "rebound")
            .containsEntry("certificate_serial", serial(renewed)))
        .anySatisfy(k -> assertThat(k).containsEntry("fingerprint", kept)
            .containsEntry("status", "other-certificate").containsEntry("certificate_serial", keptSerial));
    return renewed;
  }

  /** An OpenSSH ed25519 public key file for {@code name}, made with the JDK (no ssh-keygen needed). */
  private static Path sshPublicKey(String name) throws Exception {
    java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] spki = pair.getPublic().getEncoded();
    byte[] raw = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(blob);
    byte[] type = "ssh-ed25519".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    out.writeInt(type.length);
    out.write(type);
    out.writeInt(raw.length);
    out.write(raw);
    Path dir = Files.createDirectories(root.resolve("ssh-jdk"));
    return Files.writeString(dir.resolve(name + ".pub"), "ssh-ed25519 "
        + java.util.Base64.getEncoder().encodeToString(blob.toByteArray()) + " " + name + "\n");
  }
}

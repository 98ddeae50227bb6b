package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.server.core.identity.Role;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sealdrop keys add-ssh / list-ssh / remove-ssh} against a real server; carol is the admin.
 * Key files come from OpenSSH's own {@code ssh-keygen}.
 */
class SshKeysCommandTest extends DevServerPerClass {
  static Cli alice;
  static Cli bob;
  static Cli carol;
  static Path keys;

  @BeforeAll
  static void start() throws Exception {
    OpenSsh.assumeInstalled(OpenSsh.SSH_KEYGEN);
    startServer();
    alice = Users.init(pki, root, "alice", address);
    bob = Users.init(pki, root, "bob", address);
    carol = Users.init(pki, root, "carol", address);
    keys = Files.createDirectories(root.resolve("ssh"));
  }

  private static Path newKey(String name, String type, int bits) throws Exception {
    return OpenSsh.keygen(keys.resolve(name), type, bits, name);
  }

  private static Path pub(Path privateKey) {
    return privateKey.resolveSibling(privateKey.getFileName() + ".pub");
  }

  /** A profile whose server address has nothing listening: any network call would exit 8. */
  private static Cli offline() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Cli c = Users.user(root, "alice-offline-" + System.nanoTime());
    c.run("init", "--server", "127.0.0.1:" + closed, "--cert", pki.certFile("alice").toString(), "--key",
        pki.keyFile("alice").toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    return c;
  }

  @Test
  void badKeyFilesAreUsageErrorsBeforeAnyNetworkCall() throws Exception {
    Cli off = offline();
    Path priv = newKey("private-given", "ed25519", 0);
    CliRun p = off.run("--json", "keys", "add-ssh", priv.toString()).assertExit(2);
    assertThat(p.jsonError()).containsEntry("reason", "SSH_PRIVATE_KEY");
    assertThat(p.err()).contains("is a PRIVATE key; it was not sent anywhere").contains(".pub");

    assertThat(off.run("--json", "keys", "add-ssh", keys.resolve("missing.pub").toString()).assertExit(2)
        .jsonError()).containsEntry("reason", "FILE_NOT_FOUND");
    // a folder is named as one (it was FILE_NOT_FOUND, "no such file: DIR"), as other commands name it
    CliRun folder = off.run("--json", "keys", "add-ssh", keys.toString()).assertExit(2);
    assertThat(folder.jsonError()).containsEntry("reason", "IS_A_FOLDER")
        .containsEntry("message", keys + " is a folder; `sealdrop keys add-ssh` registers one public key file"
            + " (FILE.pub)");
    assertThat(folder.err()).contains("name the .pub file inside it").doesNotContain("no such file");

    Path garbage = Files.writeString(keys.resolve("garbage.pub"), "hello world, not a key\n");
    Path empty = Files.writeString(keys.resolve("empty.pub"), "\n");
    Path binary = Files.write(keys.resolve("binary.pub"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
    Path twoKeys = Files.writeString(keys.resolve("two.pub"), Files.readString(pub(priv)) + Files.readString(pub(priv)));
    String line = Files.readString(pub(priv)).strip();
    Path wrongBlob = Files.writeString(keys.resolve("wrong-blob.pub"), line.replace("ssh-ed25519 ", "ssh-rsa ") + "\n");
    Path notBase64 = Files.writeString(keys.resolve("not-base64.pub"), "ssh-ed25519 ***** x\n");
    Path withOptions = Files.writeString(keys.resolve("options.pub"), "from=\"10.0.0.1\" " + line + "\n");
    Path rfc4716 = Files.writeString(keys.resolve("rfc4716.pub"),
        "---- BEGIN SSH2 PUBLIC KEY ----\nAAAAC3NzaC1lZDI1NTE5AAAAIA==\n---- END SSH2 PUBLIC KEY ----\n");
    for (Path bad : List.of(garbage, empty, binary, twoKeys, wrongBlob, notBase64, withOptions, rfc4716)) {
      CliRun r = off.run("--json", "keys", "add-ssh", bad.toString()).assertExit(2);
      assertThat(r.jsonError()).as(bad.getFileName().toString()).containsEntry("reason", "NOT_SSH_PUBLIC_KEY");
      assertThat(r.err()).contains("is not an OpenSSH public key: ").contains("sealdrop: hint: pass a .pub file");
    }
    // options before the key are named as such (outside test: "its key data is not base64")
    Path noPty = Files.writeString(keys.resolve("no-pty.pub"), "no-pty " + line + "\n");
    assertThat(off.run("--json", "keys", "add-ssh", noPty.toString()).assertExit(2).err())
        .contains("it starts with authorized_keys options (no-pty), which are not accepted: give the key line alone");
    Path dss = Files.writeString(keys.resolve("dss.pub"), "ssh-dss AAAAB3NzaC1kc3M= old\n");
    assertThat(off.run("--json", "keys", "add-ssh", dss.toString()).assertExit(2).jsonError())
        .containsEntry("reason", "SSH_KEY_TYPE");
    // an OpenSSH certificate: the plain key it was made for is what to register (round BJ)
    String certType = "ssh-ed25519-cert-v01@openssh.com";
    java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream();
    wire.write(new byte[] {0, 0, 0, (byte) certType.length()});
    wire.write(certType.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    wire.write(new byte[16]);
    Path cert = Files.writeString(keys.resolve("id-cert.pub"), certType + " "
        + java.util.Base64.getEncoder().encodeToString(wire.toByteArray()) + " me\n");
    CliRun certRun = off.run("--json", "keys", "add-ssh", cert.toString()).assertExit(2);
    assertThat(certRun.jsonError()).containsEntry("reason", "SSH_KEY_TYPE");
    assertThat((String) certRun.jsonError().get("hint")).startsWith("register the plain public key the certificate");
    assertThat(off.run("--json", "keys", "remove-ssh", "not-a-fingerprint").assertExit(2).jsonError())
        .containsEntry("reason", "BAD_FINGERPRINT");
    // a good key with the server away is a network failure: the checks above really ran first
    assertThat(off.run("--json", "keys", "add-ssh", pub(newKey("good-offline", "ed25519", 0)).toString())
        .assertExit(8).jsonError()).containsEntry("kind", "unavailable");
  }

  @Test
  void theServerRefusesAWeakKeyAndAKeyRegisteredTwice() throws Exception {
    CliRun weak = alice.run("--json", "keys", "add-ssh", pub(newKey("weak-rsa", "rsa", 2048)).toString())
        .assertExit(2);
    assertThat(weak.jsonError()).containsEntry("kind", "usage");
    assertThat(weak.err()).contains("the server refused the request: ");

    Path shared = pub(newKey("shared", "ed25519", 0));
    alice.run("keys", "add-ssh", shared.toString()).assertExit(0);
    // re-running it is no error and says so: the key is already hers
    CliRun mine = alice.run("keys", "add-ssh", shared.toString()).assertExit(0);
    assertThat(mine.out()).contains("is already registered to you (alice); nothing to do")
        .doesNotContain("generate").doesNotContain("Added");
    assertThat(alice.run("--json", "keys", "add-ssh", shared.toString()).assertExit(0).json())
        .containsEntry("status", "already-registered");
    assertThat(alice.run("--json", "keys", "list-ssh").assertExit(0).jsonList("ssh_keys"))
        .extracting(k -> k.get("comment")).as("registered once").containsOnlyOnce("shared");
    CliRun again = bob.run("--json", "keys", "add-ssh", shared.toString()).assertExit(2);
    assertThat(again.jsonError()).containsEntry("reason", "SSH_KEY_REGISTERED");
    assertThat(again.err()).contains("ssh-keygen -t ed25519").contains("already in use")
        .as("whose key it is is not told").doesNotContain("alice");
    assertThat(bob.run("--json", "keys", "list-ssh").assertExit(0).jsonList("ssh_keys")).isEmpty();
  }

  /** An admin naming an identity that does not exist: remove-ssh says so, as list-ssh does (not "has no SSH key"). */
  @Test
  void removeSshOfAnIdentityThatDoesNotExistSaysSoAsListSshDoes() throws Exception {
    CliRun remove = carol.run("--json", "keys", "remove-ssh", "SHA256:" + "A".repeat(43), "--identity", "nosuch")
        .assertExit(2);
    CliRun list = carol.run("--json", "keys", "list-ssh", "nosuch").assertExit(2);
    assertThat(remove.jsonError()).containsEntry("kind", "usage").containsEntry("reason", "NOT_FOUND")
        .containsEntry("message", list.jsonError().get("message"));
    assertThat(remove.err()).contains("no identity 'nosuch' on this server").doesNotContain("has no SSH key")
        .contains("hint: check the identity's name (`sealdrop admin identities list` lists them)");
    // an identity that exists without that key: told so, the hint naming both
    CliRun keyless = carol.run("--json", "keys", "remove-ssh", "SHA256:" + "A".repeat(43), "--identity", "bob")
        .assertExit(2);
    assertThat(keyless.err()).contains("'bob' has no SSH key SHA256:" + "A".repeat(43))
        .contains("`sealdrop keys list-ssh bob` lists its keys");
  }

  /**
   * A renewal: a new certificate for the same identity, in a new profile. Adding the key again there
   * binds it to the new certificate and says so, not "Added" (which reads as a second key) nor "nothing
   * to do"; the old profile (its certificate still valid) can bind it back the same way.
   */
  @Test
  void addingYourKeyAgainAfterARenewalSaysItIsNowBoundToTheNewCertificate() throws Exception {
    server.identities().registerAll(Map.of("renewing", Role.TRANSFEROR));
    String address = "127.0.0.1:" + server.port();
    pki.issue(CertSpec.client("renewing"));
    Cli before = Users.init(pki, root, "renewing", address);
    Path key = pub(newKey("renewing", "ed25519", 0));
    before.run("keys", "add-ssh", key.toString()).assertExit(0);
    pki.issue(CertSpec.client("renewing")); // the renewed certificate: new key pair and serial, same identity
    Cli renewed = Users.user(root, "renewing-renewed");
    renewed.run("init", "--server", address, "--cert", pki.certFile("renewing").toString(), "--key",
        pki.keyFile("renewing").toString(), "--ca", pki.caCertFile().toString()).assertExit(0);

    CliRun rebound = renewed.run("keys", "add-ssh", key.toString()).assertExit(0);
    assertThat(rebound.out()).startsWith("SSH key " + fingerprint(key) + " (ssh-ed25519, 256 bits) of renewing was"
        + " registered through another client certificate; it is now bound to this profile's certificate")
        .doesNotContain("Added").doesNotContain("nothing to do");
    assertThat(renewed.run("--json", "keys", "add-ssh", key.toString()).assertExit(0).json())
        .containsEntry("status", "already-registered");
    assertThat(before.run("--json", "keys", "add-ssh", key.toString()).assertExit(0).json())
        .containsEntry("status", "rebound");
    assertThat(renewed.run("--json", "keys", "list-ssh").assertExit(0).jsonList("ssh_keys"))
        .extracting(k -> k.get("fingerprint")).containsExactly(fingerprint(key));
  }

  @Test
  void removingAnUnknownFingerprintIsNotFound() throws Exception {
    String fp = fingerprint(pub(newKey("never-added", "ed25519", 0)));
    CliRun r = alice.run("--json", "keys", "remove-ssh", fp).assertExit(2);
    assertThat(r.jsonError()).containsEntry("reason", "NOT_FOUND");
    assertThat(r.err()).contains("sealdrop: hint: check the fingerprint with `sealdrop keys list-ssh`");
  }

  @Test
  void aNonAdminCannotListOrRemoveAnothersKeysButAnAdminCan() throws Exception {
    Path key = pub(newKey("alice-laptop", "ed25519", 0));
    String fp = (String) ssh(alice.run("--json", "keys", "add-ssh", key.toString()).assertExit(0)).get("fingerprint");

    CliRun bobRemoves = bob.run("--json", "keys", "remove-ssh", fp, "--identity", "alice").assertExit(6);
    assertThat(bobRemoves.jsonError()).containsEntry("kind", "permission").containsEntry("reason", "ROLE_FORBIDDEN");
    // bob naming only the fingerprint removes nothing of alice's either: it is looked up among his own keys
    assertThat(bob.run("--json", "keys", "remove-ssh", fp).assertExit(2).jsonError())
        .containsEntry("reason", "NOT_FOUND");
    assertThat(bob.run("--json", "keys", "list-ssh", "alice").assertExit(6).jsonError())
        .containsEntry("kind", "permission");
    assertThat(alice.run("--json", "keys", "list-ssh").assertExit(0).jsonList("ssh_keys"))
        .extracting(k -> k.get("fingerprint")).contains(fp);

    assertThat(carol.run("--json", "keys", "list-ssh", "alice").assertExit(0).jsonList("ssh_keys"))
        .extracting(k -> k.get("fingerprint")).contains(fp);
    CliRun typo = carol.run("--json", "keys", "list-ssh", "alcie").assertExit(2);
    assertThat(typo.jsonError()).containsEntry("reason", "NOT_FOUND")
        .containsEntry("hint", "check the identity's name (`sealdrop admin identities list` lists them)");
    CliRun removed = carol.run("--json", "keys", "remove-ssh", fp, "--identity", "alice").assertExit(0);
    assertThat(removed.json()).containsEntry("status", "removed");
    assertThat(ssh(removed)).containsEntry("identity", "alice").containsEntry("fingerprint", fp);
    assertThat(alice.run("--json", "keys", "list-ssh").assertExit(0).jsonList("ssh_keys"))
        .extracting(k -> k.get("fingerprint")).doesNotContain(fp);
  }

  @Test
  void addListRemoveOwnKeyWithFingerprintsAsSshKeygenPrintsThem() throws Exception {
    Path key = pub(newKey("alice-ci", "ed25519", 0));
    String expected = fingerprint(key);
    CliRun added = alice.run("--json", "keys", "add-ssh", key.toString()).assertExit(0);
    assertThat(added.json()).containsEntry("ok", true).containsEntry("status", "added");
    assertThat(ssh(added)).containsEntry("identity", "alice").containsEntry("fingerprint", expected)
        .containsEntry("algorithm", "ssh-ed25519").containsEntry("bits", 256L).containsEntry("comment", "alice-ci")
        .containsKey("added_at");

    String human = alice.run("keys", "list-ssh").assertExit(0).out();
    assertThat(human).contains("FINGERPRINT").contains(expected).contains("alice-ci");

    // review EA: ECDSA is not among the SSH policy's user keys (SECURITY.md §3.4); refused before the server is asked
    Path ecdsa = pub(newKey("alice-ecdsa", "ecdsa", 384));
    assertThat(alice.run("--json", "keys", "add-ssh", ecdsa.toString()).assertExit(2).jsonError())
        .containsEntry("reason", "SSH_KEY_TYPE");
    Path rsa = pub(newKey("alice-rsa", "rsa", 3072));
    assertThat(alice.run("keys", "add-ssh", rsa.toString()).assertExit(0).out())
        .startsWith("Added SSH key " + fingerprint(rsa) + " (ssh-rsa, 3072 bits) for alice");

    assertThat(alice.run("keys", "remove-ssh", expected).assertExit(0).out())
        .startsWith("Removed SSH key " + expected);
    assertThat(alice.run("--json", "keys", "list-ssh").assertExit(0).jsonList("ssh_keys"))
        .extracting(k -> k.get("fingerprint")).doesNotContain(expected).contains(fingerprint(rsa));
    // the prefix in lower case (round BJ: refused as not a fingerprint)
    String lower = "sha256:" + fingerprint(rsa).substring("SHA256:".length());
    assertThat(alice.run("keys", "remove-ssh", lower).assertExit(0).out())
        .startsWith("Removed SSH key " + fingerprint(rsa));
  }

  @Test
  void aFingerprintIsTakenWithOrWithoutItsPrefixAndAnMd5OneIsToldTheSha256Form() throws Exception {
    String digits = "Xf3" + "A".repeat(40);
    for (String given : new String[] {"SHA256:" + digits, "sha256:" + digits}) {
      assertThat(KeysCommand.sha256Fingerprint(given)).as(given).isEqualTo("SHA256:" + digits);
    }
    // 43 bare characters may be a grant token's secret (round BO): refused, never echoed
    for (String secret : new String[] {digits, "Xq3vR8kT0bN2mW5yHc7jL1pD4sF6gA9eU-iO_zKwE2c",
        "SHA256:Xq3vR8kT0bN2mW5yHc7jL1pD4sF6gA9eU-iO_zKwE2c"}) {
      dev.sealdrop.client.failure.UsageFailure f = org.assertj.core.api.Assertions.catchThrowableOfType(
          dev.sealdrop.client.failure.UsageFailure.class, () -> KeysCommand.sha256Fingerprint(secret));
      assertThat(f.reason()).isEqualTo("BAD_FINGERPRINT");
      assertThat(f.getMessage()).doesNotContain(secret.substring(secret.length() - 20));
    }
    for (String md5 : new String[] {"MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48",
        "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"}) {
      dev.sealdrop.client.failure.UsageFailure f = org.assertj.core.api.Assertions.catchThrowableOfType(
          dev.sealdrop.client.failure.UsageFailure.class, () -> KeysCommand.sha256Fingerprint(md5));
      assertThat(f.reason()).isEqualTo("BAD_FINGERPRINT");
      assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("SHA256").contains("ssh-keygen -lf"));
    }
    // round CN: add-ssh takes the key's file, and so remove-ssh was given it: the hint says how to get its fingerprint
    dev.sealdrop.client.failure.UsageFailure file = org.assertj.core.api.Assertions.catchThrowableOfType(
        dev.sealdrop.client.failure.UsageFailure.class, () -> KeysCommand.sha256Fingerprint("my key.pub"));
    assertThat(file.getMessage()).contains("it names a key file");
    assertThat(file.hint()).hasValueSatisfying(h -> assertThat(h).contains("ssh-keygen -lf 'my key.pub'"));
    for (String bad : new String[] {"SHA256:" + digits + "=", digits.substring(1), "SHA256:", ""}) {
      assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(dev.sealdrop.client.failure.UsageFailure.class,
          () -> KeysCommand.sha256Fingerprint(bad)).reason()).as(bad).isEqualTo("BAD_FINGERPRINT");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> ssh(CliRun r) {
    return (Map<String, Object>) r.json().get("ssh_key");
  }

  /** {@code ssh-keygen -l -f FILE}'s SHA256 fingerprint. */
  private static String fingerprint(Path pub) throws Exception {
    Process p = new ProcessBuilder(OpenSsh.SSH_KEYGEN.toString(), "-l", "-E", "sha256", "-f", pub.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out.split(" ")[1];
  }
}

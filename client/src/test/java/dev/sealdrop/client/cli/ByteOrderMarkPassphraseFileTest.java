package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.keys.PrivateKeyFile;
import dev.sealdrop.keys.PrivateKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A passphrase file that starts with a UTF-8 byte-order mark (Windows Notepad writes one): the mark
 * is not part of the passphrase, and key files locked with it by earlier versions still unlock.
 */
class ByteOrderMarkPassphraseFileTest {
  private static final byte[] BOM = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};

  @TempDir
  static Path root;
  static DevPki pki;
  static Path data;

  @BeforeAll
  static void setUp() throws Exception {
    pki = DevPki.loadOrCreate(root.resolve("pki"));
    data = Files.writeString(root.resolve("clients.csv"), "id,name\n1,ACME GmbH\n", StandardCharsets.UTF_8);
  }

  private static Path notepadFile(String name, String passphrase) throws Exception {
    byte[] text = (passphrase + "\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[BOM.length + text.length];
    System.arraycopy(BOM, 0, all, 0, BOM.length);
    System.arraycopy(text, 0, all, BOM.length, text.length);
    return Files.write(root.resolve(name), all);
  }

  private static Cli init(String name, Path home, String... passphraseSource) {
    Cli c = new Cli(home, passphraseSource.length == 0 ? Users.passphrase(name) : null);
    String[] args = {"--json", "init", "--server", "127.0.0.1:1", "--cert", pki.certFile(name).toString(),
        "--key", pki.keyFile(name).toString(), "--ca", pki.caCertFile().toString()};
    String[] all = new String[args.length + passphraseSource.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(passphraseSource, 0, all, args.length, passphraseSource.length);
    c.run(all).assertExit(0);
    return c;
  }

  /** Seals {@code data} for the profile's own exported bundle: a command that unlocks the signing key offline. */
  private static CliRun sealForSelf(Cli c, String passphrase, String... passphraseSource) throws Exception {
    Path bundle = c.home().resolveSibling(c.home().getFileName() + ".skb");
    if (!Files.exists(bundle)) {
      c.run("keys", "export", "-o", bundle.toString()).assertExit(0);
    }
    Path out = c.home().resolveSibling(c.home().getFileName() + "-" + System.nanoTime() + ".sealed");
    String[] args = {"--json", "seal", data.toString(), "--to", bundle.toString(), "-o", out.toString()};
    String[] all = new String[args.length + passphraseSource.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(passphraseSource, 0, all, args.length, passphraseSource.length);
    return c.withPassphrase(passphrase, all);
  }

  @Test
  void keysCreatedFromANotepadFileUnlockWithTheSameWordsTypedOrSetInTheVariable() throws Exception {
    Path file = notepadFile("alice-notepad.txt", "alice notepad words");
    Cli alice = init("alice", root.resolve("home-alice-bom"), "--passphrase-file", file.toString());
    sealForSelf(alice, "alice notepad words").assertExit(0);
    // and from the same file
    sealForSelf(alice, null, "--passphrase-file", file.toString()).assertExit(0);
    // the words with the mark in front are not the passphrase
    CliRun marked = sealForSelf(alice, "\uFEFFalice notepad words").assertExit(7);
    assertThat(marked.jsonError()).containsEntry("reason", "WRONG_PASSPHRASE");
  }

  @Test
  void keysLockedWithTheMarkByEarlierVersionsStillUnlockFromTheFile() throws Exception {
    Cli bob = init("bob", root.resolve("home-bob-legacy"));
    // what init --passphrase-file did with a Notepad file before the mark was dropped
    Path keyFile = bob.home().resolve("keys/identity.key");
    PrivateKeys keys = PrivateKeyFile.read(keyFile, Users.passphrase("bob").toCharArray());
    try {
      PrivateKeyFile.write(keyFile, keys, ("\uFEFF" + Users.passphrase("bob")).toCharArray());
    } finally {
      keys.destroy();
    }
    Path file = notepadFile("bob-notepad.txt", Users.passphrase("bob"));
    sealForSelf(bob, null, "--passphrase-file", file.toString()).assertExit(0);
    // a wrong passphrase from a file with a mark is still refused as such (after both tries)
    Path wrong = notepadFile("bob-wrong.txt", "not bob's words");
    CliRun r = sealForSelf(bob, null, "--passphrase-file", wrong.toString()).assertExit(7);
    assertThat(r.jsonError()).containsEntry("reason", "WRONG_PASSPHRASE");
  }
}

package dev.sealdrop.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.audit.internal.KeyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditKeyTest {
  // The signed-note reference vector from golang.org/x/mod/sumdb/note (note_test.go / package doc).
  private static final String GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
  private static final String GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  private static final String GO_TEXT = "If you think cryptography is the answer to your problem,\n"
      + "then you don't know what your problem is.\n";
  private static final String GO_SIG = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

  @TempDir Path dir;

  @Test
  void interoperatesWithTheGoSignedNoteReferenceVector() throws IOException {
    Path file = dir.resolve("peter.key");
    KeyFiles.writeOwnerOnly(file, GO_SKEY + "\n");
    AuditKey key = AuditKey.load(file);
    assertThat(key.publicKey().encoded()).isEqualTo(GO_VKEY);
    assertThat(AuditPublicKey.parse(GO_VKEY)).isEqualTo(key.publicKey());
    byte[] sig = key.sign(GO_TEXT.getBytes(StandardCharsets.UTF_8));
    byte[] blob = Base64.getDecoder().decode(GO_SIG);
    assertThat(java.util.Arrays.copyOfRange(blob, 0, 4)).isEqualTo(new byte[] {(byte) 0xc7, 0x4f, 0x20, (byte) 0xa3});
    assertThat(sig).isEqualTo(java.util.Arrays.copyOfRange(blob, 4, blob.length));
    assertThat(key.publicKey().verify(GO_TEXT.getBytes(StandardCharsets.UTF_8), sig)).isTrue();
  }

  @Test
  void loadOrGenerateCreatesAnOwnerOnlyKeyOnceAndReloadsIt() throws IOException {
    Path file = dir.resolve("keys/audit.key");
    AuditKey first = AuditKey.loadOrGenerate(file, "sealdrop.test/audit");
    AuditKey again = AuditKey.loadOrGenerate(file, "sealdrop.test/audit");
    assertThat(again.publicKey()).isEqualTo(first.publicKey());
    if (KeyFiles.posix(file)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
    assertThat(Files.readString(file)).startsWith("PRIVATE+KEY+sealdrop.test/audit+" + first.publicKey().keyIdHex() + "+");
  }

  @Test
  void anExistingKeyFileIsNeverOverwritten() throws IOException {
    Path file = dir.resolve("audit.key");
    AuditKey first = AuditKey.loadOrGenerate(file, "sealdrop.test/audit");
    String before = Files.readString(file);
    assertThatThrownBy(() -> KeyFiles.writeOwnerOnly(file, GO_SKEY + "\n"))
        .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    assertThat(Files.readString(file)).isEqualTo(before);
    assertThat(AuditKey.load(file).publicKey()).isEqualTo(first.publicKey());
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("audit.key"); // no temp file left
    }
  }

  /** Round CR: a folder in the key's place was refused as "too large to be an audit key". */
  @Test
  void aFolderInTheKeysPlaceIsNamedAsAFolder() throws IOException {
    Path file = Files.createDirectory(dir.resolve("audit.key"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    assertThatThrownBy(() -> AuditKey.loadOrGenerate(file, "sealdrop.test/audit")).isInstanceOf(IOException.class)
        .hasMessage("audit key file " + file + " is a folder, not an audit key: move it aside, then put the key file"
            + " back from a backup (or, for a new log, move its log aside too)");
  }

  @Test
  void aKeyFileReadableByOthersIsRefused() throws IOException {
    Path file = dir.resolve("audit.key");
    AuditKey.loadOrGenerate(file, "sealdrop.test/audit");
    Assumptions.assumeTrue(KeyFiles.posix(file));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> AuditKey.load(file)).isInstanceOf(IOException.class).hasMessageContaining("chmod 600");
  }

  @Test
  void aKeyFileWithAnotherNameOrACorruptKeyIdIsRefused() throws IOException {
    Path file = dir.resolve("audit.key");
    AuditKey.loadOrGenerate(file, "sealdrop.test/audit");
    // round AQ: the way out names the setting and both files (moving the key alone is refused next)
    assertThatThrownBy(() -> AuditKey.loadOrGenerate(file, "sealdrop.test/other")).isInstanceOf(IOException.class)
        .hasMessage("audit key file " + file + " holds the key of the log named 'sealdrop.test/audit', not"
            + " 'sealdrop.test/other': set the log's origin back to 'sealdrop.test/audit' (a sealdrop server's"
            + " audit-origin setting), or start a new log by moving aside both this key and the log it signs"
            + " (audit.jsonl beside it)");
    Path bad = dir.resolve("bad.key");
    KeyFiles.writeOwnerOnly(bad, GO_SKEY.replace("c74f20a3", "c74f20a4") + "\n");
    assertThatThrownBy(() -> AuditKey.load(bad)).isInstanceOf(IOException.class).hasMessageContaining("key id");
    Path garbage = dir.resolve("garbage.key");
    KeyFiles.writeOwnerOnly(garbage, "-----BEGIN PRIVATE KEY-----\n");
    assertThatThrownBy(() -> AuditKey.load(garbage)).isInstanceOf(IOException.class);
  }

  @Test
  void thePrivateKeyNeverAppearsInToString() throws IOException {
    Path file = dir.resolve("audit.key");
    AuditKey key = AuditKey.loadOrGenerate(file, "sealdrop.test/audit");
    String secret = Files.readString(file).trim().split("\\+", 5)[4]; // PRIVATE+KEY+name+id+SECRET
    assertThat(secret).hasSize(44);
    assertThat(key.toString()).doesNotContain(secret).contains("redacted");
    key.destroy();
    assertThat(key.isDestroyed()).isTrue();
    assertThatThrownBy(() -> key.sign(new byte[1])).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void publicKeyParsingRejectsManglings() {
    assertThat(AuditPublicKey.parse(GO_VKEY).keyIdHex()).isEqualTo("c74f20a3");
    for (String bad : new String[] {"", "PeterNeumann", "PeterNeumann+c74f20a3",
        GO_VKEY.replace("c74f20a3", "c74f20a4"), GO_VKEY.replace("PeterNeumann", "PeterNeuman"),
        GO_VKEY.replace("+ARpc", "+AhRpc"), GO_VKEY.substring(0, GO_VKEY.length() - 4),
        GO_VKEY.replace("+ARpc", "+AGpc")}) {
      assertThatThrownBy(() -> AuditPublicKey.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** Outside test: the right key id in upper case was told "key id does not match ... (corrupted or edited key text)". */
  @Test
  void anUpperCaseKeyIdIsToldToBeWrittenInLowerCase() {
    String text;
    String[] parts;
    do { // a key id with a letter in it (one of digits only has no case)
      text = AuditKey.generate("sealdrop/test").publicKey().encoded();
      parts = text.split("\\+", 3);
    } while (!parts[1].matches(".*[a-f].*"));
    String upper = parts[0] + "+" + parts[1].toUpperCase(java.util.Locale.ROOT) + "+" + parts[2];
    assertThatThrownBy(() -> AuditPublicKey.parse(upper)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be written in lower case (" + parts[1] + ")");
    assertThat(AuditPublicKey.parse(text).encoded()).isEqualTo(text);
  }
}

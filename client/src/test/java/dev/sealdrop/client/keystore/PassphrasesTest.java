package dev.sealdrop.client.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.UsageFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PassphrasesTest {
  @TempDir
  Path dir;

  @Test
  void fileBeatsVariableAndOnlyTheFirstLineCounts() throws Exception {
    Path f = Files.write(dir.resolve("p"), "from file\r\nsecond line\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Passphrases p = new Passphrases(Map.of("SEALDROP_PASSPHRASE", "from env"), f, PassphrasePrompt.none());
    assertThat(p.forUnlock(dir)).containsExactly("from file".toCharArray());
    Path noNewline = Files.writeString(dir.resolve("q"), "Übergabe 2026");
    assertThat(Passphrases.readFile(noNewline)).containsExactly("Übergabe 2026".toCharArray());
  }

  @Test
  void refusesEmptyMissingAndNonUtf8() throws Exception {
    Path empty = Files.writeString(dir.resolve("e"), "\n");
    assertThatThrownBy(() -> new Passphrases(Map.of(), empty, PassphrasePrompt.none()).forUnlock(dir))
        .isInstanceOf(KeyStoreFailure.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> Passphrases.readFile(dir.resolve("missing"))).isInstanceOf(UsageFailure.class);
    Path latin1 = Files.write(dir.resolve("l"), new byte[] {(byte) 0xfc, 'x'});
    assertThatThrownBy(() -> Passphrases.readFile(latin1)).isInstanceOf(UsageFailure.class)
        .hasMessageContaining("not UTF-8");
    // a folder is IS_A_FOLDER, as for every other option naming a file (round AL: FILE_UNREADABLE, "Is a directory")
    assertThatThrownBy(() -> Passphrases.readFile(dir)).isInstanceOf(UsageFailure.class)
        .hasMessageContaining("is a folder, not a file")
        .satisfies(e -> assertThat(((UsageFailure) e).reason()).isEqualTo("IS_A_FOLDER"));
  }

  /**
   * Round CY: a passphrase file that is there but cannot be read said "cannot read passphrase file F: F", its name twice
   * and no reason. Now the reason, and, as for one that does not exist, not the name. Tests run as root here, who reads
   * any file: permission denied is built from the exception the JDK throws for it (and read for real where the file
   * can be made unreadable); a link that leads to itself is a file the system cannot read, even for root.
   */
  @Test
  void anUnreadablePassphraseFileSaysWhyWithoutRepeatingItsName() throws Exception {
    Path noread = Files.writeString(dir.resolve("noread.txt"), "a passphrase\n");
    UsageFailure denied = Passphrases.unreadable(noread, new java.nio.file.AccessDeniedException(noread.toString()));
    assertThat(denied.reason()).isEqualTo("FILE_UNREADABLE");
    assertThat(denied.getMessage()).isEqualTo("the file named by --passphrase-file cannot be read: permission denied:"
        + " this account may not read it (the name is not repeated, in case it was the passphrase itself)");
    assertThat(denied.hint()).hasValueSatisfying(h -> assertThat(h).contains("chmod 600").doesNotContain("noread"));
    Files.setPosixFilePermissions(noread, java.util.Set.of());
    if (!Files.isReadable(noread)) { // not root
      UsageFailure read = catchThrowableOfType(() -> Passphrases.readFile(noread), UsageFailure.class);
      assertThat(read.getMessage()).isEqualTo(denied.getMessage());
    }

    Path loop = Files.createSymbolicLink(dir.resolve("loop.txt"), dir.resolve("loop.txt"));
    UsageFailure looped = catchThrowableOfType(() -> Passphrases.readFile(loop), UsageFailure.class);
    assertThat(looped.reason()).isEqualTo("FILE_UNREADABLE");
    assertThat(looped.getMessage()).startsWith("the file named by --passphrase-file cannot be read: ")
        .containsIgnoringCase("symbolic links").doesNotContain("loop.txt");
    // an IOException of no file system error does not carry the name either
    assertThat(Passphrases.unreadable(noread, new java.io.IOException("reading " + noread + " failed")).getMessage())
        .doesNotContain("noread").contains("reading the file failed");
  }

  /**
   * Rounds AD, AH: what a decoder could not read (U+FFFD) is not the passphrase set or typed: refused, from the variable
   * and from the prompt alike, never used to lock or unlock keys.
   */
  @Test
  void aPassphraseThatCouldNotBeDecodedIsRefused() {
    KeyStoreFailure fromVariable = catchThrowableOfType(() -> new Passphrases(Map.of("SEALDROP_PASSPHRASE",
        "\uFFFD\uFFFD-words"), null, PassphrasePrompt.none()).forUnlock(dir), KeyStoreFailure.class);
    assertThat(fromVariable.reason()).isEqualTo("PASSPHRASE_UNDECODABLE");
    assertThat(fromVariable.getMessage()).startsWith("SEALDROP_PASSPHRASE holds characters");
    KeyStoreFailure typed = catchThrowableOfType(() -> new Passphrases(Map.of(), null,
        q -> java.util.Optional.of("caf\uFFFD au lait".toCharArray())).forNewKeys(), KeyStoreFailure.class);
    assertThat(typed.reason()).isEqualTo("PASSPHRASE_UNDECODABLE");
    assertThat(typed.hint()).hasValueSatisfying(h -> assertThat(h).contains("--passphrase-file"));
  }

  @Test
  void anEmptyPassphraseToUnlockSaysWhereItCameFromAndAsksForTheOneChosenAtInit() throws Exception {
    // unlocking existing keys: advice on choosing a passphrase would not help
    Path empty = Files.writeString(dir.resolve("e2"), "\n");
    KeyStoreFailure fromFile = catchThrowableOfType(
        () -> new Passphrases(Map.of(), empty, PassphrasePrompt.none()).forUnlock(dir), KeyStoreFailure.class);
    assertThat(fromFile.reason()).isEqualTo("EMPTY_PASSPHRASE");
    assertThat(fromFile.getMessage()).contains("the first line of " + empty);
    assertThat(fromFile.hint()).hasValueSatisfying(h -> assertThat(h).contains("the passphrase you chose at `sealdrop init`"));
    KeyStoreFailure fromVariable = catchThrowableOfType(
        () -> new Passphrases(Map.of("SEALDROP_PASSPHRASE", ""), null, PassphrasePrompt.none()).forUnlock(dir),
        KeyStoreFailure.class);
    assertThat(fromVariable.getMessage()).contains("SEALDROP_PASSPHRASE is set but empty");
    // choosing a new one: the advice stays
    KeyStoreFailure forNew = catchThrowableOfType(
        () -> new Passphrases(Map.of("SEALDROP_PASSPHRASE", ""), null, PassphrasePrompt.none()).forNewKeys(),
        KeyStoreFailure.class);
    assertThat(forNew.hint()).hasValueSatisfying(h -> assertThat(h).contains("at least a few words"));
  }

  @Test
  void newPassphraseIsAskedTwiceAndMustMatch() throws Exception {
    Deque<String> answers = new ArrayDeque<>(java.util.List.of("one", "two"));
    PassphrasePrompt prompt = q -> Optional.of(answers.pop().toCharArray());
    assertThatThrownBy(() -> new Passphrases(Map.of(), null, prompt).forNewKeys())
        .isInstanceOf(KeyStoreFailure.class).hasMessageContaining("differ");
    Deque<String> same = new ArrayDeque<>(java.util.List.of("same words", "same words"));
    assertThat(new Passphrases(Map.of(), null, q -> Optional.of(same.pop().toCharArray())).forNewKeys())
        .containsExactly("same words".toCharArray());
  }
}

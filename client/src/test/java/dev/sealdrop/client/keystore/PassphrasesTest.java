package dev.sealdrop.client.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

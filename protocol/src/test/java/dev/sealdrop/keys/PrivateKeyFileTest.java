package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The passphrase-protected key file (spec §"Private key file"): every modification is refused. */
class PrivateKeyFileTest {
  static final PrivateKeys KEYS = PrivateKeys.generate();
  static final char[] PASS = "correct horse battery staple".toCharArray();

  @TempDir Path dir;

  Path written() throws IOException {
    Path f = dir.resolve("me.key");
    PrivateKeyFile.testOnlyWriteWithCost(f, KEYS, PASS, 14);
    return f;
  }

  @Test
  void theFileHasTheDocumentedLayout() throws Exception {
    byte[] b = Files.readAllBytes(written());
    assertThat(b).hasSize(136);
    assertThat(new String(b, 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("sdprivk1");
    assertThat(new byte[] {b[8], b[9], b[10], b[11]}).containsExactly(1, 14, 8, 1);
    assertThat(PrivateKeyFile.read(dir.resolve("me.key"), PASS).publicKeys()).isEqualTo(KEYS.publicKeys());
  }

  @Test
  void everyModifiedByteIsRefusedAsWrongPassphraseOrNotAKeyFile() throws Exception {
    Path f = written();
    byte[] good = Files.readAllBytes(f);
    for (int i = 12; i < good.length; i += 7) {
      byte[] bad = good.clone();
      bad[i] ^= 0x20;
      Files.write(f, bad);
      assertThatThrownBy(() -> PrivateKeyFile.read(f, PASS)).as("byte %d", i)
          .isInstanceOf(WrongPassphraseException.class);
    }
    byte[] magic = good.clone();
    magic[0] = 'X';
    Files.write(f, magic);
    assertThatThrownBy(() -> PrivateKeyFile.read(f, PASS)).isInstanceOf(IOException.class)
        .hasMessageContaining("not a sealdrop private key file");
  }

  @Test
  void costParametersThatWouldNeedMoreMemoryThanAllowedAreRefusedWithTheAmount() throws Exception {
    Path f = written();
    byte[] bad = Files.readAllBytes(f);
    bad[9] = 20; // log2 N
    bad[10] = 16; // r: 128 * 16 * 2^20 bytes = 2 GiB, each within its own range
    Files.write(f, bad);
    assertThatThrownBy(() -> PrivateKeyFile.read(f, PASS)).isInstanceOf(IOException.class)
        .hasMessageContaining("unsupported key derivation parameters").hasMessageContaining("2048 MiB");
    bad[9] = 18; // 128 * 8 * 2^18 = 256 MiB: still accepted (and then fails only on the passphrase check)
    bad[10] = 8;
    Files.write(f, bad);
    assertThatThrownBy(() -> PrivateKeyFile.read(f, PASS)).isInstanceOf(WrongPassphraseException.class);
  }

  @Test
  void costParametersOutsideTheAcceptedRangeAreRefusedBeforeDerivingAnything() throws Exception {
    Path f = written();
    byte[] good = Files.readAllBytes(f);
    for (int[] edit : new int[][] {{9, 30}, {9, 10}, {10, 0}, {10, 200}, {11, 0}, {11, 9}, {8, 2}}) {
      byte[] bad = good.clone();
      bad[edit[0]] = (byte) edit[1];
      Files.write(f, bad);
      assertThatThrownBy(() -> PrivateKeyFile.read(f, PASS)).isInstanceOf(IOException.class)
          .hasMessageContaining("unsupported key derivation parameters");
    }
    Files.write(f, java.util.Arrays.copyOf(good, 135));
    assertThatThrownBy(() -> PrivateKeyFile.read(f, PASS)).hasMessageContaining("wrong length");
  }

  @Test
  void writingReplacesAtomicallyAndLeavesNoTemporaryFile() throws Exception {
    written();
    PrivateKeys other = PrivateKeys.generate();
    PrivateKeyFile.testOnlyWriteWithCost(dir.resolve("me.key"), other, PASS, 14);
    assertThat(PrivateKeyFile.read(dir.resolve("me.key"), PASS).publicKeys()).isEqualTo(other.publicKeys());
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("me.key");
    }
  }
}

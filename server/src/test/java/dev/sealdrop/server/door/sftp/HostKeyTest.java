package dev.sealdrop.server.door.sftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round CR: a host key file with no key in it (emptied, or not an OpenSSH key) stopped the start with a
 * NullPointerException and its stack trace, and a folder in its place with "cannot start: Is a directory": each is now
 * one sentence naming the file and what to do.
 */
class HostKeyTest {
  @TempDir
  Path data;

  @Test
  void aHostKeyFileWithNoKeyInItIsNamedNotANullPointer() throws Exception {
    Path file = data.resolve(HostKey.FILE_NAME);
    for (String content : new String[] {"", "garbage\n"}) {
      Files.writeString(file, content);
      assertThatThrownBy(() -> HostKey.loadOrCreate(data)).isInstanceOf(IOException.class)
          .hasMessage("SFTP host key " + file + " holds no key; delete it to generate a new one");
    }
  }

  @Test
  void aHostKeyCutShortIsNamedWithItsFile() throws Exception {
    Path file = data.resolve(HostKey.FILE_NAME);
    HostKey.loadOrCreate(data);
    String whole = Files.readString(file);
    Files.writeString(file, whole.substring(0, 200));
    assertThatThrownBy(() -> HostKey.loadOrCreate(data)).isInstanceOf(IOException.class)
        .hasMessageStartingWith("SFTP host key " + file + " is unusable (").hasMessageContaining("delete it");
  }

  @Test
  void aFolderWhereTheHostKeyGoesIsNamed() throws Exception {
    Path file = Files.createDirectory(data.resolve(HostKey.FILE_NAME));
    assertThatThrownBy(() -> HostKey.loadOrCreate(data)).isInstanceOf(IOException.class)
        .hasMessageStartingWith("SFTP host key " + file + " is a folder, not a key file");
  }

  @Test
  void aMissingHostKeyIsMadeAndReadAgain() throws Exception {
    assertThat(KeyFingerprint.of(HostKey.loadOrCreate(data))).isEqualTo(KeyFingerprint.of(HostKey.loadOrCreate(data)));
  }

  /** The public key's fingerprint, as OpenSSH prints it. */
  private static final class KeyFingerprint {
    static String of(java.security.KeyPair kp) {
      return org.apache.sshd.common.config.keys.KeyUtils.getFingerPrint(kp.getPublic());
    }
  }
}

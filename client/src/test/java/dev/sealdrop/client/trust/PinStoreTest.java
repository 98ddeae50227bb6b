package dev.sealdrop.client.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PinStoreTest {
  @TempDir Path dir;

  /**
   * A name no file system holds as a file name (a crafted sender's, 250 bytes and more; round BH: the lookup failed as
   * "its folder cannot be searched", twice) has no pin: it is unknown, as any identity never pinned.
   */
  @Test
  void aNameTooLongForAFileHasNoPinRatherThanAnUnsearchableFolder() throws Exception {
    PinStore pins = new PinStore(Files.createDirectories(dir.resolve("trusted")));
    assertThat(pins.pinned("a".repeat(300))).isEmpty();
    assertThat(pins.pinned("\u00e9".repeat(200))).isEmpty();
    assertThat(pins.pinned("alice")).isEmpty();
  }
}

package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartialFileGuardTest {
  @TempDir
  Path dir;

  @Test
  void onInterruptionOnlyTheTemporariesOfThisRunAreDeleted() throws Exception {
    Path older = Files.writeString(dir.resolve(".sealdrop-older.part"), "someone else's");
    Path other = Files.writeString(dir.resolve("report.csv"), "keep");
    try (PartialFileGuard guard = PartialFileGuard.watch(dir)) {
      Path partial = Files.writeString(dir.resolve(".sealdrop-123.part"), "unverified plaintext");
      guard.clean();
      assertThat(partial).doesNotExist();
    }
    assertThat(older).exists();
    assertThat(other).exists();
  }
}

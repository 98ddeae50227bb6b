package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A full disk under {@code seal -o}, {@code open -o} or {@code receive -o} is the user's machine,
 * not a bug in sealdrop: it must be a usage error that says so (exit 2, {@code NO_SPACE}), never
 * "internal error ... this is a bug". The failure is the real one the JDK throws when the kernel
 * answers ENOSPC: Linux's {@code /dev/full} answers every write that way.
 */
@EnabledOnOs(OS.LINUX)
class DiskFullDiagnosisTest {
  @Test
  void aWriteTheDiskRefusesForLackOfSpaceIsAUsageErrorThatSaysTheDiskIsFull() {
    IOException full = catchThrowableOfType(IOException.class, () -> {
      try (FileChannel ch = FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[64 * 1024]));
      }
    });
    assertThat(full).as("the kernel's ENOSPC").isNotNull();

    Diagnosis d = Diagnoser.diagnose(full);
    assertThat(d.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(d.reason()).isEqualTo("NO_SPACE");
    assertThat(d.message()).contains("the disk is full").doesNotContain("internal error");
    assertThat(d.hint()).hasValueSatisfying(h -> assertThat(h).contains("free space").doesNotContain("bug"));
  }

  @Test
  void theSameFailureFromFilesNamesTheFile() {
    IOException full = catchThrowableOfType(IOException.class,
        () -> Files.write(Path.of("/dev/full"), new byte[64 * 1024]));
    assertThat(full).isNotNull();
    Diagnosis d = Diagnoser.diagnose(full);
    assertThat(d.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(d.reason()).isEqualTo("NO_SPACE");
  }
}

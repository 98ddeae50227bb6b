package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code send} and {@code seal} declare FILE's size in the envelope before they read it. A file
 * that grows, shrinks or is rewritten while it is read (a log still being written, a spreadsheet
 * saved again) is the user's situation, not a bug: exit 2, {@code FILE_CHANGED}, with what to do,
 * never "internal error ... this is a bug" and never an envelope mixing two versions.
 */
class FileChangedWhileSealingTest {
  @TempDir
  Path dir;

  private Path file(String name) throws IOException {
    byte[] content = new byte[1 << 20];
    new Random(1).nextBytes(content);
    Path f = Files.write(dir.resolve(name), content);
    // the kernel stamps writes with a coarse clock: start from an old time, so any write moves it
    Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
    return f;
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buf = new byte[64 * 1024];
    while (in.read(buf) > 0) {
      // read on
    }
  }

  private static void assertFileChanged(IOException e, String how) {
    assertThat(e).isInstanceOf(InputFile.Changed.class).hasMessageContaining(how);
    Diagnosis d = Diagnoser.diagnose(e);
    assertThat(d.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(d.reason()).isEqualTo("FILE_CHANGED");
    assertThat(d.message()).contains("changed while it was being read").doesNotContain("internal error");
    assertThat(d.hint()).hasValueSatisfying(h -> assertThat(h).contains("run the same command again"));
  }

  @Test
  void aFileThatGrowsWhileItIsReadIsRefusedAsChanged() throws Exception {
    Path f = file("growing.log");
    long size = Files.size(f);
    try (InputStream in = InputFile.openUnchanged(f, size)) {
      in.read(new byte[64 * 1024]);
      Files.write(f, "more lines\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), StandardOpenOption.APPEND);
      assertFileChanged(catchThrowableOfType(IOException.class, () -> drain(in)), "it grew");
    }
  }

  @Test
  void aFileThatShrinksWhileItIsReadIsRefusedAsChanged() throws Exception {
    Path f = file("shrinking.csv");
    long size = Files.size(f);
    try (InputStream in = InputFile.openUnchanged(f, size)) {
      in.read(new byte[64 * 1024]);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.truncate(100_000);
      }
      assertFileChanged(catchThrowableOfType(IOException.class, () -> drain(in)), "it shrank");
    }
  }

  @Test
  void aFileRewrittenInPlaceWhileItIsReadIsRefusedAsChanged() throws Exception {
    Path f = file("rewritten.xlsx");
    long size = Files.size(f);
    try (InputStream in = InputFile.openUnchanged(f, size)) {
      in.read(new byte[64 * 1024]);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), size - 3);
      }
      assertFileChanged(catchThrowableOfType(IOException.class, () -> drain(in)), "it was modified");
    }
  }

  @Test
  void anUnchangedFileIsReadWhole() throws Exception {
    Path f = file("steady.csv");
    try (InputStream in = InputFile.openUnchanged(f, Files.size(f))) {
      assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(f));
    }
  }
}

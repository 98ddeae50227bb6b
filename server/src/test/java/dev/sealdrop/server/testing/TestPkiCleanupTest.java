package dev.sealdrop.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The development PKI a test JVM creates lives in a temporary folder that the JVM deletes as it
 * exits: one folder per test JVM piled up in /tmp before. Run in a child JVM, since the folder of
 * this one must last until its last test.
 */
class TestPkiCleanupTest {
  /** The child JVM: creates the test PKI, says where and whether it is there, and exits. */
  public static final class Child {
    public static void main(String[] args) {
      Path dir = TestPki.dir();
      System.out.println(dir + "\t" + Files.isRegularFile(dir.resolve("ca.crt")));
    }
  }

  @Test
  void theTestPkiFolderIsThereWhileTheJvmRunsAndGoneOnceItExits() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        Child.class.getName())).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the child JVM finished").isTrue();
    assertThat(p.exitValue()).isZero();
    String[] said = out.split("\t");
    assertThat(said).as(out).hasSize(2);
    Path dir = Path.of(said[0]);
    assertThat(dir.getFileName().toString()).startsWith("sealdrop-test-pki");
    assertThat(said[1]).as("the PKI was written while the JVM ran").isEqualTo("true");
    assertThat(dir).as("deleted when the JVM exited").doesNotExist();
  }
}

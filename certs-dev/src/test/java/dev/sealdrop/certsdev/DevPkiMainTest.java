package dev.sealdrop.certsdev;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: usage errors, what it prints, and --force. */
class DevPkiMainTest {

  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(String... args) {
    out.reset();
    err.reset();
    return DevPkiMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void anUnknownArgumentIsAUsageErrorAndWritesNothing() throws Exception {
    Path target = dir.resolve("pki");
    assertThat(run("--out", target.toString(), "--frce")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown argument '--frce'").contains("Usage:");
    assertThat(target).doesNotExist();
  }

  @Test
  void outWithoutADirectoryIsAUsageError() {
    assertThat(run("--out")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--out needs a directory");
  }

  @Test
  void anEmptyOutIsAUsageErrorNotTheCurrentDirectory() {
    // `--out "$PKI_DIR"` with the variable unset used to write every key into the current directory.
    for (String[] args : new String[][] {{"--out", ""}, {"--out="}}) {
      assertThat(run(args)).isEqualTo(2);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("--out needs a directory");
    }
    assertThat(Path.of("ca.key")).doesNotExist();
  }

  @Test
  void anUnusableCaFailsWithExitCodeOneAndAHint() throws Exception {
    assertThat(run("--out", dir.toString())).isZero();
    Files.delete(dir.resolve("ca.key"));
    assertThat(run("--out", dir.toString())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("certs-dev: error: ").contains("--force")
        .doesNotContain("certs-dev: error: certs-dev:");
  }

  @Test
  void anOutThatIsNotAUsableDirectoryFailsWithExitCodeOneSayingWhyAndWhatToDo() throws Exception {
    // Before, the message was only the path ("cannot write the development PKI in F: F").
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertThat(run("--out", file.toString())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("certs-dev: error: ")
        .contains(file + " exists and is not a directory").contains("--out");

    assertThat(run("--out", file.resolve("sub").toString())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("Not a directory").contains("--out");
  }

  @Test
  void withoutOutItWritesWhereTheMavenBuildSaysNotIntoTheCurrentDirectory() {
    // `cd certs-dev && mvn compile exec:java` used to write certs-dev/certs-dev/out/, a folder git
    // does not ignore; the module's pom passes its own out/ as this property.
    Path target = dir.resolve("module-out");
    System.setProperty(DevPkiMain.OUT_PROPERTY, target.toString());
    try {
      assertThat(run()).isZero();
    } finally {
      System.clearProperty(DevPkiMain.OUT_PROPERTY);
    }
    assertThat(target.resolve("ca.crt")).isRegularFile();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("development PKI ready in " + target);
  }

  @Test
  void helpPrintsUsageAndTheP12Password() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--out DIR").contains("--force")
        .contains(DevPki.P12_PASSWORD);
  }

  @Test
  void printsWhatItWroteThenWhatItKeptThenRewritesWithForce() throws Exception {
    assertThat(run("--out=" + dir)).isZero();
    String first = out.toString(StandardCharsets.UTF_8);
    assertThat(first).contains("wrote " + dir.resolve("ca.crt")).contains("wrote " + dir.resolve("mallory.crt"))
        .contains("DEVELOPMENT ONLY");
    byte[] ca = Files.readAllBytes(dir.resolve("ca.crt"));

    assertThat(run("--out", dir.toString())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("wrote").contains("kept  " + dir.resolve("ca.crt"));
    assertThat(Files.readAllBytes(dir.resolve("ca.crt"))).isEqualTo(ca);

    assertThat(run("--out", dir.toString(), "--force")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("kept");
    assertThat(Files.readAllBytes(dir.resolve("ca.crt"))).isNotEqualTo(ca);
  }
}

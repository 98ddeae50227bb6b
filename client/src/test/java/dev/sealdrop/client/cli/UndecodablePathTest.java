package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round AR: under {@code LC_ALL=C} (cron, {@code env -i}) a non-ASCII path was picocli's "cannot convert ... to Path"
 * with a Java exception's name, reason USAGE; a file whose name is not valid UTF-8 was "no such file", though it
 * exists. Each is now told as what it is, with the way out.
 */
class UndecodablePathTest {
  @TempDir
  Path dir;

  /** Runs {@code sh -c SCRIPT} with the CLI's java command as "$@"-free {@code $SEALDROP}, in {@code env}. */
  private CliRun shell(Map<String, String> env, String script) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().remove("LANG");
    pb.environment().remove("LC_CTYPE");
    pb.environment().remove("LC_ALL");
    pb.environment().putAll(env);
    pb.environment().put("SEALDROP", java + " -XX:TieredStopAtLevel=1 -cp " + System.getProperty("java.class.path")
        + " " + Main.class.getName() + " --home " + dir.resolve("profile"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new CliRun(p.exitValue(), out, err);
  }

  @Test
  void aPathTheLocaleCannotEncodeIsNamedWithTheLocaleToUse() throws Exception {
    List<String> commands = new ArrayList<>(List.of("$SEALDROP --json send \"$(printf 'n\\303\\251.txt')\" --to bob",
        "$SEALDROP --json open x.sd -o \"$(printf 'n\\303\\251')\""));
    for (String command : commands) {
      CliRun r = shell(Map.of("LC_ALL", "C"), command);
      assertThat(r.exit()).as(command + "\n" + r.err()).isEqualTo(2);
      assertThat(r.jsonError()).as(command).containsEntry("reason", "PATH_NOT_ENCODABLE");
      assertThat(r.err()).contains("this locale cannot write its characters in a file name")
          .contains("LC_ALL=C.UTF-8").doesNotContain("InvalidPathException").doesNotContain("cannot convert");
    }
  }

  @Test
  void aFileWhoseNameIsNotValidUtf8IsToldSo() throws Exception {
    CliRun r = shell(Map.of("LC_ALL", "C.UTF-8"), "f=$(printf 'bad\\377name.txt'); echo a > \"$f\";"
        + " $SEALDROP --json send \"$f\" --to bob");
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.jsonError()).containsEntry("reason", "FILE_NOT_FOUND");
    assertThat((String) r.jsonError().get("hint")).contains("its name holds bytes this locale cannot read");
  }
}

package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.cli.output.Output;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * An {@link Error} that escapes a command (picocli hands only Exceptions to the error handler) is
 * reported like any failure: one error document under --json, exit 1, a message that says what
 * happened; the shutdown hook's "interrupted by a signal" document never follows it.
 */
class FatalErrorTest {
  @Test
  void anOutOfMemoryErrorIsOneErrorDocumentNotAnInterruptedOne() {
    CommandLine cl = Sealdrop.commandLine(CliEnvironment.forTest(Map.of(), Path.of(".")));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.parseArgs("--json", "inbox");

    int code = ErrorReporter.reportFatal(new OutOfMemoryError("Java heap space"), cl);

    assertThat(code).isEqualTo(1);
    Output output = ((SealdropCommand) cl.getCommand()).output();
    assertThat(output.interrupted()).as("the shutdown hook prints nothing more").isFalse();
    assertThat(out.toString().strip()).startsWith("{\"ok\":false").contains("\"reason\":\"OUT_OF_MEMORY\"")
        .contains("\"exit_code\":1").contains("-Xmx").doesNotContain("interrupted").hasLineCount(1);
    assertThat(err.toString()).contains("sealdrop: error: out of memory: Java heap space").doesNotContain("\tat ");
  }
}

package dev.sealdrop.client.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * The interrupted document's hint says what a re-run of the interrupted command does: a command sets
 * it when it starts (send: everything again; receive: the download resumes), others keep the plain
 * default. It never promises a resume the command cannot do.
 */
class OutputInterruptedTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void theDefaultHintPromisesNoResume() {
    Output o = new Output(new PrintWriter(out), new PrintWriter(err), true);
    assertThat(o.interrupted()).isTrue();
    assertThat(out.toString()).contains("\"hint\":\"run the same command again\"").doesNotContain("resume");
    assertThat(err.toString()).contains("sealdrop: hint: run the same command again\n");
  }

  @Test
  void aCommandsOwnHintIsTheOnePrintedOnceWithJsonAndOnStderr() {
    Output o = new Output(new PrintWriter(out), new PrintWriter(err), true);
    o.interruptHint("run the same command again: the download resumes");
    assertThat(o.interrupted()).isTrue();
    assertThat(o.interrupted()).isFalse(); // one document only
    assertThat(out.toString()).contains("\"hint\":\"run the same command again: the download resumes\"")
        .contains("\"kind\":\"interrupted\"");
    assertThat(err.toString()).contains("sealdrop: hint: run the same command again: the download resumes");
  }

  /** Round CN: Ctrl-C at the passphrase prompt put the error on the prompt's line ("Passphrase for ...: sealdrop: ..."). */
  @Test
  void anInterruptionAtAPromptStartsItsErrorOnALineOfItsOwn() {
    Output o = new Output(new PrintWriter(out), new PrintWriter(err), false);
    o.promptOpen(true);
    assertThat(o.interrupted()).isTrue();
    assertThat(err.toString()).startsWith(System.lineSeparator() + "sealdrop: error: interrupted");
    StringWriter quiet = new StringWriter();
    Output after = new Output(new PrintWriter(out), new PrintWriter(quiet), false);
    after.promptOpen(true);
    after.promptOpen(false);
    assertThat(after.interrupted()).isTrue();
    assertThat(quiet.toString()).startsWith("sealdrop: error: interrupted");
  }
}

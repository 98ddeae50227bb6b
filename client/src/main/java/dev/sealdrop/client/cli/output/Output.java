package dev.sealdrop.client.cli.output;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.failure.UsageFailure;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The only writer of stdout. Human mode prints lines; {@code --json} mode guarantees stdout is
 * exactly one JSON document: one result, or one error object, never both, never two.
 * Notes for people (what is happening, warnings) go to stderr in both modes.
 *
 * <p>One atomic flag, {@code done}, decides who speaks last: the command's result, the error
 * report, {@link #finish()} after the command returned, or {@link #interrupted()} from the
 * shutdown hook when a signal ends the JVM first. Whoever sets it first prints; the others print
 * nothing, so stdout never holds two documents.
 */
public final class Output {
  /**
   * Text from a sender or the server (a file name, an identity) appears in JSON results as it is,
   * but never raw on the terminal: the characters {@link TerminalText#clean} replaces in human output
   * (C0 and C1 controls, DEL, bidi overrides and other invisible formatting) are written as
   * JSON unicode escapes (backslash, u, four hex digits), which a JSON reader decodes to the same text; Jackson by
   * itself escapes only C0.
   */
  private static final JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactoryBuilder()
      .characterEscapes(new TerminalSafeEscapes()).build();

  /**
   * {@link #JSON} that also escapes every other character beyond ASCII: for a standard output whose charset is not
   * Unicode (an ASCII locale: cron, {@code env -i}, {@code LC_ALL=C}), which would write each of them as '?' and change
   * the values a script reads (round BR: {@code "file_name":"COM?.txt"}). The document decodes to the same text.
   */
  private static final JsonFactory JSON_ASCII = new com.fasterxml.jackson.core.JsonFactoryBuilder()
      .characterEscapes(new TerminalSafeEscapes())
      .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII).build();

  /**
   * Whether standard output's charset holds every character: the JVM's default charset and, where the JDK names them,
   * the console's and standard output's encodings, all UTF-8 or UTF-16.
   */
  static boolean unicodeStandardOutput() {
    for (String name : new String[] {System.getProperty("stdout.encoding"), System.getProperty("sun.stdout.encoding"),
        java.nio.charset.Charset.defaultCharset().name()}) {
      if (name != null && !name.toUpperCase(java.util.Locale.ROOT).startsWith("UTF-")) {
        return false;
      }
    }
    return true;
  }

  /** The JSON escapes of {@link #JSON}. */
  private static final class TerminalSafeEscapes extends com.fasterxml.jackson.core.io.CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private static final int[] ASCII = standardAsciiEscapesForJSON();

    static {
      ASCII[0x7f] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ASCII;
    }

    @Override
    public com.fasterxml.jackson.core.SerializableString getEscapeSequence(int ch) {
      // Jackson passes UTF-16 units, so a character beyond U+FFFF arrives as two halves it cannot be judged by: every
      // such character is escaped, as its two halves (valid JSON, decoded to the same text), so that none of the
      // invisible ones (tag characters) is written raw (outside test); emoji are escaped alike
      return Character.isSurrogate((char) ch) || TerminalText.unsafe(ch) ? new com.fasterxml.jackson.core.io.SerializedString(
          String.format(java.util.Locale.ROOT, "\\u%04X", ch)) : null;
    }
  }

  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean json;
  /** The exit status of a JVM ended by SIGTERM (128 + 15): the interrupted document's when the signal is not known. */
  public static final int SIGTERM_EXIT = 143;

  private final AtomicBoolean done = new AtomicBoolean();
  private volatile boolean interrupted;
  private volatile String interruptHint = "run the same command again";

  /** The stream under {@code out} whose errors it keeps to itself (System.out), or null. */
  private final java.io.PrintStream under;

  public Output(PrintWriter out, PrintWriter err, boolean json) {
    this(out, err, json, null);
  }

  /**
   * An output whose {@code out} writes into {@code under} (the process's System.out, whose PrintStream keeps write
   * errors to itself, as {@code out} does not see them): its error is checked after the result too.
   */
  public Output(PrintWriter out, PrintWriter err, boolean json, java.io.PrintStream under) {
    this(out, err, json, under, unicodeStandardOutput());
  }

  /** {@code unicode}: whether {@code out} can write every character (else JSON escapes all beyond ASCII). */
  Output(PrintWriter out, PrintWriter err, boolean json, java.io.PrintStream under, boolean unicode) {
    this.out = Objects.requireNonNull(out, "out");
    this.err = Objects.requireNonNull(err, "err");
    this.json = json;
    this.under = under;
    this.jsonFactory = unicode ? JSON : JSON_ASCII;
  }

  private final JsonFactory jsonFactory;

  public boolean json() {
    return json;
  }

  /**
   * Prints the command's one result; throws {@code OUTPUT_FAILED} if it could not be written (standard output on a full
   * disk, {@code /dev/full}, a closed pipe): round AL, a send whose token went nowhere exited 0 as if it was shown.
   */
  public void emit(Result result) throws UsageFailure {
    emit(result, false);
  }

  /**
   * Prints a result that only reports what is (a listing, a status, a key, help): one whose reader closed standard
   * output before its end ({@code sealdrop files | head -1}) lost nothing another run cannot show, so the command ends
   * as if it had been read, quietly, as a Unix listing does; a full disk still fails ({@code OUTPUT_FAILED}).
   */
  public void emitReport(Result result) throws UsageFailure {
    emit(result, true);
  }

  private void emit(Result result, boolean report) throws UsageFailure {
    if (!done.compareAndSet(false, true)) {
      if (interrupted) {
        return; // the JVM is shutting down and the interrupted document is already out
      }
      throw new IllegalStateException("cli: internal error: a command emitted two results");
    }
    if (json) {
      writeJson(result);
    } else {
      result.writeHuman(out);
      out.flush();
    }
    // a PrintWriter keeps its errors to itself, and so does the PrintStream of System.out under it
    if (out.checkError() || (under != null && under.checkError())) {
      if (under != null && StandardOutput.isPipe()) {
        if (report) {
          return;
        }
        throw new UsageFailure(OUTPUT_CLOSED, "the result could not be written to standard output: the program"
            + " reading it (after a |, or at the other end of a pipe or socket) closed it first", "what the command did stands (a received file is written, an"
            + " admin's act is done): only this report of it was lost; let the next command's standard output go to"
            + " the terminal, a file, or a program that reads all of it");
      }
      throw new UsageFailure(OUTPUT_FAILED, "the result could not be written to standard output (a full disk, or"
          + " a closed pipe or file behind it)", "what the command did stands (a received file is written, an admin's"
          + " act is done): only this report of it was lost; send standard output to a file on a disk with room, or to"
          + " the terminal, for the next command");
    }
  }

  /** The reason of a result that could not be written to standard output. */
  public static final String OUTPUT_FAILED = "OUTPUT_FAILED";

  /** The reason of a result whose standard output, a pipe, was closed by the program reading it. */
  public static final String OUTPUT_CLOSED = "OUTPUT_CLOSED";

  /** Prints the error document in JSON mode (unless a result was already printed). */
  public void emitError(Result error) {
    if (done.compareAndSet(false, true) && json) {
      writeJson(error);
    }
  }

  /** The command returned (exit code known): from now on the shutdown hook prints nothing. */
  public void finish() {
    done.set(true);
  }

  /**
   * What the interrupted error's hint says, for a command whose re-run does more than start over
   * (set by the command when it starts; default "run the same command again").
   */
  public void interruptHint(String hint) {
    interruptHint = java.util.Objects.requireNonNull(hint, "hint");
  }

  /**
   * Called by the shutdown hook: if the command has not yet printed its result or error (a signal
   * such as SIGTERM or Ctrl-C is ending the JVM), prints the one error document under
   * {@code --json}, or one error line and a hint on stderr. Otherwise prints nothing.
   *
   * @return true if it printed
   */
  public boolean interrupted() {
    return interrupted(SIGTERM_EXIT);
  }

  /**
   * {@link #interrupted()} for a JVM that exits with {@code exitStatus} (128 + the signal), which the document's
   * {@code exit_code} then says: 130 after Ctrl-C, 143 after SIGTERM.
   */
  public boolean interrupted(int exitStatus) {
    interrupted = true; // before the flag: an emit that loses the race then returns quietly
    if (!done.compareAndSet(false, true)) {
      return false;
    }
    if (promptOpen) {
      err.println(); // Ctrl-C at the passphrase prompt: the error went on the prompt's line (round CN)
    }
    String message = "interrupted: the command was stopped by a signal before it finished";
    String hint = interruptHint;
    if (json) {
      writeJson(new ErrorResult(exitStatus, "interrupted", "INTERRUPTED", message, Optional.of(hint)));
    }
    err.println("sealdrop: error: " + message);
    err.println("sealdrop: hint: " + hint);
    err.flush();
    return true;
  }

  /** Whether a prompt is waiting on the terminal's line (a passphrase is being asked for). */
  private volatile boolean promptOpen;

  /** A prompt begins or ends on the terminal: an interruption meanwhile starts its error on a line of its own. */
  public void promptOpen(boolean open) {
    promptOpen = open;
  }

  /**
   * Whether a signal is ending the JVM ({@link #interrupted} ran): the main thread goes on for a moment while the
   * shutdown hooks run (seconds, when the launcher records its class-data archive at exit), and must then start
   * nothing more on the server, since what it would print is no longer shown.
   */
  public boolean stopping() {
    return interrupted;
  }

  /** A line for a person on stderr, {@code sealdrop: MESSAGE}, in both modes (stdout stays clean). */
  public void note(String message) {
    err.println("sealdrop: " + TerminalText.clean(message));
    err.flush();
  }

  public void warn(String message) {
    err.println("sealdrop: warning: " + TerminalText.clean(message));
    err.flush();
  }

  private void writeJson(Result result) {
    try (JsonGenerator g = jsonFactory.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      result.writeJson(g);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON to stdout", e);
    }
    out.println();
    out.flush();
  }
}
